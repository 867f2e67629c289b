"""The case file: documents (材料) attached to a case, alone or with the step that uses them,
and comments.

A document is written in the transaction of the event that attaches it — a step's transition
event (`engine.cases.service.fire` with `uploads`) or a `document` event of its own
(`attach`) — so a refused step or a crash keeps neither the row nor the bytes
(`engine.store.blobs`). Its type is what its bytes are (`engine.cases.filetypes`); the name the
uploader gave is kept for display only. Nothing is overwritten: a new version is a new document
naming the one it replaces. Reading follows the case's scope: whoever may not see the case may
not see its documents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Connection, func, insert, select

from engine.access.actor import Actor
from engine.cases.filetypes import PREVIEWABLE, UnacceptedType, sniff
from engine.cases.locking import lock_case
from engine.definitions.model import Definition, Definitions, MaterialDef
from engine.errors import Forbidden, NotFound, TongbuError
from engine.store.blobs import new_key
from engine.store.tables import Case, Event, Unit
from engine.store.tables_casefile import Document
from engine.store.unit_of_work import UnitOfWork

documents_t = Document.__table__
cases_t = Case.__table__
events_t = Event.__table__
units_t = Unit.__table__

MB = 1024 * 1024
FILENAME_MAX = 255
COMMENT_MAX = 4000
ATTACHING_ROLES = ("caseworker", "supervisor", "admin")


class TooLarge(TongbuError):
    """A file past the per-file limit, or a case past its total (local parameters): 413."""

    def __init__(self, field: str, limit_mb: float, *, per_case: bool) -> None:
        self.field = field
        self.limit_mb = limit_mb
        self.per_case = per_case
        what = "the case's documents together" if per_case else "one file"
        super().__init__(f"{field}: {what} may be at most {limit_mb:g} MB; nothing was stored")
        self.zh = (
            f"{field}：{'一个案件全部材料' if per_case else '单个文件'}不得超过 {limit_mb:g} MB，"
            "未保存任何内容"
        )


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: bytes, the name it came with, and what it is for."""

    filename: str
    data: bytes
    material: str | None = None
    replaces: int | None = None
    field: str = "file"
    """The form or API field it came in, named in errors."""


@dataclass(frozen=True)
class Prepared:
    upload: Upload
    content_type: str
    sha256: str
    material: str | None
    filename: str


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    case_id: int
    event_id: int
    material: str | None
    material_label_zh: str | None
    material_label_en: str | None
    filename: str
    content_type: str
    size: int
    sha256: str
    storage: str
    replaces_id: int | None
    replaced_by_id: int | None
    uploaded_by_name: str
    uploaded_at: datetime
    trigger: str | None
    """The step that attached it (None: attached on its own)."""

    @property
    def previewable(self) -> bool:
        return self.content_type in PREVIEWABLE

    @property
    def current(self) -> bool:
        return self.replaced_by_id is None


@dataclass(frozen=True)
class CommentInfo:
    event_id: int
    case_id: int
    author: str
    at: datetime
    text: str


def limits(params: Mapping[str, Any]) -> tuple[int, int]:
    """(per file, per case) in bytes, from the local parameters."""
    return (
        int(float(params.get("document_max_file_mb", 20)) * MB),
        int(float(params.get("document_max_case_mb", 200)) * MB),
    )


