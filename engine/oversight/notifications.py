"""In-app notifications and the e-mail outbox (issue 5).

Why an outbox: the sweep must commit its audit events whatever the mail server does. So a
notification (and, when SMTP is configured and the user has an address, an e-mail row) is
written in the sweep's own transaction, and a separate delivery job sends the e-mail after
commit. A failing server costs that job a retry with exponential backoff; it never blocks the
sweep and never loses the notification (the in-app row exists regardless, the e-mail row stays
until sent or given up and listed for an operator).

E-mail delivery is at-least-once: a process that dies between the SMTP server's "250 OK" and
its own commit sends that message again after the claim lease ends. Everything written to the
database (notifications, events) is exactly once.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select, update

from engine.config import SmtpSettings
from engine.errors import NotFound
from engine.store.bulk import insert_rows
from engine.store.tables import User
from engine.store.tables_oversight import EmailOutbox, Notification
from engine.store.unit_of_work import UnitOfWork

notifications_t = Notification.__table__
outbox_t = EmailOutbox.__table__
users_t = User.__table__


def backoff(attempts: int, settings: SmtpSettings) -> timedelta:
    """Delay before the next try after `attempts` failed ones: base·2^(n-1), capped."""
    seconds = settings.backoff_base * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, settings.backoff_max))


# ---------------------------------------------------------------- writing (inside a sweep)


@dataclass(frozen=True)
class Message:
    """What one notification says, in both UI languages."""

    kind: str
    subject_zh: str
    subject_en: str
    body_zh: str
    body_en: str
    level: int | None = None
    case_id: int | None = None
    event_id: int | None = None

    @property
    def comment(self) -> str:
        """Both subjects, for the audit event's comment."""
        return f"{self.subject_zh} / {self.subject_en}"


def notify(
    conn: Connection,
    deliveries: Iterable[tuple[str, int, Message]],
    now: datetime,
    smtp: SmtpSettings | None,
) -> int:
    """Write in-app notifications (and e-mail rows) for (dedupe_key, user_id, message) triples.

    Called inside the caller's transaction. Returns the number of new notifications; a
    dedupe_key seen before is skipped, so calling this twice for the same fact is harmless.
    """
    rows = [
        {
            "user_id": user_id,
            "case_id": m.case_id,
            "event_id": m.event_id,
            "kind": m.kind,
            "level": m.level,
            "subject_zh": m.subject_zh[:300],
            "subject_en": m.subject_en[:300],
            "body_zh": m.body_zh,
            "body_en": m.body_en,
            "created_at": now,
            "read_at": None,
            "dedupe_key": key,
        }
        for key, user_id, m in deliveries
    ]
    created = insert_rows(
        conn,
        notifications_t,
        rows,
        ignore_conflicts_on=["dedupe_key"],
        returning=["id", "user_id", "dedupe_key"],
    )
    if created and smtp is not None and smtp.enabled:
        by_key = {r["dedupe_key"]: r for r in rows}
        emails = dict(
            conn.execute(
                select(users_t.c.id, users_t.c.email).where(
                    users_t.c.id.in_({c.user_id for c in created}),
                    users_t.c.email.is_not(None),
                    users_t.c.active.is_(True),
                )
            ).all()
        )
        mails = []
        for c in created:
            addr = emails.get(c.user_id)
            if not addr:
                continue
            r = by_key[c.dedupe_key]
            mails.append(
                {
                    "notification_id": c.id,
                    "to_addr": addr,
                    "subject": f"[tongbu] {r['subject_zh']} / {r['subject_en']}"[:300],
                    "body": f"{r['body_zh']}\n\n{r['body_en']}\n",
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": None,
                    "created_at": now,
                    "sent_at": None,
                }
            )
        insert_rows(conn, outbox_t, mails)
    return len(created)


# ---------------------------------------------------------------- reading (per user)


