"""Where the oversight code may commit and read the clock, checked on its source.

* Only a service that opens a unit of work commits it: every `x.commit()` sits inside a
  `with x:` of the same function. Readers and helpers (`notify`, the figures, the lists)
  work inside their caller's transaction and never commit.
* One instant per unit of work: below a tick nothing reads a clock; the functions allowed
  to are the ticks themselves and the few services that are the top of their own unit of
  work when an adapter calls them.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = [
    *sorted((ROOT / "engine" / "oversight").glob("*.py")),
    ROOT / "engine" / "cases" / "listing.py",
    ROOT / "engine" / "cases" / "read.py",
]

#: (module, function) allowed to read a clock, and why.
CLOCK_READERS = {
    ("scheduler", "Ticker.tick"): "a tick (the scheduler's sweep and `tongbu sweep` alike)",
    ("scheduler", "Ticker.deliver"): "a tick (once per claimed batch)",
    ("scheduler", "Ticker.digest"): "a tick",
    ("scheduler", "build_scheduler"): "APScheduler's own start time, not a judgement",
    ("notifications", "mark_read"): "a service: the top of its own unit of work",
    ("notifications", "retry_failed"): "a service: the top of its own unit of work",
    ("abnormal", "remove"): "a service (SUP-1's leaving): the top of its own unit of work",
    ("evaluation", "record"): "a service (EVA-1): the top of its own unit of work",
}


def _functions(tree: ast.Module):
    """(qualified name, function node) of every function, methods as Class.method."""

    def walk(node: ast.AST, prefix: str):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield f"{prefix}{child.name}", child
                yield from walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")

    yield from walk(tree, "")


def _opened(func: ast.AST, call: ast.Call) -> bool:
    """Whether `call` (x.commit()) lies inside a `with x:` of `func`."""
    target = ast.unparse(call.func.value)  # type: ignore[attr-defined]
    for node in ast.walk(func):
        if (
            isinstance(node, ast.With)
            and any(ast.unparse(item.context_expr) == target for item in node.items)
            and any(n is call for n in ast.walk(node))
        ):
            return True
    return False


def _calls(func: ast.AST, attr: str):
    for node in ast.walk(func):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == attr
        ):
            yield node


def test_only_a_service_that_opens_a_unit_of_work_commits_it():
    stray = []
    for path in MODULES:
        for name, func in _functions(ast.parse(path.read_text())):
            for call in _calls(func, "commit"):
                if not _opened(func, call):
                    stray.append(f"{path.relative_to(ROOT)}:{call.lineno} {name}")
    assert stray == []


def test_nothing_below_a_tick_reads_the_clock():
    readers = set()
    for path in MODULES:
        for name, func in _functions(ast.parse(path.read_text())):
            for call in _calls(func, "now"):
                if "clock" in ast.unparse(call.func.value).lower():
                    readers.add((path.stem, name))
    assert readers == set(CLOCK_READERS)
