"""Inspection demo: filled in later in this file."""

from __future__ import annotations

from engine.registry import DemoContext


def load(ctx: DemoContext) -> None:
    return None
