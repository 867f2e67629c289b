"""`make bench`: every benchmark in one run, a table, JSON results, docs/performance.md updated.

    python -m bench.run [--quick] [--only B1,B3,...] [--no-postgres] [--no-doc]

Each benchmark runs at least 5 rounds and reports the median and the spread (min–max).
Quick mode (`make bench QUICK=1`) shrinks the work so the whole run stays under 2 minutes; it
is what the test suite runs so the harness cannot rot. Its figures are not the published ones.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import common
from bench.common import (
    Result,
    environment,
    pg_available,
    pg_database,
    sqlite_database,
    write_results,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def _fmt(v: float) -> str:
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}"


def table(results: list[Result]) -> str:
    lines = ["| bench | what | unit | median | min–max | notes |", "|---|---|---|---:|---|---|"]
    for r in results:
        notes = []
        for k in (
            "p50_ms",
            "p99_ms",
            "ratio_to_floor",
            "spiff_ratio",
            "claim_ms",
            "error_rate",
            "successful_fires",
            "audit_events",
            "one_event_per_fire",
            "before_kib",
            "after_kib",
            "machine_models",
            "statements",
        ):
            if k in r.extra:
                v = r.extra[k]
                notes.append(
                    f"{k}={_fmt(v) if isinstance(v, int | float) and not isinstance(v, bool) else v}"
                )
        lo, hi = r.spread
        lines.append(
            f"| {r.bench} | {r.name} | {r.unit} | {_fmt(r.median)} | {_fmt(lo)}–{_fmt(hi)} | "
            f"{', '.join(notes)} |"
        )
    return "\n".join(lines)


def update_doc(block: str, content: str) -> None:
    """Replace the text between `<!-- bench:NAME -->` markers, leaving the prose around it."""
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
    start, end = f"<!-- bench:{block} -->", f"<!-- /bench:{block} -->"
    new = f"{start}\n{content}\n{end}"
    if start in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: new, text, flags=re.S)
    else:
        text = text.rstrip() + f"\n\n{new}\n"
    DOC.write_text(text, encoding="utf-8")


def b1_b3(quick: bool, use_pg: bool, tmp: Path) -> list[Result]:
    from bench import fire, spiff

    out: list[Result] = []
    rounds = 5
    cases = 15 if quick else 120
    spiff_instances = 15 if quick else 120
    # quick: each path once (the harness must not rot), not every setting: the test suite
    # runs it, and the full run publishes the figures
    for sync in ("NORMAL",) if quick else ("NORMAL", "FULL"):
        with sqlite_database(tmp) as url:
            eng = fire.measure("sqlite", url, sync, 1, rounds, cases)
            sp = spiff.measure("sqlite", url, sync, rounds, spiff_instances)
        eng[0].extra["spiff_ratio"] = eng[0].median / sp[0].median
        out += eng + sp
    if use_pg:
        with pg_database() as url:
            eng = fire.measure("postgresql", url, "NORMAL", 1, rounds, max(6, cases // 2))
            sp = spiff.measure("postgresql", url, "NORMAL", rounds, max(6, spiff_instances // 2))
        eng[0].extra["spiff_ratio"] = eng[0].median / sp[0].median
        out += eng + sp
        with pg_database() as url:
            processes = 2 if quick else 4
            out += fire.measure("postgresql", url, "NORMAL", processes, rounds, max(4, cases // 4))
    out.append(spiff.measure_memory(rounds, spiff_instances))
    return out


def mem(quick: bool, use_pg: bool, tmp: Path) -> list[Result]:
    from bench import memory

    with sqlite_database(tmp) as url:
        return [memory.measure(url, quick)]


def _sweep_results(payload: dict[str, Any], db: str) -> list[Result]:
    out = []
    for sc in payload["scenarios"]:
        pct = sc["fraction"] * 100
        out.append(
            Result(
                "B4",
                f"sweep {db}, {payload['open_deadlines']:,} open, {pct:g}% due ({sc['due']:,})",
                db,
                "ms",
                [x * 1000 for x in sc["sweep_s"]],
                {"claim_ms": (sc["claim_median_s"] or 0) * 1000},
            )
        )
    return out


def b4(quick: bool, use_pg: bool, tmp: Path) -> list[Result]:
    """The sweep benchmark (bench/sweep.py) writes its own JSON; summarized here."""
    import json

    from bench import sweep

    dbs = "sqlite,postgresql" if use_pg else "sqlite"
    args = ["--db", dbs, "--rounds", "5"] + (["--quick"] if quick else [])
    if sweep.main(args) != 0:
        raise RuntimeError("bench.sweep failed")
    suffix = "-quick" if quick else ""
    out: list[Result] = []
    for db in dbs.split(","):
        path = common.RESULTS / f"sweep-{db}{suffix}.json"
        out += _sweep_results(json.loads(path.read_text(encoding="utf-8")), db)
    return out


def b5(quick: bool, use_pg: bool, tmp: Path) -> list[Result]:
    """The pages benchmark (bench/pages.py) writes its own JSON and doc section."""
    from bench import pages

    dbs = "sqlite,postgresql" if use_pg else "sqlite"
    args = ["--db", dbs] + (["--quick"] if quick else ["--doc"])
    if pages.main(args) != 0:
        raise RuntimeError("bench.pages failed")
    return []


def b6(quick: bool, use_pg: bool, tmp: Path) -> list[Result]:
    from bench import http

    if not use_pg:
        print("B6 needs PostgreSQL: skipped", file=sys.stderr)
        return []
    with pg_database() as url:
        return http.measure(
            url,
            workers=3 if quick else 4,
            threads=4 if quick else 8,
            seconds=3 if quick else 20,
            rounds=5,
        )


def _bulk_opening(
    bench: str,
    module: Any,
    quick: bool,
    use_pg: bool,
    labels: tuple[str, str],
    keys: tuple[str, str],
    first_notes: dict[str, Any] | None = None,
) -> list[Result]:
    """A bulk-opening benchmark that writes its own JSON per database (bench/annual.py,
    bench/campaign.py), summarized here: the first run and the same run again, per database.
    `labels` name both runs (with `{n}` organizations), `keys` are the JSON's lists of rounds."""
    import json

    dbs = "sqlite,postgresql" if use_pg else "sqlite"
    args = ["--db", dbs, "--rounds", "5"] + (["--quick"] if quick else [])
    if module.main(args) != 0:
        raise RuntimeError(f"{module.__name__} failed")
    name = module.__name__.rsplit(".", 1)[-1]
    suffix = "-quick" if quick else ""
    out: list[Result] = []
    for db in dbs.split(","):
        res = json.loads((common.RESULTS / f"{name}-{db}{suffix}.json").read_text("utf-8"))
        n = f"{res['organizations']:,}"
        notes = (first_notes or {}, {})
        for label, key, extra in zip(labels, keys, notes, strict=True):
            out.append(Result(bench, label.format(n=n), db, "s", res[key], dict(extra)))
    return out


