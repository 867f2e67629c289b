"""the case file: documents and their bytes (issue 14)

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-03 13:30:00

`documents`: one row per attached file — case, the event that attached it, material, display
name, sniffed type, size, SHA-256, where its bytes are (`database` or `directory`) and the
document it replaces. `document_blobs`: the bytes kept in the database. Nothing existing is
touched; cases before this revision simply have no documents.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("material", sa.String(length=60), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage", sa.String(length=20), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_name", sa.String(length=120), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_documents_case_id_cases"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name="fk_documents_event_id_events"),
        sa.ForeignKeyConstraint(
            ["replaces_id"], ["documents.id"], name="fk_documents_replaces_id_documents"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name="fk_documents_uploaded_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("storage_key", name="uq_documents_storage_key"),
    )
    op.create_index("ix_documents_case_id_material", "documents", ["case_id", "material"])
    op.create_index("ix_documents_event_id", "documents", ["event_id"])
    op.create_index("ix_documents_sha256", "documents", ["sha256"])
    op.create_table(
        "document_blobs",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_document_blobs"),
    )


def downgrade() -> None:
    op.drop_table("document_blobs")
    op.drop_index("ix_documents_sha256", table_name="documents")
    op.drop_index("ix_documents_event_id", table_name="documents")
    op.drop_index("ix_documents_case_id_material", table_name="documents")
    op.drop_table("documents")
