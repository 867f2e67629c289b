"""What the fuzz gate's two fuzzers share (issue 18 item 4): the hostile values, one demo world
per database for a test module, and a watch that fails a 5xx and a refused request that changed
the database.

The fuzzers: tests/api/test_fuzz.py (schemathesis over the OpenAPI description, then the
hostile values below in every parameter and body field) and tests/integration/test_form_fuzz.py
(every form and query parameter the UI's pages offer). Both run on SQLite and PostgreSQL over
the demo data (`tongbu demo`): cases of every shipped procedure in many states, so hostile
input reaches each procedure's step forms and not only a 404.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Table, inspect, select, text
from sqlalchemy.engine import Engine

from engine.clock import FixedClock
from engine.config import Config
from engine.oversight import notifications
from engine.oversight.notifications import Message
from engine.store.tables import Case, Deadline, Event, Organization, User
from tests.conftest import _create_pg_db as create_pg_db
from tests.conftest import drop_pg_db
from web.demo import load_demo
from web.runtime import Runtime, build_runtime

# ---------------------------------------------------------------- hostile values

INT_MAX = 2**31 - 1
#: Integers at and beyond PostgreSQL's INTEGER and BIGINT, and the other edges.
HOSTILE_INTEGERS: tuple[int, ...] = (
    2**31,
    -(2**31) - 1,
    2**63,
    -(2**63) - 1,
    2**64,
    10**30,
    INT_MAX,
    -1,
    0,
)
#: Dates at the ends of what a date type holds, and impossible ones.
HOSTILE_DATES: tuple[str, ...] = (
    "9999-12-31",
    "0001-01-01",
    "0000-00-00",
    "2026-02-30",
    "2026-13-01",
    "10000-01-01",
    "1899-12-31",
    "2200-01-01",
    "2026-05-11T25:61:00",
)
#: Strings: NUL, control characters, 100,000 characters (and one past the raw limit),
#: LIKE wildcards, injection probes, invisible and astral characters, numbers in words.
HOSTILE_TEXT: tuple[str, ...] = (
    "a\x00b",
    "\x01\x08\x0b\x0c\x1b[2J\x7f",
    "\x85\u2028\u2029",
    "\u202egnp.exe\u200b\ufeff",
    "x" * 100_000,
    "中" * 100_001,
    "%",
    "_",
    "%_%\\",
    "'; DROP TABLE cases; --",
    '<script>alert("x")</script>',
    "{{ 7*7 }}",
    "../../../etc/passwd",
    "line\r\nSet-Cookie: x=1",
    "   ",
    "\U0002070e\U0001f600",
    "NaN",
    "-Infinity",
    "1e309",
    "0x7fffffff",
    "１２３",
    "\u0663\u0663",
)
#: Lone surrogates: in JSON as \\ud800 escapes; in a form or a query as the (invalid) UTF-8
#: bytes a client could send for them.
LONE_SURROGATES: tuple[str, ...] = ("\ud800", "a\udfffb")
#: Where `next=` must never lead: off the site, or through a header.
HOSTILE_NEXT: tuple[str, ...] = (
    "/cases\r\nSet-Cookie: x=1",
    "/%0d%0aLocation:%20http://evil.example/",
    "/\t/evil.example/",
    "/%09/evil.example/",
    "//evil.example",
    "//evil.example/%2e%2e",
    "/\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/\x00/",
    "/" + "a" * 100_000,
)
DEEP = 10_000
DEEP_JSON = "[" * DEEP + "]" * DEEP
DEEP_OBJECT = '{"a":' * DEEP + "1" + "}" * DEEP


def hostile_strings() -> list[str]:
    """Every hostile value as text, for a form field, a query parameter or a path."""
    return [
        *HOSTILE_TEXT,
        *LONE_SURROGATES,
        *(str(n) for n in HOSTILE_INTEGERS),
        *HOSTILE_DATES,
        "1.5",
        "-0",
        "",
    ]


def hostile_json() -> list[Any]:
    """Every hostile value as JSON, for a body field (deep nesting is sent as raw text)."""
    return [
        *HOSTILE_TEXT,
        *LONE_SURROGATES,
        *HOSTILE_INTEGERS,
        *HOSTILE_DATES,
        1.5,
        1e308,
        -0.0,
        None,
        True,
        [],
        {},
        ["a\x00b"],
        {"a\x00b": 1},
    ]


class Turns:
    """Deterministic turns through lists of values: each call takes the next values of a
    list, so places met one after the other get different ones, and over the whole run every
    value of a list is used, many times (the bound that keeps the gate fast)."""

    def __init__(self) -> None:
        self._at: Counter = Counter()

    def take(self, name: str, values: Sequence[Any], n: int = 1) -> list[Any]:
        start = self._at[name]
        self._at[name] += n
        return [values[(start + i) % len(values)] for i in range(min(n, len(values)))]


# ---------------------------------------------------------------- the demo world

#: The fuzzers' users: a caseworker and a supervisor of the comprehensive committee, whose
#: units are the whole city (web/demo.py), so they see every case of the demo.
CASEWORKER, SUPERVISOR = "zhu", "chen"
FUZZERS = (CASEWORKER, SUPERVISOR)
DEMO_NOW = datetime(2026, 5, 11, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Monday
DEMO_TODAY = date(2026, 5, 11)


_DEMO_TEMPLATES: dict[str, str] = {}


def demo_database(kind: str, request: pytest.FixtureRequest, tmp: Any) -> Iterator[str]:
    """A database of `kind` ("sqlite" or "postgresql") with the demo data, for one test module.

    The demo is loaded once per session and kind, then copied for each module (a file copy;
    CREATE DATABASE … TEMPLATE), so each fuzzer starts from the same world."""
    if kind == "sqlite":
        if kind not in _DEMO_TEMPLATES:
            path = tmp.mktemp("fuzz-demo") / "demo.db"
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
            _load_demo(f"sqlite:///{path}")
            _DEMO_TEMPLATES[kind] = str(path)
        path = tmp.mktemp("fuzz") / "demo.db"
        shutil.copy(_DEMO_TEMPLATES[kind], path)
        yield f"sqlite:///{path}"
        return
    admin = request.getfixturevalue("pg_admin")
    if kind not in _DEMO_TEMPLATES:
        template = f"tongbu_fuzz_demo_{uuid.uuid4().hex[:10]}"
        _load_demo(create_pg_db(admin, template, request.getfixturevalue("pg_template")))
        _DEMO_TEMPLATES[kind] = template
        request.config.add_cleanup(lambda: drop_pg_db(admin, template))
    name = f"tongbu_t_{uuid.uuid4().hex[:12]}"
    url = create_pg_db(admin, name, _DEMO_TEMPLATES[kind])
    try:
        yield url
    finally:
        drop_pg_db(admin, name)


def _load_demo(url: str) -> None:
    rt = demo_runtime(url, load=True)
    _notify_fuzzers(rt)
    rt.engine.dispose()  # no connection may stay open on a database used as a template


def _notify_fuzzers(rt: Runtime) -> None:
    """Unread notifications for the fuzzing users, so that their pages offer the forms
    that mark them read (the demo gives notifications to other users)."""
    users = User.__table__.c
    with rt.uow() as u:
        ids = u.conn.execute(select(users.id).where(users.username.in_(FUZZERS))).scalars()
        notices = [
            (
                f"fuzz-{user_id}-{n}",
                user_id,
                Message("reminder", "提醒", "Reminder", "正文", "Body"),
            )
            for user_id in ids
            for n in range(2)
        ]
        notifications.notify(u.conn, notices, DEMO_NOW, None)
        u.commit()


def demo_runtime(url: str, *, load: bool = False) -> Runtime:
    """The runtime over `url`, its clock fixed on the demo's day (`load`: load the demo)."""
    rt = build_runtime(
        Config(database_url=url, scheduler=False, testing=True), clock=FixedClock(DEMO_NOW)
    )
    if load:
        load_demo(rt, today=DEMO_TODAY)
    return rt


