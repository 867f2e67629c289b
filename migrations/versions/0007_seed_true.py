"""seed-true procedures: who covers whom, the deregistration date

Revision ID: 0007
Revises: 0002
Create Date: 2026-12-03 08:00:00

Issue 13. `party_org_coverage` records which Party organization covers which social
organization (REG-7: a joint branch's partners, an affiliated organization's host), where the
JSON list `party_organizations.covered_organizations` held names as typed. The upgrade links
every Party organization to the organization that hosts it, and each listed name to the one
organization of exactly that name; a name that matches none, or several, is not guessed: it is
printed (and kept in the JSON list, which stays readable as the record of what was typed).

`organizations.deregistered_on` is the date a deregistration took effect (TRF-1, TRF-4). Before
this revision a deregistration recorded no date anywhere, so for an organization already
deregistered it cannot be derived: it stays empty and the organization is printed.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0002"
branch_labels = None
depends_on = None


def _names(value: object) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [v for v in value or [] if isinstance(v, str)]


def upgrade() -> None:
    op.create_table(
        "party_org_coverage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_organization_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"]),
        sa.ForeignKeyConstraint(["party_organization_id"], ["party_organizations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_party_org_coverage_party_organization_id",
        "party_org_coverage",
        ["party_organization_id"],
    )
    op.create_index(
        "ix_party_org_coverage_organization_id", "party_org_coverage", ["organization_id"]
    )
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("deregistered_on", sa.Date(), nullable=True))
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    orgs = sa.table(
        "organizations",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("status", sa.String),
        sa.column("deregistered_on", sa.Date),
    )
    pos = sa.table(
        "party_organizations",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("organization_id", sa.Integer),
        sa.column("formation_mode", sa.String),
        sa.column("established_on", sa.Date),
        sa.column("covered_organizations", sa.JSON),
        sa.column("status", sa.String),
        sa.column("revoked_on", sa.Date),
    )
    cover = sa.table(
        "party_org_coverage",
        sa.column("party_organization_id", sa.Integer),
        sa.column("organization_id", sa.Integer),
        sa.column("mode", sa.String),
        sa.column("since", sa.Date),
        sa.column("until", sa.Date),
    )
    by_name: dict[str, list[int]] = {}
    for oid, name in conn.execute(sa.select(orgs.c.id, orgs.c.name)):
        by_name.setdefault(name, []).append(oid)
    rows = []
    unmatched = []
    for po in conn.execute(sa.select(pos)).mappings():
        since = po["established_on"] or sa.func.current_date()
        until = po["revoked_on"] if po["status"] == "revoked" else None
        linked = set()
        if po["organization_id"] is not None:
            linked.add(po["organization_id"])
            rows.append((po["id"], po["organization_id"], "host", since, until))
        mode = "joint" if po["formation_mode"] == "joint" else "host"
        for name in _names(po["covered_organizations"]):
            ids = by_name.get(name, [])
            if len(ids) != 1:
                unmatched.append((po["id"], po["name"], name, len(ids)))
                continue
            if ids[0] not in linked:
                linked.add(ids[0])
                rows.append((po["id"], ids[0], mode, since, until))
    for po_id, oid, mode, since, until in rows:
        conn.execute(
            sa.insert(cover).values(
                party_organization_id=po_id, organization_id=oid, mode=mode, since=since,
                until=until,
            )
        )
    for po_id, po_name, name, n in unmatched:
        print(
            f"0007: Party organization {po_id} ({po_name}) lists {name!r}, which matches "
            f"{n} organizations: not linked; link it by hand (tongbu party-org cover)"
        )
    gone = conn.execute(
        sa.select(orgs.c.id, orgs.c.name).where(orgs.c.status == "deregistered")
    ).all()
    for oid, name in gone:
        print(
            f"0007: organization {oid} ({name}) is deregistered but nothing recorded when: "
            "deregistered_on left empty (set it with tongbu org deregister --on)"
        )


def downgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("deregistered_on")
    op.drop_index("ix_party_org_coverage_organization_id", table_name="party_org_coverage")
    op.drop_index(
        "ix_party_org_coverage_party_organization_id", table_name="party_org_coverage"
    )
    op.drop_table("party_org_coverage")
