"""The case file's engine parts without a database: materials in definitions, sniffing, names,
and the directory backend's staging (issue 14)."""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import openpyxl
import pytest
import yaml

from engine.cases.documents import display_name
from engine.cases.filetypes import ACCEPTED, UnacceptedType, sniff
from engine.definitions.loader import DEFAULT_DIR, collect, load_definitions
from engine.registry import load_registry
from engine.store.blobs import BlobStores, DirectoryBlobs

REGISTRY = load_registry()

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _xlsx() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "党员情况调查表"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (_xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_accepted_types_are_known_by_their_bytes(data, expected):
    assert sniff(data).content_type == expected
    assert expected in ACCEPTED


@pytest.mark.parametrize(
    ("title", "data"),
    [
        ("html", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
        ("svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'),
        ("elf executable", Path("/bin/true").read_bytes()),
        ("windows executable", b"MZ\x90\x00\x03" + b"\x00" * 200),
        ("plain text", b"commitment letter, honestly"),
        ("empty", b""),
        ("zip that is no office file", b"PK\x03\x04" + b"\x00" * 60),
    ],
)
def test_anything_else_is_refused_whatever_it_is_called(title, data):
    with pytest.raises(UnacceptedType) as exc:
        sniff(data)
    assert exc.value.detected not in ACCEPTED
    assert "PDF" in str(exc.value) and "PDF" in exc.value.zh


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("承诺书.pdf", "承诺书.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\王\\调查表.pdf", "调查表.pdf"),
        ("a\x00b\r\nc.pdf", "abc.pdf"),
        ("", "document"),
        ("x" * 300 + ".pdf", "x" * 255),
    ],
)
def test_the_uploaders_name_is_for_display_only(given, shown):
    assert display_name(given) == shown


def _copy_with(tmp_path: Path, mutate) -> Path:
    folder = tmp_path / "defs"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = folder / "registration.v2.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder


def _step(doc: dict, trigger: str) -> dict:
    return next(t for t in doc["transitions"] if t["trigger"] == trigger)


LETTER = {
    "id": "commitment_letter",
    "label": {"zh": "党建工作承诺书", "en": "Commitment letter"},
    "rule": "REG-1",
    "required": True,
}


def test_materials_load_with_their_rule_and_requirement(tmp_path):
    folder = _copy_with(tmp_path, lambda d: _step(d, "accept").__setitem__("materials", [LETTER]))
    defs = load_definitions(folder, REGISTRY)
    d = defs.get("registration", 2)
    accept = d.transitions_named("accept")[0]
    assert [m.id for m in accept.required_materials] == ["commitment_letter"]
    assert d.materials["commitment_letter"].label.zh == "党建工作承诺书"


@pytest.mark.parametrize(
    ("title", "materials", "problem"),
    [
        ("uncatalogued rule", [{**LETTER, "rule": "XYZ-9"}], "not in the rules catalogue"),
        ("named twice", [LETTER, LETTER], "named twice"),
        ("bad id", [{**LETTER, "id": "Commitment Letter"}], "lower_snake_case"),
        ("no label", [{k: v for k, v in LETTER.items() if k != "label"}], "required"),
    ],
)
def test_bad_materials_are_refused_at_load_naming_the_path(tmp_path, title, materials, problem):
    folder = _copy_with(tmp_path, lambda d: _step(d, "accept").__setitem__("materials", materials))
    _, problems = collect(folder, REGISTRY)
    texts = [str(p) for p in problems]
    assert any("registration.v2.yaml" in t and "materials" in t and problem in t for t in texts)


def test_one_material_id_means_one_document_within_a_file(tmp_path):
    def mutate(d: dict) -> None:
        _step(d, "record_documents")["materials"] = [{**LETTER, "required": False}]
        other = {**LETTER, "label": {"zh": "别的文件", "en": "Something else"}}
        _step(d, "accept")["materials"] = [other]

    _, problems = collect(_copy_with(tmp_path, mutate), REGISTRY)
    assert any("another label" in str(p) for p in problems)


def test_directory_blobs_stage_then_settle(tmp_path):
    """A staged blob whose row never committed goes once it is older than the grace period;
    a young one may be an upload in flight and stays."""
    store = DirectoryBlobs(tmp_path)
    (tmp_path / ".staging").mkdir()
    old = tmp_path / ".staging" / ("a" * 32)
    young = tmp_path / ".staging" / ("b" * 32)
    old.write_bytes(PDF)
    young.write_bytes(PDF)
    past = time.time() - 7200
    os.utime(old, (past, past))

    class NoRows:
        def execute(self, *_a, **_k):
            class R:
                def first(self):
                    return None

            return R()

    stores = BlobStores("directory", tmp_path)
    result = stores.recover(NoRows(), grace_seconds=3600)
    assert (result.removed, result.young, result.finished) == (1, 1, 0)
    assert not old.exists() and young.exists()
    assert list(store.stored_keys()) == []


def test_directory_storage_needs_a_folder():
    with pytest.raises(Exception, match="TONGBU_DOCUMENT_DIR"):
        BlobStores("directory", None)
