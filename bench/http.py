"""B6 — HTTP under load: `web:create_app()` behind gunicorn with several workers on PostgreSQL.

A load generator on loopback (threads with keep-alive connections, bounded in time) mixes
inbox views (`GET /api/v1/cases`) and fires (`POST /api/v1/cases/{id}/fire/record_documents`
with `If-Match`). Each thread owns its cases, and a second pair of threads deliberately fires
with a stale ETag on a shared case to show the expected 412s. Afterwards the audit trail must
hold exactly one event per successful fire.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from bench.common import Result, percentile
from bench.fire import SURVEY


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not come up")


def _client(
    port: int, token: str, case_ids: list[int], seconds: float, stats: dict[str, Any]
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    etags = {cid: '"1"' for cid in case_ids}
    body = json.dumps({"data": {"member_survey": SURVEY}})
    end = time.time() + seconds
    i = 0
    while time.time() < end:
        cid = case_ids[i % len(case_ids)]
        i += 1
        for method, path, payload, headers in (
            ("GET", "/api/v1/cases?limit=20", None, auth),
            (
                "POST",
                f"/api/v1/cases/{cid}/fire/record_documents",
                body,
                {**auth, "If-Match": etags[cid]},
            ),
        ):
            t0 = time.perf_counter()
            conn.request(method, path, body=payload, headers=headers)
            resp = conn.getresponse()
            resp.read()
            lat = time.perf_counter() - t0
            with stats["lock"]:
                stats["codes"][resp.status] = stats["codes"].get(resp.status, 0) + 1
                stats["lat"].append(lat)
                if method == "POST" and resp.status == 200:
                    stats["fires_ok"] += 1
            if method == "POST" and resp.status in (200, 412):
                etags[cid] = resp.getheader("ETag") or etags[cid]
    conn.close()


def measure(
    url: str, workers: int = 4, threads: int = 8, seconds: float = 20, rounds: int = 5
) -> list[Result]:
    from bench import fire as b
    from engine.access.tokens import create_token

    ids = b.prepare(url, threads * 20 + 1)
    rt = b._runtime(url)
    token = create_token(rt.uow(), "cw", "bench").token
    port = _free_port()
    env = {
        **os.environ,
        "TONGBU_DATABASE_URL": url,
        "TONGBU_SCHEDULER": "0",
        "TONGBU_SECRET_KEY": "bench-" + "0" * 26,
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [
            str(gunicorn),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "web:create_app()",
        ],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    rates, lat_all, codes_all, fires_ok = [], [], {}, 0
    try:
        _wait(port)
        shared = ids[-1]
        for r in range(rounds):
            stats: dict[str, Any] = {
                "lock": threading.Lock(),
                "codes": {},
                "lat": [],
                "fires_ok": 0,
            }
            own = [
                ids[(t * 20) + (r * 4) % 20 : (t * 20) + (r * 4) % 20 + 4] for t in range(threads)
            ]
            ts = [
                threading.Thread(target=_client, args=(port, token, own[t], seconds, stats))
                for t in range(threads)
            ]
            # two threads race on one shared case: exactly one of each pair of fires can win
            ts += [
                threading.Thread(target=_client, args=(port, token, [shared], seconds, stats))
                for _ in range(2)
            ]
            t0 = time.perf_counter()
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            elapsed = time.perf_counter() - t0
            rates.append(sum(stats["codes"].values()) / elapsed)
            lat_all += stats["lat"]
            for k, v in stats["codes"].items():
                codes_all[k] = codes_all.get(k, 0) + v
            fires_ok += stats["fires_ok"]
    finally:
        proc.terminate()
        proc.wait(30)
    eng = create_engine(url)
    from engine.store.tables import Event

    with eng.connect() as c:
        events = c.execute(
            select(func.count()).select_from(Event).where(Event.trigger == "record_documents")
        ).scalar_one()
    eng.dispose()
    total = sum(codes_all.values())
    unexpected = sum(v for k, v in codes_all.items() if k not in (200, 409, 412))
    return [
        Result(
            "B6",
            f"HTTP mix (inbox GET + fire POST), gunicorn -w {workers}, {threads + 2} clients",
            "postgresql",
            "req/s",
            rates,
            {
                "p50_ms": percentile(lat_all, 50) * 1000,
                "p99_ms": percentile(lat_all, 99) * 1000,
                "status_codes": codes_all,
                "error_rate": unexpected / total if total else 0.0,
                "successful_fires": fires_ok,
                "audit_events": events,
                "one_event_per_fire": events == fires_ok,
                "seconds_per_round": seconds,
            },
        )
    ]