def b7(quick: bool, use_pg: bool, tmp: Path) -> list[Result]:
    """The yearly bulk opening of the annual inspection (INS-1)."""
    from bench import annual

    labels = (
        "yearly inspection opening, {n} organizations",
        "the same opening again (opens nothing), {n}",
    )
    keys = ("first_run_s", "second_run_s")
    notes = {"statements": "one transaction"}
    return _bulk_opening("B7", annual, quick, use_pg, labels, keys, notes)


def b8(quick: bool, use_pg: bool, tmp: Path) -> list[Result]:
    """The 60-day drive's opening (REG-10)."""
    from bench import campaign

    labels = (
        "60-day drive opening, {n} organizations",
        "the same drive again (opens nothing), {n}",
    )
    return _bulk_opening("B8", campaign, quick, use_pg, labels, ("first_runs_s", "second_runs_s"))


BENCHES: dict[str, tuple[str, Callable[[bool, bool, Path], list[Result]]]] = {
    "B1": ("fire", b1_b3),  # B1, B2 and B3 share their databases and rounds
    "B4": ("sweep", b4),
    "B5": ("pages", b5),
    "B6": ("http", b6),
    "B7": ("annual", b7),
    "B8": ("campaign", b8),
    "MEM": ("memory", mem),
}


def _block(env: dict[str, Any], results: list[Result]) -> str:
    return f"{common.measured_line(env)}\n\n{table(results)}"


