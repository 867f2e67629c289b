"""The case file on the case page: the documents panel, a step's checklist, the history's
documents, and the files a form sends.

Everything here is shown as `engine.cases.documents` reads it, scoped by the signed-in user;
whether a step may go on without a document is the engine's answer (`service.actions`
refuses it citing the material's rule), never this module's. A step refused only for its
missing documents still shows its form, with a file input per material: attaching them with
the step is how it is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage, MultiDict

from engine.cases import documents
from engine.cases.documents import DocumentInfo, Upload
from engine.cases.filetypes import ACCEPTED, PDF
from engine.cases.service import ActionInfo
from engine.definitions.model import Definition, MaterialDef
from web import forms
from web.ui.common import lang, lbl, runtime

#: Input names of a step form's files: `_doc.<material id>` (an underscore: never payload).
FILE_PREFIX = "_doc."
#: `Posted.trigger` of the attach form, so the case page shows its errors beside it.
ATTACH = "_attach"
#: `Posted.trigger` of the comment box.
COMMENT = "_comment_box"

#: The `accept` hint of file inputs: what a case file takes. Only a hint — the server judges
#: the bytes (`engine.cases.filetypes`), whatever the name or the browser says.
ACCEPT = ",".join(
    sorted({f".{ext}" for ext, _zh, _en in ACCEPTED.values()} | {".jpeg"} | set(ACCEPTED))
)
SHORT_HASH = 12


@dataclass(frozen=True)
class DocumentRow:
    """One document as the panel and the history show it."""

    info: DocumentInfo
    material: str
    kind: str
    size: str
    step: str
    replaced_by: DocumentInfo | None
    replaces: DocumentInfo | None

    @property
    def short_hash(self) -> str:
        return self.info.sha256[:SHORT_HASH]

    @property
    def is_pdf(self) -> bool:
        return self.info.content_type == PDF


@dataclass(frozen=True)
class ChecklistItem:
    """A material of a step: what it is, whether the step needs it, and what the case holds."""

    material: MaterialDef
    held: tuple[DocumentInfo, ...]
    input_name: str

    @property
    def label(self) -> str:
        return lbl(self.material.label)


@dataclass
class CaseFile:
    """The case file of one case page."""

    rows: list[DocumentRow]
    by_event: dict[int, list[DocumentRow]]
    materials: list[MaterialDef]
    current: list[DocumentRow]
    may_attach: bool
    may_comment: bool
    attach_state: forms.FormState = field(default_factory=lambda: forms.FormState())
    comment_state: forms.FormState = field(default_factory=lambda: forms.FormState())
    accept: str = ACCEPT
    max_file_mb: str = ""


def size_text(size: int) -> str:
    """A size the way a file manager says it."""
    if size < 1024:
        return _("%(n)s bytes", n=size)
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def type_label(content_type: str) -> str:
    """The sniffed type by its name in the page's language ("PDF 文件", "Word document")."""
    known = ACCEPTED.get(content_type)
    if known is None:
        return content_type
    return known[1] if lang() == "zh" else known[2]


def _step_label(definition: Definition, trigger: str | None) -> str:
    if trigger is None:
        return _("none (attached on its own)")
    named = definition.transitions_named(trigger)
    return lbl(named[0].label) if named else trigger


def rows(definition: Definition, infos: Sequence[DocumentInfo]) -> list[DocumentRow]:
    """Documents as rows, each version knowing the one it replaced and the one replacing it."""
    by_id = {d.id: d for d in infos}
    out = []
    for d in infos:
        material = (
            (d.material_label_zh if lang() == "zh" else d.material_label_en) or d.material or ""
        )
        out.append(
            DocumentRow(
                info=d,
                material=material or _("other document"),
                kind=type_label(d.content_type),
                size=size_text(d.size),
                step=_step_label(definition, d.trigger),
                replaced_by=by_id.get(d.replaced_by_id) if d.replaced_by_id else None,
                replaces=by_id.get(d.replaces_id) if d.replaces_id else None,
            )
        )
    return out


def case_file(
    definition: Definition,
    infos: Sequence[DocumentInfo],
    *,
    role: str,
    case_open: bool,
    posted_trigger: str | None = None,
    posted_state: forms.FormState | None = None,
) -> CaseFile:
    """The panel's content: every document (newest first), the current versions (the choices
    of "replaces"), and the forms with what was posted if it did not go through."""
    listed = rows(definition, infos)
    by_event: dict[int, list[DocumentRow]] = {}
    for r in listed:
        by_event.setdefault(r.info.event_id, []).append(r)
    may = role in documents.ATTACHING_ROLES
    out = CaseFile(
        rows=list(reversed(listed)),
        by_event=by_event,
        materials=list(definition.materials.values()),
        current=[r for r in listed if r.info.current],
        may_attach=may and case_open,
        may_comment=may,
        max_file_mb=f"{documents.limits(runtime().definitions.parameters)[0] / documents.MB:g}",
    )
    if posted_state is not None and posted_trigger == ATTACH:
        out.attach_state = posted_state
    if posted_state is not None and posted_trigger == COMMENT:
        out.comment_state = posted_state
    return out


def checklist(
    definition: Definition, state: str, info: ActionInfo, infos: Iterable[DocumentInfo]
) -> list[ChecklistItem]:
    """A step's materials from the case's state (its first branch's, as its form), each with
    the current documents of that material the case holds."""
    named = definition.triggers_from(state).get(info.trigger)
    if not named:
        return []
    held: dict[str, list[DocumentInfo]] = {}
    for d in infos:
        if d.material and d.current:
            held.setdefault(d.material, []).append(d)
    return [
        ChecklistItem(m, tuple(held.get(m.id, ())), FILE_PREFIX + m.id) for m in named[0].materials
    ]


def only_documents_missing(info: ActionInfo) -> bool:
    """The engine refused the step for its missing documents alone (and the user has the
    role): the form is shown, so that the documents can come with the step."""
    return (
        info.role_ok
        and info.refusal is not None
        and bool(info.refusal.details.get("missing_materials"))
    )


def uploads_from(files: MultiDict[str, FileStorage]) -> list[Upload]:
    """The files of a step form, each for the material its input names; empty inputs are
    left out (a browser sends one with no name when nothing was chosen)."""
    out = []
    for key in files:
        if not key.startswith(FILE_PREFIX):
            continue
        material = key[len(FILE_PREFIX) :]
        for f in files.getlist(key):
            if f.filename:
                out.append(Upload(f.filename, f.read(), material=material, field=key))
    return out


def files_sent(files: MultiDict[str, FileStorage]) -> bool:
    """Whether the user chose any file (a re-shown form asks to choose them again)."""
    return any(f.filename for key in files for f in files.getlist(key))


def too_large_errors(err: documents.TooLarge) -> dict[str, list[str]]:
    """A file or a case past its limit, as an error of the input that sent it."""
    mb = f"{err.limit_mb:g}"
    if err.per_case:
        text = _(
            "The documents of one case may be at most %(mb)s MB together; nothing was saved.",
            mb=mb,
        )
    else:
        text = _("One file may be at most %(mb)s MB; nothing was saved.", mb=mb)
    return {err.field: [text]}


def upload_limit() -> int:
    """How large a request carrying documents may be: a case's whole allowance (local
    parameters) and 1 MB for the rest of the form. The engine still holds each file and the
    case to their limits (413, nothing stored); this only lets such a request be read."""
    per_case = documents.limits(runtime().definitions.parameters)[1]
    return per_case + 1024 * 1024