def display_name(name: str) -> str:
    """The uploader's name for display: no folders, no control characters, bounded."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
    return (cleaned or "document")[:FILENAME_MAX]


def case_materials(conn: Connection, case_id: int) -> frozenset[str]:
    rows = conn.execute(
        select(documents_t.c.material)
        .where(documents_t.c.case_id == case_id, documents_t.c.material.is_not(None))
        .distinct()
    )
    return frozenset(r.material for r in rows)


def case_total(conn: Connection, case_id: int) -> int:
    return int(
        conn.execute(
            select(func.coalesce(func.sum(documents_t.c.size), 0)).where(
                documents_t.c.case_id == case_id
            )
        ).scalar_one()
    )


def prepare(
    conn: Connection,
    case_id: int,
    uploads: Sequence[Upload],
    allowed: Mapping[str, MaterialDef],
    params: Mapping[str, Any],
) -> list[Prepared]:
    """Check every upload before anything is written: material, size, type (413 / 422)."""
    per_file, per_case = limits(params)
    total = case_total(conn, case_id) if uploads else 0
    out: list[Prepared] = []
    for up in uploads:
        material = up.material
        if up.replaces is not None:
            old = conn.execute(
                select(documents_t.c.case_id, documents_t.c.material).where(
                    documents_t.c.id == up.replaces
                )
            ).first()
            if old is None or old.case_id != case_id:
                raise ValidationError(
                    {
                        "replaces": [
                            f"document {up.replaces} is not in case {case_id} / 本案无此材料"
                        ]
                    }
                )
            material = material or old.material
        if material is not None and material not in allowed:
            choices = ", ".join(sorted(allowed)) or "none"
            raise ValidationError(
                {
                    "material": [
                        f"{material!r} is not a document this step takes (takes: {choices}) / "
                        "此步骤不接收该材料"
                    ]
                }
            )
        if len(up.data) > per_file:
            raise TooLarge(up.field, per_file / MB, per_case=False)
        total += len(up.data)
        if total > per_case:
            raise TooLarge(up.field, per_case / MB, per_case=True)
        try:
            sniffed = sniff(up.data)
        except UnacceptedType as exc:
            raise ValidationError({up.field: [exc.bilingual]}) from exc
        out.append(
            Prepared(
                up,
                sniffed.content_type,
                hashlib.sha256(up.data).hexdigest(),
                material,
                display_name(up.filename),
            )
        )
    return out


def store(
    uow: UnitOfWork,
    case_id: int,
    event_id: int,
    prepared: Iterable[Prepared],
    *,
    actor: Actor,
    now: datetime,
) -> list[int]:
    """Write the bytes and the rows in the caller's transaction; the ids, in upload order."""
    writer = uow.blobs.writer
    ids = []
    for p in prepared:
        key = new_key()
        writer.put(uow, key, p.upload.data)
        ids.append(
            uow.conn.execute(
                insert(documents_t)
                .values(
                    case_id=case_id,
                    event_id=event_id,
                    material=p.material,
                    filename=p.filename,
                    content_type=p.content_type,
                    size=len(p.upload.data),
                    sha256=p.sha256,
                    storage=writer.name,
                    storage_key=key,
                    replaces_id=p.upload.replaces,
                    uploaded_by=actor.id,
                    uploaded_by_name=actor.display_name,
                    uploaded_at=now,
                )
                .returning(documents_t.c.id)
            ).scalar_one()
        )
    return ids


def summary(prepared: Sequence[Prepared], ids: Sequence[int]) -> list[dict[str, Any]]:
    """What the attaching event records of each document (the audit names the hash)."""
    return [
        {
            "id": i,
            "material": p.material,
            "filename": p.filename,
            "content_type": p.content_type,
            "size": len(p.upload.data),
            "sha256": p.sha256,
            **({"replaces": p.upload.replaces} if p.upload.replaces else {}),
        }
        for p, i in zip(prepared, ids, strict=True)
    ]


def attach(
    uow: UnitOfWork,
    defs: Definitions,
    case_id: int,
    uploads: Sequence[Upload],
    *,
    actor: Actor,
    note: str | None = None,
) -> list[int]:
    """Attach documents to a case on their own (before the step that needs them, or later
    evidence): one `document` event and the documents, in one transaction. A closed case's
    file stays as it was closed."""
    if not uploads:
        raise ValidationError({"file": ["choose at least one file / 请选择文件"]})
    if actor.role not in ATTACHING_ROLES:
        raise Forbidden("only caseworkers and supervisors attach documents")
    with uow:
        case = lock_case(uow, case_id, actor)
        if case.status != "open":
            raise Forbidden(f"case {case_id} is closed; its file stays as it was closed")
        definition = defs.get(case.procedure, case.definition_version)
        prepared = prepare(uow.conn, case_id, uploads, definition.materials, defs.parameters)
        now = uow.clock.now()
        rules = sorted(
            {definition.materials[p.material].rule for p in prepared if p.material is not None}
        )
        event_id = uow.conn.execute(
            insert(events_t)
            .values(
                case_id=case_id,
                kind="document",
                trigger=None,
                from_state=case.state,
                to_state=case.state,
                case_version=case.version,
                actor_id=actor.id,
                actor_name=actor.display_name,
                at=now,
                comment=note,
                payload={},
                rules=rules,
            )
            .returning(events_t.c.id)
        ).scalar_one()
        ids = store(uow, case_id, event_id, prepared, actor=actor, now=now)
        uow.conn.execute(
            events_t.update()
            .where(events_t.c.id == event_id)
            .values(payload={"documents": summary(prepared, ids)})
        )
        uow.commit()
        return ids