def _load(name: str) -> dict[str, Any] | None:
    import json

    from bench.common import RESULTS

    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**missed**")


def goals() -> str:
    """The issue's goals against the published results, so the verdicts cannot go stale."""
    rows = ["| goal | where | measured | verdict |", "|---|---|---:|---|"]
    fire = _load("fire")
    if fire:
        for r in fire["results"]:
            if r["bench"] != "B1":
                continue
            where = r["name"].removeprefix("fire() ")
            ratio = r["extra"]["ratio_to_floor"]
            rows.append(
                f"| B1 ÷ B2 (engine ÷ raw-SQL floor) ≥ 0.5 | {where} | {ratio:.2f} | "
                f"{_verdict(ratio >= 0.5)}"
                + ("" if ratio >= 0.5 else f" by {0.5 - ratio:.2f}")
                + " |"
            )
            if "spiff_ratio" in r["extra"]:
                sr = r["extra"]["spiff_ratio"]
                rows.append(
                    f"| tongbu ÷ SpiffWorkflow ≥ 10× | {where} | {sr:.1f}× | {_verdict(sr >= 10)}"
                    + ("" if sr >= 10 else f" by {10 - sr:.1f}×")
                    + " |"
                )
    for db in ("sqlite", "postgresql"):
        sweep = _load(f"sweep-{db}")
        if not sweep:
            continue
        by_fraction = {sc["fraction"]: sc for sc in sweep["scenarios"]}
        empty, one = by_fraction.get(0.0), by_fraction.get(0.01)
        if empty:
            ms = empty["sweep_median_s"] * 1000
            rows.append(
                f"| B4 empty sweep < 10 ms | {db}, {sweep['open_deadlines']:,} open | "
                f"{ms:.1f} ms | {_verdict(ms < 10)} |"
            )
        per_row = {
            f: sc["sweep_median_s"] * 1000 / sc["due"]
            for f, sc in sorted(by_fraction.items())
            if sc["due"]
        }
        if len(per_row) > 1:
            linear = max(per_row.values()) <= 2 * min(per_row.values())
            shown = ", ".join(f"{v:.2f} at {f * 100:g} %" for f, v in per_row.items())
            rows.append(
                f"| B4 cost follows what is due (ms per due row within 2× across fractions) | "
                f"{db} | {shown} | {_verdict(linear)} |"
            )
        if one:
            sec = one["sweep_median_s"]
            goal = db == "postgresql"
            rows.append(
                f"| B4 1 % due {'< 2 s' if goal else '(goal set for PostgreSQL)'} | "
                f"{db}, {one['due']:,} due | {sec:.2f} s | "
                f"{_verdict(sec < 2) if goal else '–'}"
                + (f" by {sec - 2:.2f} s" if goal and sec >= 2 else "")
                + " |"
            )
    for db in ("sqlite", "postgresql"):
        pages = _load(f"pages-{db}")
        if not pages or "runs" not in pages:
            continue
        for run in pages["runs"]:
            n = run["facts"]["cases"]
            worst = max(run["pages"], key=lambda p: p["p99_ms"])
            if n <= 100_000:
                rows.append(
                    f"| B5 every page p99 < 150 ms at {n:,} cases | {db} | "
                    f"{worst['p99_ms']:.0f} ms ({worst['page']}) | "
                    f"{_verdict(worst['p99_ms'] < 150)} |"
                )
        counts = [{p["page"]: p["statements"] for p in run["pages"]} for run in pages["runs"]]
        if len(counts) > 1:
            same = all(c == counts[0] for c in counts)
            sizes = " and ".join(f"{run['facts']['cases']:,}" for run in pages["runs"])
            rows.append(
                f"| B5 statements per page independent of size | {db}, {sizes} cases | "
                f"{'same' if same else 'differ'} | {_verdict(same)} |"
            )
    http = _load("http")
    if http:
        x = http["results"][0]["extra"]
        ok = x["error_rate"] == 0 and x["one_event_per_fire"]
        rows.append(
            f"| B6 no errors but expected conflicts; one audit event per fire | PostgreSQL | "
            f"errors {x['error_rate']:.2%}, {x['audit_events']:,} events for "
            f"{x['successful_fires']:,} fires | {_verdict(ok)} |"
        )
    mem = _load("memory")
    if mem:
        r = mem["results"][0]
        ok = r["median"] < 5 and r["extra"]["machine_models"] == 0
        rows.append(
            f"| memory flat over 100,000 fires | one worker | +{r['median']:.2f} MiB, "
            f"{r['extra']['machine_models']} models on the machines | {_verdict(ok)} |"
        )
    return "\n".join(rows)


