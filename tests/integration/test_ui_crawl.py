"""Every page reachable from the start page renders, for every demo role, in both languages.

The demo data (`tongbu demo`) has cases of every shipped procedure in many states — each
procedure's package brings its own (`workflows/<name>/demo.py`) — so this walks forms,
diagrams and histories of all of them: a procedure is crawled the day it is shipped, with no
test written for it.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import UTC, date, datetime

import pytest

from engine.clock import FixedClock
from engine.config import Config
from web import create_app
from web.demo import DEMO_PASSWORD, load_demo
from web.runtime import build_runtime

MAX_PAGES = 120
LINK = re.compile(r'href="(/[^"#]*)')
# The case record's PDF is no page (and costs a second): tests/integration/test_case_record.py.
SKIP = ("/logout", "/lang/", "/static/", "format=xlsx", "/api/", "/record.pdf")


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory, sqlite_template):
    import shutil

    path = tmp_path_factory.mktemp("crawl") / "demo.db"
    shutil.copy(sqlite_template, path)
    clock = FixedClock(datetime(2026, 5, 11, 2, 0, tzinfo=UTC))
    rt = build_runtime(
        Config(database_url=f"sqlite:///{path}", scheduler=False, testing=True), clock=clock
    )
    load_demo(rt, today=date(2026, 5, 11))
    app = create_app(runtime=rt, settings={"WTF_CSRF_ENABLED": False})
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield app
    rt.engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("username", "lang"), [("wang", "zh"), ("li", "en"), ("chen", "zh"), ("admin", "en")]
)
def test_every_reachable_page_renders(demo_app, username, lang):
    c = demo_app.test_client()
    c.get(f"/lang/{lang}")
    resp = c.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert resp.status_code == 303
    seen: set[str] = set()
    queue = deque(["/", "/cases?view=all", "/cases?view=closed"])
    cases_first: deque[str] = deque()
    statuses: dict[int, int] = {}
    case_pages = 0
    procedures: set[str] = set()
    while (queue or cases_first) and len(seen) < MAX_PAGES:
        path = cases_first.popleft() if cases_first else queue.popleft()
        if path in seen or any(s in path for s in SKIP):
            continue
        seen.add(path)
        resp = c.get(path, follow_redirects=True)
        statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
        assert resp.status_code < 500, (path, resp.get_data(as_text=True)[:2000])
        if resp.status_code != 200 or resp.mimetype != "text/html":
            continue  # a document or a record's PDF: no page to read links from
        html = resp.get_data(as_text=True)
        if re.match(r"^/cases/\d+$", path):
            case_pages += 1
            assert 'class="diagram"' in html and 'aria-current="step"' in html
            procedures.update(re.findall(r'href="/procedures/([a-z_]+)/v\d+"', html))
        for link in LINK.findall(html):
            link = link.replace("&amp;", "&")
            if link not in seen:
                (cases_first if re.match(r"^/cases/\d+$", link) else queue).append(link)
    assert case_pages >= 10, statuses
    if username in ("chen", "admin"):  # the whole city: every shipped procedure has cases
        shipped = {d.procedure for d in demo_app.extensions["tongbu"].definitions.latest()}
        assert procedures == shipped
    assert statuses.get(200, 0) >= 20, statuses
