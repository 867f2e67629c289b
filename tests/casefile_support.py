"""What the case file's adapter tests share (issue 14): files of known kinds, a definitions
folder whose P1 requires documents, the rows and files a store holds."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, func, select

from engine.definitions.loader import DEFAULT_DIR
from engine.store.blobs import STAGING
from engine.store.tables_casefile import Document, DocumentBlob
from tests.world import survey

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXECUTABLE = Path("/bin/true").read_bytes()

MATERIALS = [
    {
        "id": "commitment_letter",
        "label": {"zh": "党建工作承诺书", "en": "Commitment letter"},
        "rule": "REG-1",
        "required": True,
    },
    {
        "id": "member_survey",
        "label": {"zh": "社会组织党员情况调查表", "en": "Member survey"},
        "rule": "REG-1",
        "required": True,
    },
]


def pdf_of(size: int) -> bytes:
    """A PDF (to the content sniffing) of exactly `size` bytes."""
    return PDF + b"%" * (size - len(PDF))


def definitions_folder(
    tmp_path: Path, *, max_file_mb: float | None = None, max_case_mb: float | None = None
) -> Path:
    """The shipped definitions with REG-1's two documents required by registration v2's
    `accept` (a test version: the shipped versions keep their own checklists), and the
    local parameters' document limits as given."""
    folder = tmp_path / "definitions"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for newer in folder.glob("registration.v[3-9].yaml"):
        newer.unlink()
    path = folder / "registration.v2.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for t in doc["transitions"]:
        if t["trigger"] == "accept":
            t["materials"] = MATERIALS
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    limits = {"document_max_file_mb": max_file_mb, "document_max_case_mb": max_case_mb}
    params = folder / "parameters.yaml"
    p = yaml.safe_load(params.read_text(encoding="utf-8"))
    for item in p["parameters"]:
        if limits.get(item["id"]) is not None:
            item["value"] = limits[item["id"]]
    params.write_text(yaml.safe_dump(p, allow_unicode=True), encoding="utf-8")
    return folder


def stored(engine: Engine, folder: Path | None = None) -> dict[str, Any]:
    """Document rows, blob rows, and the files of a directory backend (placed and staged)."""
    with engine.connect() as c:
        out: dict[str, Any] = {
            "documents": c.execute(
                select(func.count()).select_from(Document.__table__)
            ).scalar_one(),
            "blobs": c.execute(
                select(func.count()).select_from(DocumentBlob.__table__)
            ).scalar_one(),
        }
    if folder is not None:
        files = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
        out["staged"] = sorted(p.name for p in files if p.parent.name == STAGING)
        out["placed"] = sorted(p.name for p in files if p.parent.name != STAGING)
    return out


def applied_case(world: Any) -> int:
    """A P1 case of the folder above (version 2) at `applied`, version 2: the member survey
    recorded, the commitment letter ticked — `accept` still needs both documents."""
    case_id = world.open("logistics")
    world.fire(case_id, "record_documents", {"commitment_letter": True, "member_survey": survey(4)})
    return case_id
