"""Per-step latency of B1's P1 path (median over cases, SQLite, one process).

    python -m bench.p1_steps [--cases N]

Why: B1 reports fires per second over the whole path; this says which steps the time goes to
(P1 v2's hand-over and the reaction opening the P4 case are heavier by design).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from bench import fire
from engine.access import actor as access
from engine.cases import service as case_service
from engine.store.migrate import upgrade


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=60)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tongbu-p1-steps-") as d:
        url = f"sqlite:///{d}/b.db"
        upgrade(url)
        ids = fire.prepare(url, args.cases)
        rt = fire._runtime(url, "NORMAL")
        actors = {u: access.actor_for(rt.uow(), u) for u in ("cw", "sv")}
        party = fire.party_unit_id(rt)
        per: dict[str, list[float]] = {}
        for n, cid in enumerate(ids):
            version = 1
            for trigger, payload, user in fire.steps(cid, party):
                t0 = time.perf_counter()
                version = case_service.fire(
                    rt.uow(), rt.definitions, cid, trigger, payload,
                    actor=actors[user], expected_version=version,
                )["version"]  # fmt: skip
                if n >= 10:  # the first cases warm the caches
                    per.setdefault(trigger, []).append(time.perf_counter() - t0)
        rt.engine.dispose()
    for trigger, times in per.items():
        print(f"{trigger:26s} {1000 * statistics.median(times):6.2f} ms median")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