def _visible_case(r: UnitOfWork, case_id: int, actor: Actor) -> Any:
    row = r.conn.execute(
        select(
            cases_t.c.id,
            cases_t.c.procedure,
            cases_t.c.definition_version,
            units_t.c.path.label("unit_path"),
        )
        .join(units_t, units_t.c.id == cases_t.c.unit_id)
        .where(cases_t.c.id == case_id)
    ).first()
    if row is None:
        raise NotFound("case", case_id)
    if not actor.can_see(row.unit_path):
        raise Forbidden(f"case {case_id} belongs to another unit; its documents are not yours")
    return row


def _infos(rows: Sequence[Any], definition: Definition | None) -> list[DocumentInfo]:
    replaced_by = {r.replaces_id: r.id for r in rows if r.replaces_id is not None}
    materials = definition.materials if definition is not None else {}
    out = []
    for r in rows:
        m = materials.get(r.material) if r.material else None
        out.append(
            DocumentInfo(
                id=r.id,
                case_id=r.case_id,
                event_id=r.event_id,
                material=r.material,
                material_label_zh=m.label.zh if m else None,
                material_label_en=m.label.en if m else None,
                filename=r.filename,
                content_type=r.content_type,
                size=r.size,
                sha256=r.sha256,
                storage=r.storage,
                replaces_id=r.replaces_id,
                replaced_by_id=replaced_by.get(r.id),
                uploaded_by_name=r.uploaded_by_name,
                uploaded_at=r.uploaded_at,
                trigger=r.trigger,
            )
        )
    return out


def _doc_query() -> Any:
    return select(documents_t, events_t.c.trigger).join(
        events_t, events_t.c.id == documents_t.c.event_id
    )


def list_documents(
    uow: UnitOfWork, defs: Definitions, case_id: int, *, actor: Actor
) -> list[DocumentInfo]:
    """Every document of a case, oldest first, each version with what replaced it."""
    with uow.reader() as r:
        case = _visible_case(r, case_id, actor)
        rows = r.conn.execute(
            _doc_query().where(documents_t.c.case_id == case_id).order_by(documents_t.c.id)
        ).all()
    return _infos(rows, _definition(defs, case))


def _definition(defs: Definitions, case: Any) -> Definition | None:
    try:
        return defs.get(case.procedure, case.definition_version)
    except NotFound:
        return None


def open_document(
    uow: UnitOfWork, defs: Definitions, document_id: int, *, actor: Actor
) -> tuple[DocumentInfo, bytes]:
    """A document and its bytes, if the actor may see its case (403 otherwise, as the case)."""
    with uow.reader() as r:
        row = r.conn.execute(_doc_query().where(documents_t.c.id == document_id)).first()
        if row is None:
            raise NotFound("document", document_id)
        case = _visible_case(r, row.case_id, actor)
        siblings = r.conn.execute(
            _doc_query().where(documents_t.c.case_id == row.case_id).order_by(documents_t.c.id)
        ).all()
        data = r.blobs.read(r.conn, row.storage, row.storage_key)
    info = next(i for i in _infos(siblings, _definition(defs, case)) if i.id == document_id)
    return info, data


def add_comment(uow: UnitOfWork, case_id: int, text: str, *, actor: Actor) -> int:
    """A comment on the case, outside any step: an audited event that moves nothing."""
    body = (text or "").strip()
    if not body:
        raise ValidationError({"text": ["write a comment / 请填写意见"]})
    if len(body) > COMMENT_MAX:
        raise ValidationError(
            {"text": [f"at most {COMMENT_MAX} characters / 不得超过 {COMMENT_MAX} 字"]}
        )
    if actor.role not in ATTACHING_ROLES:
        raise Forbidden("only caseworkers and supervisors comment on cases")
    with uow:
        case = lock_case(uow, case_id, actor)
        event_id = uow.conn.execute(
            insert(events_t)
            .values(
                case_id=case_id,
                kind="comment",
                trigger=None,
                from_state=case.state,
                to_state=case.state,
                case_version=case.version,
                actor_id=actor.id,
                actor_name=actor.display_name,
                at=uow.clock.now(),
                comment=body,
                payload=None,
                rules=[],
            )
            .returning(events_t.c.id)
        ).scalar_one()
        uow.commit()
        return event_id


def list_comments(uow: UnitOfWork, case_id: int, *, actor: Actor) -> list[CommentInfo]:
    with uow.reader() as r:
        _visible_case(r, case_id, actor)
        rows = r.conn.execute(
            select(events_t.c.id, events_t.c.actor_name, events_t.c.at, events_t.c.comment)
            .where(events_t.c.case_id == case_id, events_t.c.kind == "comment")
            .order_by(events_t.c.id)
        ).all()
    return [CommentInfo(x.id, case_id, x.actor_name, x.at, x.comment) for x in rows]
