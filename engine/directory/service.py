"""Writing the directory: units, users, organizations, Party organizations, members.

Each write validates its payload (marshmallow) and commits in its own unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import insert, select, update

from engine.access import sessions, tokens
from engine.access.actor import SYSTEM, Actor
from engine.calendar import local_date
from engine.definitions.model import Definitions
from engine.directory.coverage import DEFAULT_JOINT_LIMIT, cover
from engine.directory.schemas import (
    MemberSchema,
    OrganizationSchema,
    PartyOrganizationSchema,
    UnitSchema,
    UserSchema,
)
from engine.errors import Forbidden, NotFound, TransitionRefused
from engine.rules import Refusal
from engine.store.tables import (
    Case,
    Member,
    Organization,
    PartyOrganization,
    PartyOrgCoverage,
    Unit,
    User,
)
from engine.store.unit_of_work import UnitOfWork

cover_t = PartyOrgCoverage.__table__


def unit_by_code(uow: UnitOfWork, code: str) -> Any:
    row = uow.conn.execute(select(Unit.__table__).where(Unit.__table__.c.code == code)).first()
    if row is None:
        raise NotFound("unit", code)
    return row


def create_unit(uow: UnitOfWork, payload: Mapping[str, Any]) -> int:
    with uow:
        uid = create_unit_in(uow, payload)
        uow.commit()
        return uid


def create_unit_in(uow: UnitOfWork, payload: Mapping[str, Any]) -> int:
    """`create_unit` inside the caller's transaction (an audited change commits both)."""
    data = UnitSchema().load(dict(payload))
    units = Unit.__table__
    parent_path = "/"
    parent_id = None
    if data["parent"]:
        parent = unit_by_code(uow, data["parent"])
        parent_id, parent_path = parent.id, parent.path
    if uow.conn.execute(select(units.c.id).where(units.c.code == data["code"])).first():
        raise ValidationError(
            {"code": [f"a unit with code '{data['code']}' exists / 单位代码已被使用"]}
        )
    uid = uow.conn.execute(
        insert(units)
        .values(
            code=data["code"],
            name_zh=data["name_zh"],
            name_en=data["name_en"],
            kind=data["kind"],
            parent_id=parent_id,
            path="?",
            district=data["district"],
        )
        .returning(units.c.id)
    ).scalar_one()
    uow.conn.execute(update(units).where(units.c.id == uid).values(path=f"{parent_path}{uid}/"))
    return uid


def create_user(uow: UnitOfWork, payload: Mapping[str, Any]) -> int:
    with uow:
        uid = create_user_in(uow, payload)
        uow.commit()
        return uid


def create_user_in(
    uow: UnitOfWork, payload: Mapping[str, Any], *, must_change_password: bool = False
) -> int:
    """`create_user` inside the caller's transaction. `must_change_password`: someone else
    (an administrator) chose the password, so the user replaces it at the first sign-in."""
    data = UserSchema().load(dict(payload))
    users = User.__table__
    unit = unit_by_code(uow, data.pop("unit"))
    if uow.conn.execute(select(users.c.id).where(users.c.username == data["username"])).first():
        raise ValidationError({"username": [f"user {data['username']!r} already exists"]})
    return uow.conn.execute(
        insert(users)
        .values(**data, unit_id=unit.id, active=True, must_change_password=must_change_password)
        .returning(users.c.id)
    ).scalar_one()


def set_password_hash(uow: UnitOfWork, username: str, password_hash: str) -> None:
    """Replace a user's password hash (hashing is the web layer's: the engine never sees the
    password). Every session of the user ends in the same transaction: whoever held the old
    password, or a copy of a signed-in cookie, is signed out."""
    with uow:
        set_password_hash_in(uow, username, password_hash)
        uow.commit()


def set_password_hash_in(
    uow: UnitOfWork, username: str, password_hash: str, *, must_change: bool = False
) -> int:
    """`set_password_hash` inside the caller's transaction; returns the user's id.
    `must_change`: someone else (an administrator) knows this password, so the user is asked
    for their own at the next sign-in."""
    users = User.__table__
    uid = uow.conn.execute(
        update(users)
        .where(users.c.username == username)
        .values(password_hash=password_hash, must_change_password=must_change)
        .returning(users.c.id)
    ).scalar()
    if uid is None:
        raise NotFound("user", username)
    sessions.end_for_user(uow, uid, "password")
    return uid


def set_active(uow: UnitOfWork, username: str, active: bool) -> None:
    """Deactivate (or reactivate) a user. Deactivation ends every session and revokes every
    API token at once (a reactivated user gets new tokens, never the old ones back)."""
    with uow:
        set_active_in(uow, username, active)
        uow.commit()


