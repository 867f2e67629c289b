"""Settings and small pure helpers of the scheduler, the outbox and the sweep CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import ValidationError

from engine.clock import FixedClock
from engine.oversight.notifications import SmtpSettings, backoff
from engine.oversight.scheduler import OffsetClock, SchedulerSettings
from web.cli.escalation import parse_now


def test_smtp_is_off_unless_a_host_is_configured():
    assert not SmtpSettings.from_env({}).enabled
    s = SmtpSettings.from_env(
        {
            "TONGBU_SMTP_HOST": "mail.example.org",
            "TONGBU_SMTP_PORT": "2525",
            "TONGBU_SMTP_USER": "u",
            "TONGBU_SMTP_PASSWORD": "p",
            "TONGBU_SMTP_FROM": "tongbu@example.org",
            "TONGBU_SMTP_STARTTLS": "yes",
            "TONGBU_SMTP_MAX_ATTEMPTS": "3",
        }
    )
    assert s.enabled and s.port == 2525 and s.starttls and s.max_attempts == 3
    assert s.sender == "tongbu@example.org" and s.user == "u" and s.password == "p"


def test_backoff_doubles_from_the_base_and_is_capped():
    s = SmtpSettings(host="x", backoff_base=60, backoff_max=300)
    assert [backoff(n, s).total_seconds() for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 300, 300]


def test_scheduler_settings_from_env():
    s = SchedulerSettings.from_env(
        {"TONGBU_DIGEST_HOUR": "7", "TONGBU_SWEEP_BATCH": "50"}, interval_seconds=5
    )
    assert (s.interval_seconds, s.digest_hour, s.batch_size) == (5, 7, 50)
    assert SchedulerSettings.from_env({"TONGBU_DIGEST_HOUR": "off"}).digest_hour is None
    assert SchedulerSettings.from_env({"TONGBU_SWEEP_INTERVAL": "30"}).interval_seconds == 30


@pytest.mark.parametrize(
    "env",
    [{"TONGBU_DIGEST_HOUR": "24"}, {"TONGBU_SWEEP_BATCH": "0"}, {"TONGBU_SWEEP_INTERVAL": "0"}],
)
def test_bad_scheduler_settings_are_refused(env):
    with pytest.raises(ValueError):
        SchedulerSettings.from_env(env)


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
