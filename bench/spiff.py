"""B3 — SpiffWorkflow 3 on the same path, the way a Spiff-based web service runs it.

`bench/registration.bpmn` has one user task per step of tongbu's P1 happy path (8). Each step
is one "request": load the instance's JSON from the database, deserialize it, complete the
ready user task, run engine steps, serialize, UPDATE the row, commit — the work tongbu's
`fire()` does for one step (load, check, apply, persist). Same database, same durability, same
run as B1. Also measured, for honesty: the instance kept in memory between steps (no load,
no (de)serialization, no database).
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.common import Result, percentile, raw_connection

BPMN = Path(__file__).resolve().parent / "registration.bpmn"


def _spiff():
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.util.task import TaskState

    parser = BpmnParser()
    parser.add_bpmn_file(str(BPMN))
    return parser.get_spec("registration"), BpmnWorkflow, BpmnWorkflowSerializer(), TaskState


def steps_per_instance() -> int:
    spec, BpmnWorkflow, _, TaskState = _spiff()
    wf = BpmnWorkflow(spec)
    wf.do_engine_steps()
    n = 0
    while ready := wf.get_tasks(state=TaskState.READY, manual=True):
        ready[0].run()
        wf.do_engine_steps()
        n += 1
    return n


def db_round(url: str, synchronous: str, instances: int) -> tuple[int, float, list[float]]:
    spec, BpmnWorkflow, ser, TaskState = _spiff()
    conn, ph, is_sqlite = raw_connection(url, synchronous)
    pk = "INTEGER PRIMARY KEY" if is_sqlite else "BIGSERIAL PRIMARY KEY"
    conn.execute(f"CREATE TABLE IF NOT EXISTS spiff_instances (id {pk}, state TEXT NOT NULL)")
    if not is_sqlite:
        conn.commit()
    ids = []
    for _ in range(instances):
        wf = BpmnWorkflow(spec)
        wf.do_engine_steps()
        cur = conn.execute(
            f"INSERT INTO spiff_instances (state) VALUES ({ph}) RETURNING id",
            (ser.serialize_json(wf),),
        )
        ids.append(cur.fetchone()[0])
        conn.commit() if not is_sqlite else None
    # Exactly the steps of the path, no extra load at the end: the timing holds only the
    # steps counted (a final "anything ready?" load would be charged to Spiff unfairly).
    n_steps = steps_per_instance()
    lat: list[float] = []
    t0 = time.perf_counter()
    for iid in ids:
        for _ in range(n_steps):
            s = time.perf_counter()
            if is_sqlite:
                conn.execute("BEGIN IMMEDIATE")
            row = conn.execute(
                f"SELECT state FROM spiff_instances WHERE id = {ph}", (iid,)
            ).fetchone()
            wf = ser.deserialize_json(row[0])
            ready = wf.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                raise RuntimeError(f"spiff instance {iid}: no ready task before the path's end")
            ready[0].data["payload"] = {"step": len(lat)}
            ready[0].run()
            wf.do_engine_steps()
            conn.execute(
                f"UPDATE spiff_instances SET state = {ph} WHERE id = {ph}",
                (ser.serialize_json(wf), iid),
            )
            conn.execute("COMMIT") if is_sqlite else conn.commit()
            lat.append(time.perf_counter() - s)
    elapsed = time.perf_counter() - t0
    conn.close()
    return len(lat), elapsed, lat


def memory_round(instances: int) -> tuple[int, float]:
    spec, BpmnWorkflow, _, TaskState = _spiff()
    wfs = []
    for _ in range(instances):
        wf = BpmnWorkflow(spec)
        wf.do_engine_steps()
        wfs.append(wf)
    n = 0
    t0 = time.perf_counter()
    for wf in wfs:
        while ready := wf.get_tasks(state=TaskState.READY, manual=True):
            ready[0].data["payload"] = {"step": n}
            ready[0].run()
            wf.do_engine_steps()
            n += 1
    return n, time.perf_counter() - t0


def measure(db: str, url: str, synchronous: str, rounds: int, instances: int) -> list[Result]:
    rates, lat = [], []
    for _ in range(rounds):
        n, secs, l_ = db_round(url, synchronous, instances)
        rates.append(n / secs)
        lat += l_
    label = db + (f" synchronous={synchronous}" if db == "sqlite" else "")
    return [
        Result(
            "B3",
            f"SpiffWorkflow step, load/deserialize/complete/serialize/commit, {label}",
            db,
            "steps/s",
            rates,
            {
                "synchronous": synchronous if db == "sqlite" else "synchronous_commit=on",
                "p50_ms": percentile(lat, 50) * 1000,
                "p99_ms": percentile(lat, 99) * 1000,
                "user_tasks": steps_per_instance(),
            },
        )
    ]


def measure_memory(rounds: int, instances: int) -> Result:
    rates = []
    for _ in range(rounds):
        n, secs = memory_round(instances)
        rates.append(n / secs)
    return Result(
        "B3",
        "SpiffWorkflow step, instance kept in memory (no database)",
        "memory",
        "steps/s",
        rates,
        {"user_tasks": steps_per_instance()},
    )
