"""The case file from the shell (issue 14), on SQLite and PostgreSQL: `tongbu case attach |
documents | comment` as a caseworker, `tongbu documents check | move` as the administrator."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, insert, select

from engine.cases import documents
from engine.cases.documents import Upload
from engine.store.blobs import STAGING, BlobStores
from engine.store.tables_casefile import Document, DocumentBlob
from tests.casefile_support import HTML, PDF, PNG, applied_case, definitions_folder, pdf_of, stored
from tests.world import make_world
from web.cli.core import main

blobs_t = DocumentBlob.__table__


@pytest.fixture
def world(db_url, clock, tmp_path):
    return make_world(db_url, clock, definitions_dir=definitions_folder(tmp_path))


@pytest.fixture
def folder(tmp_path) -> Path:
    return tmp_path / "documents"


@pytest.fixture
def tongbu(world, folder):
    """`tongbu …` against the world's database; `storage` is TONGBU_DOCUMENT_STORAGE, and the
    folder is TONGBU_DOCUMENT_DIR unless `with_folder` is false."""
    cfg = world.rt.config

    def run(*args: str, code: int = 0, storage: str = "database", with_folder: bool = True):
        env = {
            "TONGBU_DATABASE_URL": cfg.database_url,
            "TONGBU_DEFINITIONS_DIR": str(cfg.definitions_dir),
            "TONGBU_DOCUMENT_STORAGE": storage,
            "TONGBU_DOCUMENT_DIR": str(folder) if with_folder else None,
        }
        result = CliRunner(env=env).invoke(main, list(args))
        assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}"
        return result.output

    return run


def test_a_caseworker_attaches_lists_and_comments_by_cli(world, tongbu, tmp_path):
    case_id = str(applied_case(world))
    letter, survey, fake = tmp_path / "承诺书.pdf", tmp_path / "survey.png", tmp_path / "fake.pdf"
    letter.write_bytes(PDF)
    survey.write_bytes(PNG)
    fake.write_bytes(HTML)
    out = tongbu(
        "case", "attach", case_id, str(letter), "--material", "commitment_letter", "--as", "wang"
    )
    assert f"sha256 {hashlib.sha256(PDF).hexdigest()}" in out
    tongbu("case", "attach", case_id, str(survey), "--material", "member_survey", "--as", "wang")
    refused = tongbu("case", "attach", case_id, str(fake), "--as", "wang", code=2)
    assert f"{fake}: the file's content is text/html" in refused
    assert "--material" in tongbu(
        "case", "attach", case_id, str(letter), "--material", "charter", "--as", "wang", code=2
    )
    assert "--material" in tongbu(
        "case", "attach", case_id, str(letter), "--material", "Bad Id", "--as", "wang", code=2
    )
    long_note = tongbu(
        "case", "attach", case_id, str(letter), "--note", "x" * 2001, "--as", "wang", code=2
    )
    assert "--note: Length must be between 1 and 2000." in long_note
    assert "FILE..." in tongbu("case", "attach", case_id, str(tmp_path / "nope.pdf"), code=2)
    assert "forbidden" in tongbu("case", "attach", case_id, str(letter), "--as", "zhao", code=5)
    listed = tongbu("case", "documents", case_id, "--as", "wang")
    assert "党建工作承诺书  承诺书.pdf  application/pdf" in listed
    assert "survey.png  image/png" in listed
    assert hashlib.sha256(PNG).hexdigest() in listed
    tongbu("case", "comment", case_id, "申请材料已核对", "--as", "wang")
    assert "TEXT" in tongbu("case", "comment", case_id, "   ", "--as", "wang", code=2)
    shown = tongbu("case", "show", case_id, "--as", "wang")
    assert "«申请材料已核对»" in shown
    # With both documents held, the step REG-1 refused is taken.
    assert "charter_review" in tongbu("case", "fire", case_id, "accept", "--as", "wang")


def test_a_file_past_its_limit_is_refused_by_the_cli_without_being_read(
    db_url, clock, tmp_path, folder
):
    world = make_world(
        db_url, clock, definitions_dir=definitions_folder(tmp_path, max_file_mb=1 / 64)
    )
    case_id = str(applied_case(world))
    big = tmp_path / "big.pdf"
    big.write_bytes(pdf_of(16 * 1024 + 1))
    env = {
        "TONGBU_DATABASE_URL": world.rt.config.database_url,
        "TONGBU_DEFINITIONS_DIR": str(world.rt.config.definitions_dir),
    }
    result = CliRunner(env=env).invoke(main, ["case", "attach", case_id, str(big), "--as", "wang"])
    assert result.exit_code == 2 and f"{big}: one file may be at most 0.015625 MB" in result.output
    assert stored(world.rt.engine) == {"documents": 0, "blobs": 0}


def _attach_three(world, case_id: int) -> list[documents.DocumentInfo]:
    documents.attach(
        world.uow(),
        world.rt.definitions,
        case_id,
        [Upload(f"{n}.pdf", pdf_of(1000 + n)) for n in range(3)],
        actor=world.actors["wang"],
    )
    return documents.list_documents(
        world.uow(), world.rt.definitions, case_id, actor=world.actors["wang"]
    )


def _read_all(world, docs: list[documents.DocumentInfo]) -> list[str]:
    return [
        hashlib.sha256(
            documents.open_document(
                world.uow(), world.rt.definitions, d.id, actor=world.actors["wang"]
            )[1]
        ).hexdigest()
        for d in docs
    ]


def test_documents_move_to_the_directory_and_back_keeps_every_hash(world, tongbu, folder):
    docs = _attach_three(world, applied_case(world))
    hashes = [d.sha256 for d in docs]
    assert "TONGBU_DOCUMENT_DIR" in tongbu(
        "documents", "move", "--to", "directory", with_folder=False, code=2
    )
    out = tongbu("documents", "move", "--to", "directory")
    assert "moved to directory: 3; already there: 0; problems: 0" in out
    assert "new documents still go to database" in out
    after = stored(world.rt.engine, folder)
    assert (after["blobs"], len(after["placed"]), after["staged"]) == (0, 3, [])
    world.rt.blobs = BlobStores("database", folder)  # reads either backend, as a host would
    assert _read_all(world, docs) == hashes
    assert "ok" in tongbu("documents", "check", "--hashes")
    again = tongbu("documents", "move", "--to", "directory", storage="directory")
    assert "moved to directory: 0; already there: 3" in again  # idempotent
    assert "moved to database: 3" in tongbu("documents", "move", "--to", "database")
    after = stored(world.rt.engine, folder)
    assert (after["blobs"], after["placed"]) == (3, [])
    assert _read_all(world, docs) == hashes
    assert "documents checked: 3" in tongbu("documents", "check", "--hashes")


def test_documents_check_names_what_is_wrong_and_repairs_what_can_be(world, tongbu, folder):
    docs = _attach_three(world, applied_case(world))
    gone = _key(world, docs[0].id)
    with world.rt.engine.begin() as c:
        c.execute(delete(blobs_t).where(blobs_t.c.key == gone))
        c.execute(insert(blobs_t).values(key="f" * 32, content=b"left over"))
    stray = folder / "ab" / ("ab" + "0" * 30)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"left by a move")
    (folder / STAGING).mkdir()
    (folder / STAGING / ("cd" + "1" * 30)).write_bytes(b"a crashed upload")
    (folder / "lost+found").mkdir()
    (folder / "lost+found" / "keep").write_bytes(b"not ours")
    found = tongbu("documents", "check", "--grace", "0", code=1)
    assert f"missing: document {docs[0].id}" in found
    assert f"orphan: key {'f' * 32} in database" in found
    assert f"orphan: key {stray.name} in directory" in found
    assert "staged: key cd" in found and "never committed" in found
    assert "4 problem(s)" in found
    young = tongbu("documents", "check", code=1)  # the default grace: a staged file in flight
    assert "staged files younger than 3600s left alone: 1" in young and "3 problem(s)" in young
    repaired = tongbu("documents", "check", "--repair", "--grace", "0", code=1)
    assert "1 left by a crash removed, 2 unreferenced blob(s) removed" in repaired
    assert "1 problem(s)" in repaired  # the missing bytes cannot be repaired here
    assert not stray.exists() and (folder / "lost+found" / "keep").exists()
    assert stored(world.rt.engine, folder)["staged"] == []


def test_a_corrupted_blob_is_named_by_check_hashes_and_not_moved(world, tongbu, folder):
    docs = _attach_three(world, applied_case(world))
    damaged = _key(world, docs[1].id)
    with world.rt.engine.begin() as c:
        c.execute(
            blobs_t.update()
            .where(blobs_t.c.key == damaged)
            .values(content=pdf_of(1001)[:-1] + b"X")
        )
    assert "ok" in tongbu("documents", "check")  # sizes agree
    found = tongbu("documents", "check", "--hashes", code=1)
    assert f"hash: document {docs[1].id} (case {docs[1].case_id}) in database" in found
    moved = tongbu("documents", "move", "--to", "directory", code=1)
    assert "moved to directory: 2" in moved and "not moved" in moved
    assert len(stored(world.rt.engine, folder)["placed"]) == 2


def _key(world, document_id: int) -> str:
    documents_t = Document.__table__
    with world.rt.engine.connect() as c:
        return c.execute(
            select(documents_t.c.storage_key).where(documents_t.c.id == document_id)
        ).scalar_one()
