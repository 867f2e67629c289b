"""`tongbu` commands: accounts: users with passwords (issue: the Flask UI)."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add this module's commands to the `tongbu` group."""
