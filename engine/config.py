"""The one configuration of a tongbu process, read from TONGBU_* environment variables once.

The composition roots (`web.create_app`, the CLI, `tongbu scheduler`) call `Config.from_env()`
and hand the result down; nothing else in the code reads the environment. Every variable is
validated by one marshmallow schema, so a bad value stops the process with the variable's name
and the rule it broke instead of a stack trace later. The README's table lists them all.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from engine.errors import TongbuError

SQLITE_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
DOCUMENT_STORAGES = ("database", "directory")
DEFAULT_SWEEP_BATCH = 500


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send e-mail; `host` None means e-mail is off (in-app only)."""

    host: str | None = None
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "tongbu@localhost"
    starttls: bool = False
    timeout: float = 10.0
    max_attempts: int = 10
    backoff_base: float = 60.0
    backoff_max: float = 6 * 3600.0

    @property
    def enabled(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class Config:
    """Everything a process may be configured with; tests build one directly."""

    database_url: str = "sqlite:///tongbu.db"
    definitions_dir: Path | None = None
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    scheduler: bool = True
    sweep_interval_seconds: float = 60.0
    sweep_batch: int = DEFAULT_SWEEP_BATCH
    digest_hour: int | None = 8
    sqlite_synchronous: str = "NORMAL"
    session_hours: int = 8
    session_idle_minutes: int = 60
    secure_cookies: bool = False
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    document_storage: str = "database"
    """Where new documents' bytes go: `database` (default; one transaction with the step, any
    number of hosts on PostgreSQL) or `directory` (`document_dir`, e.g. a shared mount)."""
    document_dir: Path | None = None
    testing: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """Read TONGBU_* variables (an empty value counts as unset).

        Raises `ConfigError` naming every bad variable and its rule.
        """
        source = os.environ if env is None else env
        data = {k: v for k, v in source.items() if k.startswith("TONGBU_") and v.strip() != ""}
        try:
            values = _EnvSchema().load(data)
        except ValidationError as err:
            raise ConfigError(err.normalized_messages()) from err
        return cls(**values)


class ConfigError(TongbuError):
    """An environment variable with a value the product cannot run with."""

    def __init__(self, messages: Mapping[str, Any]) -> None:
        self.messages = dict(messages)
        text = "; ".join(
            f"{name}: {' '.join(map(str, problems if isinstance(problems, list) else [problems]))}"
            for name, problems in sorted(self.messages.items())
        )
        super().__init__(f"bad configuration: {text}")


class _DigestHour(fields.Field):
    """0-23 (Shanghai time) or `off`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> int | None:
        text = str(value).strip().lower()
        if text in ("off", "none", "-1"):
            return None
        try:
            hour = int(text)
        except ValueError:
            hour = -1
        if not 0 <= hour <= 23:
            raise ValidationError(f"must be an hour 0-23 or 'off', not {value!r}")
        return hour


def _positive(what: str) -> validate.Range:
    return validate.Range(min=0, min_inclusive=False, error=f"must be a positive {what}")


class _EnvSchema(Schema):
    """The environment as the product reads it: one field per variable, named by data_key."""

    class Meta:
        unknown = EXCLUDE

    database_url = fields.String(data_key="TONGBU_DATABASE_URL")
    definitions_dir = fields.String(data_key="TONGBU_DEFINITIONS_DIR")
    secret_key = fields.String(
        data_key="TONGBU_SECRET_KEY",
        validate=validate.Length(min=16, error="must be at least 16 characters"),
    )
    scheduler = fields.Boolean(data_key="TONGBU_SCHEDULER")
    sweep_interval_seconds = fields.Float(
        data_key="TONGBU_SWEEP_INTERVAL", validate=_positive("number of seconds")
    )
    sweep_batch = fields.Integer(
        data_key="TONGBU_SWEEP_BATCH",
        validate=validate.Range(min=1, max=100_000, error="must be 1 to 100000"),
    )
    digest_hour = _DigestHour(data_key="TONGBU_DIGEST_HOUR")
    sqlite_synchronous = fields.String(
        data_key="TONGBU_SQLITE_SYNCHRONOUS", validate=validate.OneOf(SQLITE_SYNCHRONOUS)
    )
    session_hours = fields.Integer(
        data_key="TONGBU_SESSION_HOURS",
        validate=validate.Range(min=1, max=24 * 30, error="must be 1 to 720 hours"),
    )
    session_idle_minutes = fields.Integer(
        data_key="TONGBU_SESSION_IDLE_MINUTES",
        validate=validate.Range(min=1, max=24 * 60, error="must be 1 to 1440 minutes"),
    )
    secure_cookies = fields.Boolean(data_key="TONGBU_SECURE_COOKIES")
    document_storage = fields.String(
        data_key="TONGBU_DOCUMENT_STORAGE", validate=validate.OneOf(DOCUMENT_STORAGES)
    )
    document_dir = fields.String(data_key="TONGBU_DOCUMENT_DIR")
    smtp_host = fields.String(data_key="TONGBU_SMTP_HOST")
    smtp_port = fields.Integer(
        data_key="TONGBU_SMTP_PORT", validate=validate.Range(min=1, max=65535)
    )
    smtp_user = fields.String(data_key="TONGBU_SMTP_USER")
    smtp_password = fields.String(data_key="TONGBU_SMTP_PASSWORD")
    smtp_sender = fields.String(data_key="TONGBU_SMTP_FROM")
    smtp_starttls = fields.Boolean(data_key="TONGBU_SMTP_STARTTLS")
    smtp_timeout = fields.Float(data_key="TONGBU_SMTP_TIMEOUT", validate=_positive("timeout"))
    smtp_max_attempts = fields.Integer(
        data_key="TONGBU_SMTP_MAX_ATTEMPTS", validate=validate.Range(min=1, max=1000)
    )
    smtp_backoff_base = fields.Float(
        data_key="TONGBU_MAIL_BACKOFF_BASE", validate=_positive("number of seconds")
    )
    smtp_backoff_max = fields.Float(
        data_key="TONGBU_MAIL_BACKOFF_MAX", validate=_positive("number of seconds")
    )

    @post_load
    def _shape(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        smtp = {k.removeprefix("smtp_"): data.pop(k) for k in list(data) if k.startswith("smtp_")}
        if smtp:
            data["smtp"] = SmtpSettings(**smtp)
        if "definitions_dir" in data:
            data["definitions_dir"] = Path(data["definitions_dir"])
        if "document_dir" in data:
            data["document_dir"] = Path(data["document_dir"])
        return data

    @validates_schema
    def _document_dir(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("document_storage") == "directory" and not data.get("document_dir"):
            raise ValidationError(
                "TONGBU_DOCUMENT_STORAGE=directory needs TONGBU_DOCUMENT_DIR (the folder)",
                "TONGBU_DOCUMENT_DIR",
            )
