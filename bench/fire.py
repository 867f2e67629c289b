"""B1 — committed fire() calls per second through the service layer; B2 — the raw-SQL floor.

Both run in the same process, on the same database file/server, with the same durability, one
after the other in each round, so machine noise cancels out in the ratio. B1 drives P1 cases
along the happy path (8 steps: validation, guards, state change with version check, audit
event; `register` opens two deadline rows, later steps close them). On P1 v2 the responsible
body's step also hands the case to that unit (REG-6), and the Party organization's step covers
the organization and opens its secretary post (P4): more work per path than on v1. B2 does, per transaction,
what a fire minimally must: the conditional UPDATE of the case and the INSERT of its event.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from typing import Any

from stdnum.cn import uscc

from bench.common import Result, percentile, raw_connection
from workflows.registration.schemas import CHARTER_ITEMS

CHARTER = dict.fromkeys(CHARTER_ITEMS, True)
SURVEY = {
    "full_members": 4,
    "full_time_full_members": 4,
    "probationary_members": 0,
    "members_elsewhere": 0,
}


def credit_code(n: int) -> str:
    body = f"51220102MJ{n:07d}"
    return body + uscc.calc_check_digit(body)


#: REG-6: the responsible body's unit, under the bench's registration authority so that the
#: same two users carry each case to its end after the hand-over.
PARTY_UNIT = "bench-party"


def steps(n: int, party_unit_id: int = 0) -> list[tuple[str, dict[str, Any], str]]:
    return [
        ("record_documents", {"member_survey": SURVEY}, "cw"),
        ("accept", {}, "cw"),
        ("approve_charter", CHARTER, "cw"),
        (
            "register",
            {
                "registered_on": "2026-03-02",
                "credit_code": credit_code(n),
                "registration_mode": "direct",
                "necessity_checked": True,
                "representativeness_checked": True,
                "founders_vetted": True,
            },
            "sv",
        ),
        (
            "forward_documents",
            {
                "recipients": [
                    {"kind": "industry_regulator", "name": "商务局", "delivered_on": "2026-03-02"},
                    {"kind": "local_party_org", "name": "街道党工委", "delivered_on": "2026-03-02"},
                ]
            },
            "cw",
        ),
        (
            "assign_responsible_body",
            {"kind": "local_party_org", "unit_id": party_unit_id, "territorial_relation": True},
            "cw",
        ),
        ("route_standalone", {}, "cw"),
        (
            "establish_party_org",
            {
                "name": "党支部",
                "kind": "branch",
                "approved_by": "街道党工委",
                "established_on": "2026-03-02",
            },
            "cw",
        ),
    ]


STEPS_PER_CASE = len(steps(0))


def _runtime(url: str, synchronous: str = "NORMAL"):
    from engine.clock import FixedClock
    from engine.config import Config
    from web.runtime import build_runtime

    cfg = Config(database_url=url, scheduler=False, sqlite_synchronous=synchronous)
    return build_runtime(cfg, clock=FixedClock(datetime(2026, 3, 2, 2, tzinfo=UTC)))


def party_unit_id(rt: Any) -> int:
    from engine.directory import service as directory

    with rt.reader() as r:
        return directory.unit_by_code(r, PARTY_UNIT).id


#: A PDF as small as libmagic still calls one: the documents registration v3 requires (REG-1
#: at `accept`, REG-3 at `approve_charter`) are attached when the cases are prepared, so the
#: timed steps are the same steps as before (the case file's write is not in B1).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DOCUMENTS = ("commitment_letter", "member_survey", "charter")


def prepare(url: str, n_cases: int) -> list[int]:
    """Units, two users, n organizations each with an open P1 case in `applied` holding the
    documents its steps require."""
    from engine.access import actor as access
    from engine.cases import documents
    from engine.cases import service as case_service
    from engine.definitions import sync as definition_sync
    from engine.directory import service as directory

    rt = _runtime(url)
    definition_sync.sync_definitions(rt.uow(), rt.definitions)
    directory.create_unit(
        rt.uow(),
        {"code": "bench", "name_zh": "基准", "name_en": "Bench", "kind": "registration_authority"},
    )
    directory.create_unit(
        rt.uow(),
        {
            "code": PARTY_UNIT,
            "name_zh": "基准街道党工委",
            "name_en": "Bench local Party organization",
            "kind": "local_party_org",
            "parent": "bench",
        },
    )
    for name, role in (("cw", "caseworker"), ("sv", "supervisor")):
        directory.create_user(
            rt.uow(), {"username": name, "display_name": name, "role": role, "unit": "bench"}
        )
    actor = access.actor_for(rt.uow(), "cw")
    ids = []
    for i in range(n_cases):
        oid = directory.create_organization(
            rt.uow(),
            {
                "name": f"基准协会{i}",
                "org_type": "social_group",
                "category": "industry_association",
                "unit": "bench",
            },
        )
        case_id = case_service.open_case(
            rt.uow(),
            rt.definitions,
            "registration",
            oid,
            {"applied_on": "2026-03-01", "founders": ["甲"]},
            actor=actor,
        )
        documents.attach(
            rt.uow(),
            rt.definitions,
            case_id,
            [documents.Upload(f"{m}.pdf", PDF, m) for m in DOCUMENTS],
            actor=actor,
        )
        ids.append(case_id)
    rt.engine.dispose()
    return ids


def engine_worker(
    url: str, synchronous: str, case_ids: list[int], start_at: float
) -> tuple[int, float, list[float]]:
    """Fire every step of every case; returns (fires, seconds, per-fire latencies)."""
    from engine.access import actor as access
    from engine.cases import service as case_service

    rt = _runtime(url, synchronous)
    actors = {u: access.actor_for(rt.uow(), u) for u in ("cw", "sv")}
    party = party_unit_id(rt)
    plans = {cid: steps(cid, party) for cid in case_ids}
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    lat: list[float] = []
    t0 = time.perf_counter()
    for cid in case_ids:
        version = 1
        for trigger, payload, user in plans[cid]:
            s = time.perf_counter()
            version = case_service.fire(
                rt.uow(),
                rt.definitions,
                cid,
                trigger,
                payload,
                actor=actors[user],
                expected_version=version,
            )["version"]
            lat.append(time.perf_counter() - s)
    elapsed = time.perf_counter() - t0
    rt.engine.dispose()
    return len(lat), elapsed, lat


def floor_worker(
    url: str, synchronous: str, case_ids: list[int], start_at: float
) -> tuple[int, float, list[float]]:
    """The same number of transactions as raw SQL: conditional UPDATE + INSERT of the event."""
    import json

    conn, ph, is_sqlite = raw_connection(url, synchronous)
    upd = (
        f"UPDATE cases SET state={ph}, version=version+1, updated_at={ph} "
        f"WHERE id={ph} AND version={ph}"
    )
    ins = (
        f'INSERT INTO events (case_id, kind, "trigger", from_state, to_state, case_version, actor_id, '
        f"actor_name, at, payload, rules) VALUES ({', '.join([ph] * 11)})"
    )
    names = [s[0] for s in steps(0)]
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    lat: list[float] = []
    now = datetime(2026, 3, 2, 2).isoformat(sep=" ")
    t0 = time.perf_counter()
    for cid in case_ids:
        for version, trigger in enumerate(names, start=1):
            s = time.perf_counter()
            if is_sqlite:
                conn.execute("BEGIN IMMEDIATE")
            cur = conn.execute(upd, (trigger, now, cid, version))
            if cur.rowcount != 1:
                raise RuntimeError(f"floor: case {cid} not at version {version}")
            conn.execute(
                ins,
                (
                    cid,
                    "transition",
                    trigger,
                    "a",
                    trigger,
                    version + 1,
                    None,
                    "bench",
                    now,
                    json.dumps({"k": version}),
                    json.dumps(["REG-1"]),
                ),
            )
            conn.execute("COMMIT") if is_sqlite else conn.commit()
            lat.append(time.perf_counter() - s)
    elapsed = time.perf_counter() - t0
    conn.close()
    return len(lat), elapsed, lat


def run_parallel(
    fn, url: str, synchronous: str, partitions: list[list[int]]
) -> tuple[int, float, list[float]]:
    if len(partitions) == 1:
        return fn(url, synchronous, partitions[0], 0.0)
    start_at = time.time() + 2.0
    with ProcessPoolExecutor(len(partitions), mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(fn, url, synchronous, p, start_at) for p in partitions]
        results = [f.result() for f in futures]
    fires = sum(r[0] for r in results)
    elapsed = max(r[1] for r in results)
    return fires, elapsed, [x for r in results for x in r[2]]


def measure(
    db: str, url: str, synchronous: str, workers: int, rounds: int, cases_per_round: int
) -> list[Result]:
    """B1 and B2 interleaved round by round on one database."""
    need = rounds * cases_per_round * workers
    ids = prepare(url, 2 * need)
    engine_ids, floor_ids = ids[:need], ids[need:]
    eng_rates, floor_rates, eng_lat, floor_lat = [], [], [], []
    per_round = cases_per_round * workers
    for r in range(rounds):
        chunk = engine_ids[r * per_round : (r + 1) * per_round]
        fires, secs, lat = run_parallel(
            engine_worker, url, synchronous, [chunk[w::workers] for w in range(workers)]
        )
        eng_rates.append(fires / secs)
        eng_lat += lat
        chunk = floor_ids[r * per_round : (r + 1) * per_round]
        fires, secs, lat = run_parallel(
            floor_worker, url, synchronous, [chunk[w::workers] for w in range(workers)]
        )
        floor_rates.append(fires / secs)
        floor_lat += lat
    label = (
        f"{db}"
        + (f" synchronous={synchronous}" if db == "sqlite" else "")
        + f", {workers} process(es)"
    )
    common = {
        "workers": workers,
        "synchronous": synchronous if db == "sqlite" else "synchronous_commit=on",
        "fires_per_round": per_round * STEPS_PER_CASE,
    }
    eng = Result(
        "B1",
        f"fire() {label}",
        db,
        "fires/s",
        eng_rates,
        {
            **common,
            "p50_ms": percentile(eng_lat, 50) * 1000,
            "p99_ms": percentile(eng_lat, 99) * 1000,
        },
    )
    flo = Result(
        "B2",
        f"raw SQL floor {label}",
        db,
        "tx/s",
        floor_rates,
        {
            **common,
            "p50_ms": percentile(floor_lat, 50) * 1000,
            "p99_ms": percentile(floor_lat, 99) * 1000,
        },
    )
    eng.extra["ratio_to_floor"] = eng.median / flo.median
    return [eng, flo]
