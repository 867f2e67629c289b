"""The process test_casefile_crash.py kills: it takes P1's `accept` with REG-1's two documents
and dies by SIGKILL (nothing flushed, nothing cleaned up, as a power cut or `kill -9`) at the
point named by TEST_CRASH_AT — a variable only this script reads:

- `commit`: the blobs and the rows are written inside the transaction, which never commits;
- `rename`: the transaction committed, the staged files are not yet in place.

Before dying it prints, as one JSON line, what it had written, so the test knows the crash
came where it meant it to. Usage: casefile_crash_child.py CASE_ID VERSION (configuration from
the TONGBU_* variables, as any tongbu process).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

from sqlalchemy import func, select

from engine.access import actor as access
from engine.cases import service
from engine.cases.documents import Upload
from engine.config import Config
from engine.definitions.loader import load_definitions
from engine.registry import load_registry
from engine.store.blobs import BlobStores, DirectoryBlobs
from engine.store.db import make_engine
from engine.store.tables_casefile import Document, DocumentBlob
from engine.store.unit_of_work import UnitOfWork

LETTER = b"%PDF-1.4\n% commitment letter\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SURVEY = b"%PDF-1.4\n% member survey\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def die(said: dict[str, Any]) -> None:
    print(json.dumps(said), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    case_id, version = int(sys.argv[1]), int(sys.argv[2])
    config = Config.from_env()
    definitions = load_definitions(config.definitions_dir, load_registry())
    definitions.build_machines()
    uow = UnitOfWork(
        make_engine(config.database_url),
        blobs=BlobStores(config.document_storage, config.document_dir),
    )
    wang = access.actor_for(uow, "wang")
    crash_at = os.environ["TEST_CRASH_AT"]
    if crash_at == "commit":

        def commit(self: UnitOfWork) -> None:
            count = select(func.count())
            die(
                {
                    "documents": self.conn.execute(
                        count.select_from(Document.__table__)
                    ).scalar_one(),
                    "blobs": self.conn.execute(
                        count.select_from(DocumentBlob.__table__)
                    ).scalar_one(),
                }
            )

        UnitOfWork.commit = commit  # type: ignore[method-assign]
    elif crash_at == "rename":
        DirectoryBlobs.finish = lambda self, key: die({"committed": key})  # type: ignore[method-assign]
    service.fire(
        uow,
        definitions,
        case_id,
        "accept",
        {},
        actor=wang,
        expected_version=version,
        uploads=[
            Upload("承诺书.pdf", LETTER, "commitment_letter"),
            Upload("调查表.pdf", SURVEY, "member_survey"),
        ],
    )
    print(json.dumps({"survived": True}), flush=True)


if __name__ == "__main__":
    main()