def set_active_in(uow: UnitOfWork, username: str, active: bool) -> int:
    """`set_active` inside the caller's transaction; returns the user's id."""
    users = User.__table__
    uid = uow.conn.execute(
        update(users).where(users.c.username == username).values(active=active)
        .returning(users.c.id)
    ).scalar()  # fmt: skip
    if uid is None:
        raise NotFound("user", username)
    if not active:
        sessions.end_for_user(uow, uid, "deactivated")
        tokens.revoke_for_user_in(uow, uid)
    return uid


#: Who may add an organization: those who open its cases (`engine.cases.service.open_case`).
ORGANIZATION_CREATORS = ("caseworker", "admin")


def may_create_organizations(actor: Actor | None) -> bool:
    """Whether `actor` may record organizations at all (the page offers the button only then)."""
    return actor is not None and actor.role in ORGANIZATION_CREATORS


def create_organization(
    uow: UnitOfWork, payload: Mapping[str, Any], *, actor: Actor = SYSTEM
) -> int:
    """Add an organization under a unit the actor acts for; return its id.

    A caseworker (or an administrator) records it, in their unit or below; the credit code,
    if given, must not be registered yet (INF-1). The role and the unit are checked inside the
    one transaction, before anything is written. The CLI and the demo loader act as `SYSTEM`.
    """
    if not may_create_organizations(actor):
        raise Forbidden("only caseworkers add organizations (they open its cases)")
    if not isinstance(payload, Mapping):
        raise ValidationError({"_schema": ["send the organization as an object"]})
    data = OrganizationSchema().load(dict(payload))
    orgs = Organization.__table__
    with uow:
        try:
            unit = unit_by_code(uow, data.pop("unit"))
        except NotFound as exc:
            raise ValidationError({"unit": [f"no unit with code {exc.key!r}"]}) from None
        if not actor.can_see(unit.path):
            raise Forbidden(f"unit {unit.code!r} is outside your unit; you act on it and below")
        if (
            data["credit_code"]
            and uow.conn.execute(
                select(orgs.c.id).where(orgs.c.credit_code == data["credit_code"])
            ).first()
        ):
            raise ValidationError(
                {"credit_code": ["INF-1: this credit code is already registered"]}
            )
        oid = uow.conn.execute(
            insert(orgs)
            .values(
                **data,
                unit_id=unit.id,
                status="registered" if data["credit_code"] else "applying",
                coverage="none",
                coverage_reminder=False,
                created_at=uow.clock.now(),
            )
            .returning(orgs.c.id)
        ).scalar_one()
        uow.commit()
        return oid


def _party_organization_row(uow: UnitOfWork, party_organization_id: int) -> Any:
    t = PartyOrganization.__table__
    row = uow.conn.execute(select(t).where(t.c.id == party_organization_id)).mappings().first()
    if row is None:
        raise NotFound("party organization", party_organization_id)
    return row


def _organization_row(uow: UnitOfWork, organization_id: int) -> Any:
    t = Organization.__table__
    row = uow.conn.execute(select(t).where(t.c.id == organization_id)).mappings().first()
    if row is None:
        raise NotFound("organization", organization_id)
    return row


def create_party_organization(
    uow: UnitOfWork, payload: Mapping[str, Any], *, joint_limit: int = DEFAULT_JOINT_LIMIT
) -> int:
    """Record an existing Party organization; its host and the organizations it covers become
    covered (REG-7), through the one coverage writer (the joint-branch limit holds here too)."""
    data = PartyOrganizationSchema().load(dict(payload))
    t = PartyOrganization.__table__
    with uow:
        host = data["organization_id"]
        if host is not None:
            _organization_row(uow, host)
        upper_unit = data.pop("upper_unit")
        data["upper_unit_id"] = unit_by_code(uow, upper_unit).id if upper_unit else None
        covers = data.pop("covers")
        pid = uow.conn.execute(
            insert(t)
            .values(**data, approved_by=data["upper_party_org"], status="active")
            .returning(t.c.id)
        ).scalar_one()
        since = data["established_on"]
        if host is not None:
            cover(uow.conn, pid, [host], mode="host", since=since, joint_limit=joint_limit)
        if covers:
            mode = "joint" if data["kind"] == "joint_branch" else "affiliated"
            cover(uow.conn, pid, covers, mode=mode, since=since, joint_limit=joint_limit)
        uow.commit()
        return pid