def list_for_user(
    uow: UnitOfWork, user_id: int, *, unread_only: bool = False, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """A user's notifications, newest first (paginated; indexed on user, read state, id)."""
    with uow.reader() as r:
        q = (
            select(notifications_t)
            .where(notifications_t.c.user_id == user_id)
            .order_by(notifications_t.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if unread_only:
            q = q.where(notifications_t.c.read_at.is_(None))
        return [dict(x) for x in r.conn.execute(q).mappings()]


def unread_count(uow: UnitOfWork, user_id: int) -> int:
    with uow.reader() as r:
        return r.conn.execute(
            select(func.count()).where(
                notifications_t.c.user_id == user_id, notifications_t.c.read_at.is_(None)
            )
        ).scalar_one()


def mark_read(uow: UnitOfWork, user_id: int, ids: Iterable[int] | None = None) -> int:
    """Mark some (or, with ids None, all) of a user's unread notifications read.

    A user can only ever touch their own rows: an id of someone else's is NotFound.
    """
    with uow:
        q = update(notifications_t).where(
            notifications_t.c.user_id == user_id, notifications_t.c.read_at.is_(None)
        )
        if ids is not None:
            wanted = set(ids)
            mine = set(
                uow.conn.execute(
                    select(notifications_t.c.id).where(
                        notifications_t.c.id.in_(wanted), notifications_t.c.user_id == user_id
                    )
                ).scalars()
            )
            missing = wanted - mine
            if missing:
                raise NotFound("notification", sorted(missing)[0])
            q = q.where(notifications_t.c.id.in_(wanted))
        n = uow.conn.execute(q.values(read_at=uow.clock.now())).rowcount
        uow.commit()
        return n


# ---------------------------------------------------------------- delivery (after commit)


class PermanentMailError(Exception):
    """The server refused for good (5xx): retrying cannot help."""


Sender = Callable[[SmtpSettings, Sequence[EmailMessage]], list[Exception | None]]


def smtp_send(settings: SmtpSettings, messages: Sequence[EmailMessage]) -> list[Exception | None]:
    """Send over one SMTP connection; one result per message (None = accepted).

    A connection-level failure is reported for every message; a 5xx for one recipient
    becomes a PermanentMailError for that message only.
    """
    results: list[Exception | None] = []
    try:
        with smtplib.SMTP(settings.host or "", settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            for msg in messages:
                try:
                    smtp.send_message(msg)
                    results.append(None)
                except smtplib.SMTPRecipientsRefused as exc:
                    codes = [c for c, _ in exc.recipients.values()]
                    permanent = all(c >= 500 for c in codes)
                    results.append(PermanentMailError(str(exc)) if permanent else exc)
                except smtplib.SMTPResponseException as exc:
                    results.append(PermanentMailError(str(exc)) if exc.smtp_code >= 500 else exc)
                    if isinstance(exc, smtplib.SMTPServerDisconnected):
                        break
    except (OSError, smtplib.SMTPException) as exc:
        results.extend([exc] * (len(messages) - len(results)))
    if len(results) < len(messages):
        gone = smtplib.SMTPServerDisconnected("connection closed")
        results.extend([gone] * (len(messages) - len(results)))
    return results


@dataclass
class DeliveryResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def merge(self, other: DeliveryResult) -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.errors += other.errors

    def more_waiting(self, batch: int) -> bool:
        """Whether another batch may be due: this one came back full and the server did not
        refuse all of it (then backoff, not the next tick, decides when to try again)."""
        return self.claimed >= batch and self.retried < self.claimed


def _claim_mail(conn: Connection, now: datetime, lease: timedelta, batch: int) -> list[Any]:
    """One statement: lock due rows (SKIP LOCKED on PostgreSQL) and push them past a lease.

    A CTE, not `id IN (subquery)`, so that the LIMIT holds (see escalation._claim)."""
    due = (outbox_t.c.status == "pending") & (outbox_t.c.next_attempt_at <= now)
    pick = (
        select(outbox_t.c.id)
        .where(due)
        .order_by(outbox_t.c.next_attempt_at, outbox_t.c.id)
        .limit(batch)
    )
    if conn.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    claimed = pick.cte("claimed")
    return conn.execute(
        update(outbox_t)
        .where(outbox_t.c.id == claimed.c.id, due)
        .values(next_attempt_at=now + lease, attempts=outbox_t.c.attempts + 1)
        .returning(
            outbox_t.c.id,
            outbox_t.c.to_addr,
            outbox_t.c.subject,
            outbox_t.c.body,
            outbox_t.c.attempts,
        )
    ).all()


def deliver_batch(
    engine: Engine,
    now: datetime,
    settings: SmtpSettings,
    *,
    batch: int = 50,
    sender: Sender = smtp_send,
) -> DeliveryResult:
    """Claim up to `batch` due e-mails at `now`, send them, record each outcome.

    One unit of work of the mail job, judged and stamped at its one instant `now`: the claim
    pushes each row's `next_attempt_at` past a lease from `now`, so parallel schedulers never
    send the same row at the same time and a crashed sender's rows come back after the lease;
    a failure waits `backoff` from `now`. SMTP talk happens outside any transaction. The
    caller reads the clock for each batch (`scheduler.Ticker.deliver`), so that every lease
    starts when its claim is made, however long the batches before it took.
    """
    result = DeliveryResult()
    if not settings.enabled:
        return result
    uow = UnitOfWork(engine)
    lease = timedelta(seconds=settings.timeout * 3 + 60)
    with uow:
        claimed = _claim_mail(uow.conn, now, lease, batch)
        uow.commit()
    result.claimed = len(claimed)
    if not claimed:
        return result
    messages = []
    for row in claimed:
        msg = EmailMessage()
        msg["From"] = settings.sender
        msg["To"] = row.to_addr
        msg["Subject"] = row.subject
        msg.set_content(row.body)
        messages.append(msg)
    outcomes = sender(settings, messages)
    sent, retry, failed = [], [], []
    for row, exc in zip(claimed, outcomes, strict=True):
        if exc is None:
            sent.append({"b_id": row.id, "b_attempts": row.attempts, "b_now": now})
            continue
        error = f"{type(exc).__name__}: {exc}"[:2000]
        result.errors.append(f"mail {row.id} to {row.to_addr}: {error}")
        give_up = isinstance(exc, PermanentMailError) or row.attempts >= settings.max_attempts
        params = {"b_id": row.id, "b_attempts": row.attempts, "b_error": error}
        if give_up:
            failed.append(params)
        else:
            retry.append({**params, "b_next": now + backoff(row.attempts, settings)})
    same_claim = (outbox_t.c.id == bindparam("b_id")) & (
        outbox_t.c.attempts == bindparam("b_attempts")
    )
    with uow:
        if sent:
            uow.conn.execute(
                update(outbox_t)
                .where(same_claim)
                .values(status="sent", sent_at=bindparam("b_now"), last_error=None),
                sent,
            )
        if retry:
            uow.conn.execute(
                update(outbox_t)
                .where(same_claim)
                .values(next_attempt_at=bindparam("b_next"), last_error=bindparam("b_error")),
                retry,
            )
        if failed:
            uow.conn.execute(
                update(outbox_t)
                .where(same_claim)
                .values(status="failed", last_error=bindparam("b_error")),
                failed,
            )
        uow.commit()
    result.sent, result.retried, result.failed = len(sent), len(retry), len(failed)
    return result


def outbox(uow: UnitOfWork, *, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """E-mail rows for the operator (`tongbu notifications outbox`), newest first."""
    with uow.reader() as r:
        q = select(outbox_t).order_by(outbox_t.c.id.desc()).limit(limit)
        if status:
            q = q.where(outbox_t.c.status == status)
        return [dict(x) for x in r.conn.execute(q).mappings()]


def retry_failed(uow: UnitOfWork) -> int:
    """Put e-mail that was given up on back in the queue, attempts reset (operator action)."""
    with uow:
        n = uow.conn.execute(
            update(outbox_t)
            .where(outbox_t.c.status == "failed")
            .values(status="pending", attempts=0, next_attempt_at=uow.clock.now())
        ).rowcount
        uow.commit()
        return n
