"""`tongbu` commands: Party organizations, members and the P2–P4 helpers (issue: other three procedures)."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add this module's commands to the `tongbu` group."""
