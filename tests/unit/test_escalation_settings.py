"""Settings and small pure helpers of the scheduler, the outbox and the sweep CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import ValidationError

from engine.clock import FixedClock
from engine.config import Config, ConfigError, SmtpSettings
from engine.oversight.notifications import backoff
from engine.oversight.scheduler import OffsetClock, SchedulerSettings
from web.cli.escalation import parse_now


def test_smtp_is_off_unless_a_host_is_configured():
    assert not Config.from_env({}).smtp.enabled
    s = Config.from_env(
        {
            "TONGBU_SMTP_HOST": "mail.example.org",
            "TONGBU_SMTP_PORT": "2525",
            "TONGBU_SMTP_USER": "u",
            "TONGBU_SMTP_PASSWORD": "p",
            "TONGBU_SMTP_FROM": "tongbu@example.org",
            "TONGBU_SMTP_STARTTLS": "yes",
            "TONGBU_SMTP_MAX_ATTEMPTS": "3",
        }
    ).smtp
    assert s.enabled and s.port == 2525 and s.starttls and s.max_attempts == 3
    assert s.sender == "tongbu@example.org" and s.user == "u" and s.password == "p"


def test_backoff_doubles_from_the_base_and_is_capped():
    s = SmtpSettings(host="x", backoff_base=60, backoff_max=300)
    assert [backoff(n, s).total_seconds() for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 300, 300]


def _settings(env, **kw):
    return SchedulerSettings.from_config(Config.from_env(env), **kw)


def test_scheduler_settings_from_the_config():
    s = _settings({"TONGBU_DIGEST_HOUR": "7", "TONGBU_SWEEP_BATCH": "50"}, interval_seconds=5)
    assert (s.interval_seconds, s.digest_hour, s.batch_size) == (5, 7, 50)
    assert _settings({"TONGBU_DIGEST_HOUR": "off"}).digest_hour is None
    assert _settings({"TONGBU_SWEEP_INTERVAL": "30"}).interval_seconds == 30


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"TONGBU_DIGEST_HOUR": "24"}, "TONGBU_DIGEST_HOUR"),
        ({"TONGBU_SWEEP_BATCH": "0"}, "TONGBU_SWEEP_BATCH"),
        ({"TONGBU_SWEEP_INTERVAL": "0"}, "TONGBU_SWEEP_INTERVAL"),
        ({"TONGBU_SCHEDULER": "maybe"}, "TONGBU_SCHEDULER"),
        ({"TONGBU_SMTP_PORT": "99999"}, "TONGBU_SMTP_PORT"),
        ({"TONGBU_SQLITE_SYNCHRONOUS": "sometimes"}, "TONGBU_SQLITE_SYNCHRONOUS"),
    ],
)
def test_bad_settings_are_refused_naming_the_variable(env, variable):
    with pytest.raises(ConfigError) as err:
        Config.from_env(env)
    assert variable in err.value.messages and variable in str(err.value)


def test_a_negative_interval_flag_is_refused():
    with pytest.raises(ValueError):
        _settings({}, interval_seconds=0)


def test_the_environment_is_read_once_into_the_config():
    cfg = Config.from_env(
        {
            "TONGBU_DATABASE_URL": "postgresql://u@h/db",
            "TONGBU_DEFINITIONS_DIR": "/srv/defs",
            "TONGBU_SECRET_KEY": "k" * 32,
            "TONGBU_SCHEDULER": "0",
            "TONGBU_SESSION_HOURS": "4",
            "TONGBU_SECURE_COOKIES": "yes",
            "TONGBU_SQLITE_SYNCHRONOUS": "FULL",
            "UNRELATED": "ignored",
        }
    )
    assert cfg.database_url == "postgresql://u@h/db" and str(cfg.definitions_dir) == "/srv/defs"
    assert cfg.secret_key == "k" * 32 and cfg.scheduler is False and cfg.session_hours == 4
    assert cfg.secure_cookies is True and cfg.sqlite_synchronous == "FULL"
    assert Config.from_env({"TONGBU_SCHEDULER": ""}).scheduler is True  # empty means unset


def test_now_is_read_as_shanghai_local_time():
    assert parse_now("2026-05-01") == datetime(2026, 4, 30, 16, 0, tzinfo=UTC)
    assert parse_now("2026-05-01T09:30") == datetime(2026, 5, 1, 1, 30, tzinfo=UTC)
    assert parse_now(None) is None


@pytest.mark.parametrize("text", ["2026-5-1", "tomorrow", "2026-02-30", "2026-05-01T25:00"])
def test_a_bad_now_is_an_input_error_naming_the_option(text):
    with pytest.raises(ValidationError) as err:
        parse_now(text)
    assert "--now" in err.value.messages


def test_offset_clock_starts_at_the_given_instant_and_moves_with_real_time():
    base = FixedClock(datetime(2026, 11, 25, tzinfo=UTC))
    clock = OffsetClock(datetime(2026, 5, 1, tzinfo=UTC), base)
    assert clock.now() == datetime(2026, 5, 1, tzinfo=UTC)
    base.advance(minutes=5)
    assert clock.now() == datetime(2026, 5, 1, tzinfo=UTC) + timedelta(minutes=5)