# ---------------------------------------------------------------- the watch

#: Tables a request may change while it is refused: the sign-in audit and throttle, sessions,
#: tokens' last use, idempotency keys (released on a 4xx), the migration stamp.
BOOKKEEPING = frozenset(
    {"alembic_version", "api_idempotency_keys", "api_tokens", "sign_in_attempts", "user_sessions"}
)
CHECKSUMMED = (Case.__table__, Organization.__table__, Event.__table__, Deadline.__table__)


@dataclass(frozen=True)
class Snapshot:
    """Row counts of every domain table and a checksum of every row of the case,
    organization, event and deadline tables."""

    counts: tuple[tuple[str, int], ...]
    checksum: str

    def difference(self, after: Snapshot) -> str:
        changed = [
            f"{name}: {n} -> {m}"
            for (name, n), (_, m) in zip(self.counts, after.counts, strict=True)
            if n != m
        ]
        if self.checksum != after.checksum:
            changed.append("rows of cases/organizations/events/deadlines changed")
        return "; ".join(changed)


class Database:
    """Takes snapshots of one database. The rows are digested by the database itself (each
    row as text, in key order), so a snapshot after every request stays cheap."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        names = sorted(set(inspect(engine).get_table_names()) - BOOKKEEPING)
        counts = [f"SELECT '{n}', COUNT(*) FROM \"{n}\"" for n in names]
        self._counts = text(" UNION ALL ".join(counts))
        self._rows = [text(_rows_as_text(engine.dialect.name, t)) for t in CHECKSUMMED]

    def snapshot(self) -> Snapshot:
        digest = hashlib.sha256()
        with self.engine.connect() as conn:
            counts = tuple(sorted((str(n), int(c)) for n, c in conn.execute(self._counts)))
            for query in self._rows:
                digest.update(str(conn.execute(query).scalar()).encode("utf-8", "surrogatepass"))
        return Snapshot(counts, digest.hexdigest())


def _rows_as_text(dialect: str, table: Table) -> str:
    """SQL giving one text for all rows of `table` (PostgreSQL: its md5), in key order."""
    name = f'"{table.name}"'
    key = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    if dialect == "postgresql":
        return f"SELECT md5(string_agg(t::text, '|' ORDER BY {key})) FROM {name} t"
    row = " || ',' || ".join(f'quote("{c.name}")' for c in table.columns)
    return f"SELECT group_concat(r, '|') FROM (SELECT {row} AS r FROM {name} ORDER BY {key})"


class _Tracebacks(logging.Handler):
    """Keeps the last unhandled error the app logged (its 500 handlers log each one)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.last = logging.Formatter().formatException(record.exc_info)


