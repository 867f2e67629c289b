"""`tongbu`: the command line is an adapter like the UI and the API.

Each capability keeps its commands in its own module; this package assembles them on the one
`main` group (the console script's entry point).
"""

from __future__ import annotations

from web.cli import (
    accounts,
    annual,
    api,
    calendar,
    campaigns,
    casefile,
    control,
    directory,
    escalation,
    migration,
    procedures,
    record,
    reports,
    yearly,
)
from web.cli.core import main

for _module in (
    directory,
    procedures,
    escalation,
    reports,
    accounts,
    api,
    calendar,
    record,
    casefile,
    yearly,
    campaigns,
    annual,
):
    _module.register(main)
control.register(main)  # owners and correction: commands of the case group
migration.register(main)  # `tongbu definitions migrate`: a command of the definitions group

__all__ = ["main"]

if __name__ == "__main__":  # pragma: no cover
    main()