def render() -> int:
    import json

    from bench.common import RESULTS

    for name in ("fire", "http", "memory", "sweep", "annual", "campaign"):
        path = RESULTS / f"{name}.json"
        if not path.exists():
            continue
        payload = json.loads(path.read_text(encoding="utf-8"))
        if "results" not in payload:  # written by bench.sweep itself
            continue
        results = [
            Result(r["bench"], r["name"], r["db"], r["unit"], r["rounds"], r["extra"])
            for r in payload["results"]
        ]
        if name == "sweep":  # rebuilt from bench.sweep's own files, the source of both
            per_db = [(db, _load(f"sweep-{db}")) for db in ("sqlite", "postgresql")]
            results = [r for db, p in per_db if p for r in _sweep_results(p, db)]
        update_doc(name, _block(payload["environment"], results))
    from bench import pages

    found = [p for p in (_load(f"pages-{db}") for db in ("sqlite", "postgresql")) if p]
    if found and all("runs" in p for p in found):
        update_doc("pages", pages.doc_section(found))
    update_doc("goals", goals())
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run under 2 minutes")
    ap.add_argument("--only", default=None, help="comma-separated: " + ",".join(BENCHES))
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/performance.md")
    ap.add_argument(
        "--render",
        action="store_true",
        help="only rewrite the doc blocks from bench/results/*.json (no measuring)",
    )
    args = ap.parse_args(argv)
    if args.render:
        return render()
    pg_version = None if args.no_postgres else pg_available()
    if not args.no_postgres and pg_version is None:
        print("PostgreSQL not reachable: measuring SQLite only", file=sys.stderr)
    env = environment(pg_version)
    chosen = args.only.split(",") if args.only else list(BENCHES)
    unknown = [c for c in chosen if c not in BENCHES]
    if unknown:
        ap.error(f"unknown benchmark(s) {unknown}; choose from {list(BENCHES)}")
    all_results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="tongbu-bench-") as tmp:
        for key in chosen:
            name, fn = BENCHES[key]
            t0 = time.perf_counter()
            results = fn(args.quick, pg_version is not None, Path(tmp))
            took = time.perf_counter() - t0
            all_results += results
            if not results:  # wrote its own results and doc section
                continue
            suffix = "-quick" if args.quick else ""
            write_results(
                f"{name}{suffix}",
                {
                    "environment": env,
                    "quick": args.quick,
                    "seconds": took,
                    "results": [r.as_dict() for r in results],
                },
            )
            print(f"\n{key} ({took:.0f} s)\n{table(results)}", flush=True)
            if not args.quick and not args.no_doc:
                update_doc(name, _block(env, results))
    if not args.quick and not args.no_doc:
        update_doc("goals", goals())
    return 0


if __name__ == "__main__":
    sys.exit(main())
