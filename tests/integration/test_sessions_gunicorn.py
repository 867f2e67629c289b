"""Issue 18 on real gunicorn workers over PostgreSQL: a session cookie copied from one worker
works on another until the user logs out, changes the password or is deactivated — then on
neither. Two gunicorn servers (one worker each) on two ports make "the other worker" certain
rather than left to gunicorn's choice of worker."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from engine.config import Config
from engine.directory import service as directory
from tests.world import UNITS, USERS
from web.auth import set_password
from web.runtime import build_runtime

pytestmark = pytest.mark.postgres

PASSWORD = "correct horse 42"
SECRET = "a-secret-key-shared-by-every-worker"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def servers(pg_url, tmp_path) -> Iterator[tuple[str, str]]:
    rt = build_runtime(Config(database_url=pg_url, scheduler=False, testing=True))
    for code, zh, en, kind, parent, district in UNITS:
        directory.create_unit(
            rt.uow(),
            {"code": code, "name_zh": zh, "name_en": en, "kind": kind, "parent": parent,
             "district": district},
        )  # fmt: skip
    for username, name, role, unit in USERS:
        directory.create_user(
            rt.uow(), {"username": username, "display_name": name, "role": role, "unit": unit}
        )
        set_password(rt.uow(), username, PASSWORD)
    rt.engine.dispose()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {
        **os.environ,
        "TONGBU_DATABASE_URL": pg_url,
        "TONGBU_SECRET_KEY": SECRET,
        "TONGBU_SCHEDULER": "0",
    }
    procs, urls, logs = [], [], []
    try:
        for n in range(2):
            port = _free_port()
            log = tmp_path / f"gunicorn-{n}.log"
            logs.append(log)
            procs.append(
                subprocess.Popen(
                    [str(gunicorn), "-w", "1", "-b", f"127.0.0.1:{port}", "web:create_app()"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=log.open("w"),
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url, proc, log in zip(urls, procs, logs, strict=True):
            # A loaded CI machine may take long to import and load the definitions.
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"gunicorn at {url} exited: {log.read_text()[-2000:]}")
                try:
                    if requests.get(f"{url}/healthz", timeout=10).status_code == 200:
                        break
                except (requests.ConnectionError, requests.Timeout):
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn at {url} did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
        yield urls[0], urls[1]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)


def _sign_in(url: str, username: str) -> requests.Session:
    s = requests.Session()
    token = _TOKEN.search(s.get(f"{url}/login").text).group(1)
    r = s.post(
        f"{url}/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    return s


def _with_cookie(value: str) -> requests.Session:
    s = requests.Session()
    s.cookies.set("tongbu_session", value, domain="127.0.0.1")
    return s


def _signed_in(session: requests.Session, url: str) -> bool:
    return session.get(f"{url}/cases", allow_redirects=False).status_code == 200


def test_a_copied_cookie_dies_on_the_other_worker_after_logout(servers):
    a, b = servers
    owner = _sign_in(a, "wang")
    copy = _with_cookie(owner.cookies["tongbu_session"])
    assert _signed_in(copy, b)  # the copy works on the other worker …
    token = _TOKEN.search(owner.get(f"{a}/cases").text).group(1)
    owner.post(f"{a}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert not _signed_in(copy, b)  # … until the owner logs out on the first
    assert not _signed_in(copy, a)


def test_a_password_change_and_a_deactivation_end_sessions_on_every_worker(servers, pg_url):
    a, b = servers
    rt = build_runtime(Config(database_url=pg_url, scheduler=False, testing=True))
    try:
        copy = _with_cookie(_sign_in(a, "wang").cookies["tongbu_session"])
        assert _signed_in(copy, b)
        set_password(rt.uow(), "wang", "another-password-9")
        assert not _signed_in(copy, a) and not _signed_in(copy, b)

        copy = _with_cookie(_sign_in(b, "li").cookies["tongbu_session"])
        assert _signed_in(copy, a)
        directory.set_active(rt.uow(), "li", False)
        assert not _signed_in(copy, a) and not _signed_in(copy, b)
    finally:
        rt.engine.dispose()


def test_the_throttle_counts_failures_across_workers(servers):
    a, b = servers
    for n in range(5):
        s = requests.Session()
        url = (a, b)[n % 2]
        token = _TOKEN.search(s.get(f"{url}/login").text).group(1)
        r = s.post(
            f"{url}/login",
            data={"username": "zhao", "password": "wrong", "csrf_token": token},
            allow_redirects=False,
        )
        assert r.status_code == 401
    s = requests.Session()
    token = _TOKEN.search(s.get(f"{a}/login").text).group(1)
    sixth = s.post(
        f"{a}/login",
        data={"username": "zhao", "password": "wrong", "csrf_token": token},
        allow_redirects=False,
    )
    assert sixth.status_code == 429 and int(sixth.headers["Retry-After"]) > 0
