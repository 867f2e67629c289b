"""One configuration object, read from TONGBU_* environment variables (README lists them)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass
class Config:
    database_url: str = "sqlite:///tongbu.db"
    definitions_dir: Path | None = None
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    scheduler: bool = True
    sweep_interval_seconds: int = 60
    sqlite_synchronous: str = "NORMAL"
    testing: bool = False

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)
        cfg = cls()
        cfg.database_url = env.get("TONGBU_DATABASE_URL") or cfg.database_url
        if env.get("TONGBU_DEFINITIONS_DIR"):
            cfg.definitions_dir = Path(env["TONGBU_DEFINITIONS_DIR"])
        if env.get("TONGBU_SECRET_KEY"):
            cfg.secret_key = env["TONGBU_SECRET_KEY"]
        cfg.scheduler = _bool(env.get("TONGBU_SCHEDULER"), cfg.scheduler)
        if env.get("TONGBU_SWEEP_INTERVAL"):
            cfg.sweep_interval_seconds = int(env["TONGBU_SWEEP_INTERVAL"])
        cfg.sqlite_synchronous = env.get("TONGBU_SQLITE_SYNCHRONOUS", cfg.sqlite_synchronous)
        return cfg