@dataclass
class Watch:
    """Fails the gate on any 5xx, and on a refused (4xx) request after which the snapshot
    differs from the one before it. A request that succeeded may change the database; the
    snapshot is then taken again, so each refusal is judged against the state it met. Reads
    (GET) must change nothing whatever their answer: `reads_changed_nothing` checks a run of
    them at once."""

    db: Database
    problems: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    requests: int = 0
    refusals_checked: int = 0
    _before: Snapshot | None = None
    _tracebacks: _Tracebacks = field(default_factory=_Tracebacks)

    def __enter__(self) -> Watch:
        for name in ("tongbu.web", "web.api.problems"):
            logging.getLogger(name).addHandler(self._tracebacks)
        self._before = self.db.snapshot()
        return self

    def __exit__(self, *exc: Any) -> None:
        for name in ("tongbu.web", "web.api.problems"):
            logging.getLogger(name).removeHandler(self._tracebacks)

    def saw(self, what: str, status: int, *, read: bool = False) -> None:
        """Judge one answer; `what` says how to send the request again."""
        self.requests += 1
        self.statuses[status] += 1
        if status >= 500:
            tb = self._tracebacks.last or "(no traceback logged)"
            self._tracebacks.last = None
            self.problems.append(f"{status} on {what}\n{tb}")
        if read:
            return
        after = self.db.snapshot()
        if 400 <= status < 500:
            self._compare(after, f"refused with {status}: {what}")
            self.refusals_checked += 1
        self._before = after

    def reads_changed_nothing(self, what: str) -> None:
        """The reads since the last write changed nothing."""
        self._compare(self.db.snapshot(), what)

    def _compare(self, after: Snapshot, what: str) -> None:
        assert self._before is not None
        if after != self._before:
            diff = self._before.difference(after)
            self.problems.append(f"the database changed ({diff}) on {what}")
            self._before = after

    def report(self) -> str:
        shown = list(dict.fromkeys(self.problems))
        head = f"{len(shown)} problem(s) in {self.requests} requests {dict(self.statuses)}"
        return "\n\n".join([head, *(p[:3000] for p in shown[:40])])


def short(value: Any, limit: int = 80) -> str:
    """A value as a test report names it (long strings cut, with their length)."""
    r = repr(value)
    return r if len(r) <= limit else f"{r[:limit]}… ({len(str(value))} chars)"
