"""`--now`: the instant a command acts or judges at, and how instants are printed.

Local time in Asia/Shanghai, as the issue's examples: `YYYY-MM-DD` (00:00 that day) or
`YYYY-MM-DDTHH:MM`. The command reads it (or its runtime's clock) once and hands it down.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from marshmallow import ValidationError, fields, validate

from engine.calendar import SHANGHAI
from engine.inputs import InputSchema

NOW_HELP = (
    "the instant to act at, Asia/Shanghai: YYYY-MM-DD (00:00 that day) or YYYY-MM-DDTHH:MM; "
    "default: now"
)


class NowArgs(InputSchema):
    """`--now`: a local (Asia/Shanghai) date or date and time, as the issue's examples."""

    now = fields.String(
        data_key="--now",
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(
            r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?$",
            error="use YYYY-MM-DD or YYYY-MM-DDTHH:MM (Asia/Shanghai)",
        ),
    )


def parse_now(text: str | None) -> datetime | None:
    """The aware UTC instant a `--now` value names, or None for the real clock."""
    data = NowArgs().load({"--now": text})
    if data["now"] is None:
        return None
    value = data["now"].replace(" ", "T")
    try:
        if "T" in value:
            local = datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)
        else:
            local = datetime.combine(date.fromisoformat(value), time.min, SHANGHAI)
    except ValueError as exc:
        raise ValidationError({"--now": [f"not a real date/time: {exc}"]}) from exc
    return local.astimezone(UTC)


def local_time(at: datetime) -> str:
    """An instant as Shanghai wall time, minutes."""
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


ZONE = "Asia/Shanghai"
"""Every time the CLI prints is wall time in Shanghai, and says so (`shanghai_time`, or the
zone in the heading of a list of times); JSON output keeps ISO 8601 with its offset."""


def shanghai_time(at: datetime) -> str:
    """An instant as the CLI prints it: "2026-03-02 10:00 (Asia/Shanghai)"."""
    return f"{local_time(at)} ({ZONE})"
