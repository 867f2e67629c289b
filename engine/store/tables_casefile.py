"""Tables of the case file (issue 14): documents attached to cases and their stored bytes.

A document row is the record (who, when, which step, which material, the sniffed type and the
SHA-256); its bytes live behind `engine.store.blobs` — in `document_blobs` (the default, one
transaction with the row) or in a directory (a shared mount). Rows are never updated in place:
a new version of a document is a new row that names the one it replaces.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, UTCDateTime


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_case_id_material", "case_id", "material"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    # The audit event that attached it: a step's transition event or a `document` event.
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    # A material id of the case's definition (e.g. commitment_letter); None: another document.
    material: Mapped[str | None] = mapped_column(String(60))
    # As the uploader named it, for display only: never a path, never a type.
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    storage: Mapped[str] = mapped_column(String(20))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_by_name: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DocumentBlob(Base):
    """The bytes of a document kept in the database (storage `database`)."""

    __tablename__ = "document_blobs"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
