"""What the administrators' pages read: the unit tree, one user with their tokens and audit
trail, and the audit log (issue 15). Administrators only, like the changes (`admin`).

The user list itself is the directory's one reader (`read.list_users`, with a `UserFilter`),
and the tokens are the token store's (`tokens.list_tokens`), so every page shows the same rows
as the CLI.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engine.access import tokens
from engine.access.actor import Actor
from engine.directory.admin import audit_t, require_admin, units_t, users_t
from engine.errors import NotFound
from engine.paging import Page, in_order, read_page
from engine.store.tables import Case, Organization
from engine.store.unit_of_work import UnitOfWork

orgs_t = Organization.__table__
cases_t = Case.__table__


def unit_tree(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """Every unit, parents before children (ordered by path, then by code among siblings),
    each with its `depth`, its `children` and how many users, active users, organizations and
    open cases it holds itself. Three statements whatever the size of the tree."""
    require_admin(actor)
    with uow.reader() as r:
        rows = [dict(x) for x in r.conn.execute(select(units_t)).mappings()]
        users = {
            unit_id: (n, active)
            for unit_id, n, active in r.conn.execute(
                select(
                    users_t.c.unit_id,
                    func.count(),
                    func.count().filter(users_t.c.active.is_(True)),
                ).group_by(users_t.c.unit_id)
            )
        }
        orgs = dict(
            r.conn.execute(select(orgs_t.c.unit_id, func.count()).group_by(orgs_t.c.unit_id)).all()
        )
        open_cases = dict(
            r.conn.execute(
                select(cases_t.c.unit_id, func.count())
                .where(cases_t.c.status == "open")
                .group_by(cases_t.c.unit_id)
            ).all()
        )
    by_id: dict[int, dict[str, Any]] = {}
    for u in rows:
        n, active = users.get(u["id"], (0, 0))
        u.update(
            users=n,
            active_users=active,
            organizations=orgs.get(u["id"], 0),
            open_cases=open_cases.get(u["id"], 0),
            children=[],
            depth=u["path"].strip("/").count("/"),
        )
        by_id[u["id"]] = u
    roots = []
    for u in sorted(rows, key=lambda x: x["code"]):
        parent = by_id.get(u["parent_id"]) if u["parent_id"] is not None else None
        (parent["children"] if parent is not None else roots).append(u)
    return roots


def flatten(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tree's units in display order (parents first), e.g. for a select of parents."""
    out: list[dict[str, Any]] = []
    for u in tree:
        out.append(u)
        out.extend(flatten(u["children"]))
    return out


def user(uow: UnitOfWork, actor: Actor, user_id: int) -> dict[str, Any]:
    """One user as the admin page shows them: the list's row (role, unit, e-mail, whether
    they can sign in), their API tokens (revoked ones too) and the latest changes to them."""
    require_admin(actor)
    with uow.reader() as r:
        row = (
            r.conn.execute(
                select(
                    users_t.c.id,
                    users_t.c.username,
                    users_t.c.display_name,
                    users_t.c.role,
                    users_t.c.email,
                    users_t.c.active,
                    users_t.c.unit_id,
                    users_t.c.password_hash.is_not(None).label("has_password"),
                    units_t.c.code.label("unit_code"),
                    units_t.c.name_zh.label("unit_zh"),
                    units_t.c.name_en.label("unit_en"),
                )
                .join(units_t, units_t.c.id == users_t.c.unit_id)
                .where(users_t.c.id == user_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("user", user_id)
        out = dict(row)
        out["audit"] = _audit_rows(
            r,
            list(
                r.conn.execute(
                    select(audit_t.c.id)
                    .where(audit_t.c.target_kind == "user", audit_t.c.target_id == user_id)
                    .order_by(audit_t.c.id.desc())
                    .limit(50)
                ).scalars()
            ),
        )
    out["tokens"] = tokens.list_tokens(uow, out["username"])
    return out


AUDIT_KINDS = ("user", "unit", "api_token")


def audit_log(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """The administrators' audit trail, newest first, optionally of one kind of record."""
    require_admin(actor)
    with uow.reader() as r:
        ids = select(audit_t.c.id).order_by(audit_t.c.id.desc())
        if kind is not None:
            ids = ids.where(audit_t.c.target_kind == kind)
        return read_page(
            r.conn, ids, lambda page_ids: _audit_rows(r, page_ids), page=page, per_page=per_page
        )


def _audit_rows(r: UnitOfWork, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    q = (
        select(audit_t, users_t.c.username.label("actor_username"))
        .outerjoin(users_t, users_t.c.id == audit_t.c.actor_id)
        .where(audit_t.c.id.in_(ids))
    )
    return in_order(ids, r.conn.execute(q).mappings())
