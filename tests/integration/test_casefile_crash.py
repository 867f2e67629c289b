"""Issue 14, done when: "crash between blob and step leaves no orphan and no dangling
reference" — for both backends, on SQLite and PostgreSQL.

A real process (tests/integration/casefile_crash_child.py) takes P1's `accept` with REG-1's
two documents and is killed with SIGKILL: once after the blobs and the rows are written and
before the commit, once (directory backend) after the commit and before the staged files are
renamed into place. What the dead process wrote is then looked at from here.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.access import tokens
from engine.cases import documents
from engine.cases import service as case_service
from engine.cases.documents import Upload
from engine.store.blobs import BlobStores
from engine.store.tables import Event
from tests.casefile_support import PDF, applied_case, definitions_folder, stored
from tests.world import make_world
from web import create_app
from web.cli.core import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(db_url, clock, tmp_path):
    return make_world(db_url, clock, definitions_dir=definitions_folder(tmp_path))


def _env(world, storage: str, folder: Path) -> dict[str, str]:
    cfg = world.rt.config
    return {
        **os.environ,
        "TONGBU_DATABASE_URL": cfg.database_url,
        "TONGBU_DEFINITIONS_DIR": str(cfg.definitions_dir),
        "TONGBU_DOCUMENT_STORAGE": storage,
        "TONGBU_DOCUMENT_DIR": str(folder),
    }


def _crash(world, case_id: int, crash_at: str, env: dict[str, str]) -> dict:
    """Run the child; it must die by SIGKILL at `crash_at`, saying what it had written."""
    child = subprocess.run(
        [sys.executable, "-m", "tests.integration.casefile_crash_child", str(case_id), "2"],
        cwd=ROOT,
        env={**env, "TEST_CRASH_AT": crash_at},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, (child.returncode, child.stdout, child.stderr)
    return json.loads(child.stdout.strip().splitlines()[-1])


def _steps(world, case_id: int) -> list[str | None]:
    events = Event.__table__.c
    with world.rt.engine.connect() as c:
        return list(c.execute(select(events.trigger).where(events.case_id == case_id)).scalars())


@pytest.mark.parametrize("storage", ["database", "directory"])
def test_a_crash_between_the_blobs_and_the_commit_leaves_no_orphan_and_no_dangling_reference(
    world, tmp_path, storage
):
    folder = tmp_path / "documents"
    env = _env(world, storage, folder)
    case_id = applied_case(world)
    wrote = _crash(world, case_id, "commit", env)
    # The dying transaction held both rows and, in the database backend, both blobs.
    assert wrote == {"documents": 2, "blobs": 2 if storage == "database" else 0}
    after = stored(world.rt.engine, folder)
    assert (after["documents"], after["blobs"]) == (0, 0)  # no reference, no blob row
    assert world.case(case_id)["version"] == 2
    assert "accept" not in _steps(world, case_id)
    if storage == "directory":
        assert len(after["staged"]) == 2 and after["placed"] == []  # what the crash left
        runner = CliRunner(env=env)
        found = runner.invoke(main, ["documents", "check", "--grace", "0"])
        assert found.exit_code == 1
        assert found.output.count("never committed") == 2, found.output
        repaired = runner.invoke(main, ["documents", "check", "--repair", "--grace", "0"])
        assert repaired.exit_code == 0, repaired.output
        assert "2 left by a crash removed" in repaired.output
        assert stored(world.rt.engine, folder)["staged"] == []
    # Nothing is in the way of taking the step again.
    world.rt.blobs = BlobStores(storage, folder)
    case_service.fire(
        world.uow(),
        world.rt.definitions,
        case_id,
        "accept",
        {},
        actor=world.actors["wang"],
        expected_version=2,
        uploads=[Upload("l.pdf", PDF, "commitment_letter"), Upload("s.pdf", PDF, "member_survey")],
    )
    assert stored(world.rt.engine)["documents"] == 2


def test_a_crash_after_the_commit_before_the_rename_is_served_from_staging_and_recovered(
    world, tmp_path
):
    folder = tmp_path / "documents"
    env = _env(world, "directory", folder)
    world.rt.blobs = BlobStores("directory", folder)
    app = create_app(runtime=world.rt)  # started before the crash: nothing to recover yet
    case_id = applied_case(world)
    wrote = _crash(world, case_id, "rename", env)
    after = stored(world.rt.engine, folder)
    assert after["documents"] == 2 and wrote["committed"] in after["staged"]
    assert after["placed"] == [] and len(after["staged"]) == 2
    assert world.case(case_id)["version"] == 3  # the step committed with its documents
    docs = documents.list_documents(
        world.uow(), world.rt.definitions, case_id, actor=world.actors["wang"]
    )
    client = app.test_client()
    token = tokens.create_token(world.rt.uow(), "wang", "crash test").token
    bearer = {"Authorization": f"Bearer {token}"}

    def downloads() -> list[str]:
        got = [client.get(f"/api/v1/documents/{d.id}/content", headers=bearer) for d in docs]
        assert [g.status_code for g in got] == [200, 200]
        return [hashlib.sha256(g.data).hexdigest() for g in got]

    # A committed row is never without its bytes: until recovered, served from staging.
    assert downloads() == [d.sha256 for d in docs]
    create_app(runtime=world.rt)  # a process starting: what committed is moved into place
    after = stored(world.rt.engine, folder)
    assert after["staged"] == [] and len(after["placed"]) == 2
    assert downloads() == [d.sha256 for d in docs]
    recovered = world.rt.recover_documents(grace_seconds=0)
    assert (recovered.finished, recovered.removed) == (0, 0)  # nothing was left
