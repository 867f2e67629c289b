"""Demo of the coverage procedure: filled in by the demo loader (web/demo.py runs the drive)."""

from __future__ import annotations

from engine.registry import DemoContext


def load(ctx: DemoContext) -> None:
    """The drive and the instructors are opened by `tongbu demo` after the base data; the
    procedure itself has no case of its own to walk here."""
    return None
