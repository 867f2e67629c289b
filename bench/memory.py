"""Memory: resident set of one worker process before and after N committed fires.

A `transitions` machine per case, or `add_model` without removal, would grow with every case;
tongbu's shared machine must stay flat. The fires are spread over many distinct cases.
"""

from __future__ import annotations

import gc
from pathlib import Path

from bench.common import Result


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def run_in_process(url: str, fires: int, cases: int) -> dict:
    from bench import fire as b
    from engine.access import actor as access
    from engine.cases import service as case_service

    ids = b.prepare(url, cases)
    rt = b._runtime(url)
    actor = access.actor_for(rt.uow(), "cw")
    payload = {"member_survey": b.SURVEY}
    versions = dict.fromkeys(ids, 1)

    def burst(n: int, offset: int) -> None:
        for i in range(n):
            cid = ids[(offset + i) % len(ids)]
            versions[cid] = case_service.fire(
                rt.uow(),
                rt.definitions,
                cid,
                "record_documents",
                payload,
                actor=actor,
                expected_version=versions[cid],
            )["version"]

    burst(min(2000, fires // 10), 0)  # warm caches, pools and the statement cache
    gc.collect()
    before = rss_kib()
    samples = []
    step = max(1, fires // 10)
    done = 0
    while done < fires:
        burst(step, done)
        done += step
        samples.append((done, rss_kib()))
    gc.collect()
    after = rss_kib()
    machine_models = sum(len(d.machine.machine.models) for d in rt.definitions)
    return {
        "before_kib": before,
        "after_kib": after,
        "fires": done,
        "cases": cases,
        "samples": samples,
        "machine_models": machine_models,
    }


def measure(url: str, quick: bool) -> Result:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    fires, cases = (10_000, 2_000) if quick else (100_000, 20_000)
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        out = pool.submit(run_in_process, url, fires, cases).result()
    growth = (out["after_kib"] - out["before_kib"]) / 1024
    return Result(
        "MEM",
        f"RSS growth over {out['fires']:,} fires on {cases:,} cases",
        "sqlite",
        "MiB",
        [growth],
        out,
    )
