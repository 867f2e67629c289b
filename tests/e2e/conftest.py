"""A real server thread and Debian's Chromium, driven by Playwright.

The app runs on 127.0.0.1 (werkzeug's `make_server` on a free port) against a throwaway
SQLite database holding the test world. Chromium is `/usr/bin/chromium` (`make test`
installs it where it can); without it these tests are skipped with the reason — except
under CI=true, where a missing browser is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from engine.clock import FixedClock
from tests.e2e.ui_support import app_for, ui_world

CHROMIUM = os.environ.get("TONGBU_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]


def _missing_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return (
            f"Chromium not found at {CHROMIUM}; install it with `apt-get install -y chromium` "
            "(make test does this when run as root)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:  # pragma: no cover - a test extra
        return f"playwright is not installed: {exc}"
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    reason = _missing_reason()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true and the browser tests cannot run: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Any]:
    """The app served for real; `live.world` is the test world, `live.url` its address."""
    path = tmp_path_factory.mktemp("e2e") / "tongbu.db"
    shutil.copy(sqlite_template, path)
    clock = FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai, a Monday
    world = ui_world(f"sqlite:///{path}", clock)
    app = app_for(world)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    class Live:
        pass

    live = Live()
    live.world = world
    live.clock = clock
    live.url = f"http://127.0.0.1:{server.server_port}"
    live.story = {}
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        world.rt.engine.dispose()


@pytest.fixture(scope="session")
def shots() -> Path:
    """Where screenshots go: docs/screenshots with TONGBU_SCREENSHOTS=1, else a temp dir."""
    if os.environ.get("TONGBU_SCREENSHOTS"):
        target = REPO / "docs" / "screenshots"
    else:
        import tempfile

        target = Path(tempfile.mkdtemp(prefix="tongbu-shots-"))
    target.mkdir(parents=True, exist_ok=True)
    return target
