"""`tongbu` commands: scheduler, sweep and accountability report (issue: scheduled escalation)."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add this module's commands to the `tongbu` group."""