def cover_organizations(
    uow: UnitOfWork,
    party_organization_id: int,
    organization_ids: list[int],
    *,
    since: date,
    joint_limit: int = DEFAULT_JOINT_LIMIT,
) -> list[int]:
    """Link existing organizations to a Party organization by hand (e.g. what migration 0007
    could not match): a joint branch's partners, or organizations affiliated to it."""
    with uow:
        po = _party_organization_row(uow, party_organization_id)
        mode = "joint" if po["kind"] == "joint_branch" else "affiliated"
        new = cover(
            uow.conn, party_organization_id, organization_ids, mode=mode, since=since,
            joint_limit=joint_limit,
        )  # fmt: skip
        uow.commit()
        return new


def create_member(
    uow: UnitOfWork, payload: Mapping[str, Any], *, joint_limit: int = DEFAULT_JOINT_LIMIT
) -> int:
    """Record a Party member; a relation inside one of our Party organizations must be active.

    A member whose employer a joint branch does not cover yet brings that employer under it:
    coverage follows, and REG-7's limit is checked (a sixth unit's member is refused)."""
    data = MemberSchema().load(dict(payload))
    t = Member.__table__
    with uow:
        _organization_row(uow, data["organization_id"])
        if data["party_organization_id"] is not None:
            po = _party_organization_row(uow, data["party_organization_id"])
            if po["status"] != "active":
                raise ValidationError(
                    {"party_organization_id": ["this Party organization has been revoked"]}
                )
            if po["kind"] == "joint_branch":
                cover(
                    uow.conn, po["id"], [data["organization_id"]], mode="joint",
                    since=local_date(uow.clock.now()), joint_limit=joint_limit,
                )  # fmt: skip
        mid = uow.conn.execute(insert(t).values(**data).returning(t.c.id)).scalar_one()
        uow.commit()
        return mid


def deregister_organization(
    uow: UnitOfWork,
    definitions: Definitions,
    organization_id: int,
    *,
    actor: Actor,
    on: date | None = None,
) -> None:
    """The registration authority completes a deregistration (注销登记).

    It waits while a case whose definition holds "deregistration" is open (TRF-4: the upper
    Party organization must first decide; the P2 definition declares the hold), and it cannot
    leave an active Party organization behind (TRF-3/TRF-4: its members would be left without a
    destination). Generic: the engine asks the definitions, it names no procedure.
    """
    orgs, po = Organization.__table__, PartyOrganization.__table__
    with uow:
        org = _organization_row(uow, organization_id)
        unit_path = uow.conn.execute(
            select(Unit.__table__.c.path).where(Unit.__table__.c.id == org["unit_id"])
        ).scalar_one()
        if not actor.can_see(unit_path):
            raise Forbidden("the organization belongs to another unit")
        if actor.role not in ("caseworker", "supervisor", "admin"):
            raise Forbidden("only the registration authority deregisters")
        if org["status"] == "deregistered":
            raise ValidationError({"organization_id": ["already deregistered"]})
        cases = Case.__table__
        for c in uow.conn.execute(
            select(cases.c.id, cases.c.procedure, cases.c.definition_version)
            .where(cases.c.organization_id == organization_id, cases.c.status == "open")
            .order_by(cases.c.id)
        ):
            hold = definitions.get(c.procedure, c.definition_version).holds_operation(
                "deregistration"
            )
            if hold is not None:
                raise TransitionRefused(
                    Refusal(
                        hold.rule,
                        zh=f"{hold.zh}（案件 #{c.id}）",
                        en=f"{hold.en} (case #{c.id})",
                        details={"case_id": c.id},
                    )
                )
        active = uow.conn.execute(
            select(po.c.id, po.c.name).where(
                po.c.organization_id == organization_id, po.c.status == "active"
            )
        ).first()
        if active is not None:
            raise TransitionRefused(
                Refusal(
                    "TRF-4",
                    zh=f"该社会组织的党组织“{active.name}”尚未撤销：须先向上级党组织报告，"
                    "由其转移党员组织关系并作出撤销决定，才能注销登记",
                    en=f"Its Party organization '{active.name}' is still active: it must report "
                    "to the upper Party organization, which transfers the members and revokes "
                    "it, before the deregistration can complete",
                    details={"party_organization_id": active.id},
                )
            )
        today = local_date(uow.clock.now())
        day = on or today
        if day > today:
            raise ValidationError({"on": [f"TRF-1: a date after today ({today}) / 不能晚于今天"]})
        if org["registered_on"] is not None and day < org["registered_on"]:
            raise ValidationError(
                {"on": [f"before the registration ({org['registered_on']}) / 早于登记日期"]}
            )
        uow.conn.execute(
            update(orgs)
            .where(orgs.c.id == organization_id)
            .values(status="deregistered", coverage_reminder=False, deregistered_on=day)
        )
        uow.conn.execute(
            update(cover_t)
            .where(cover_t.c.organization_id == organization_id, cover_t.c.until.is_(None))
            .values(until=day)
        )
        uow.commit()
