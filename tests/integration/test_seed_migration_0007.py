"""Migration 0007 on a database that holds data from before it (SQLite and PostgreSQL):
coverage links are derived where the data says who is covered, and what cannot be derived — a
name that matches no organization or several, a deregistration with no recorded day — is
printed, not invented (issue 13, "Done when")."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import insert, select, text

from engine.store.db import make_engine
from engine.store.migrate import alembic_config, upgrade
from engine.store.tables import Organization, PartyOrganization, PartyOrgCoverage, Unit

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _org(conn, unit: int, name: str, status: str = "registered") -> int:
    return conn.execute(
        insert(Organization.__table__)
        .values(
            name=name, org_type="social_group", category="charity", unit_id=unit, status=status,
            coverage="none", created_at=NOW,
        )
        .returning(Organization.__table__.c.id)
    ).scalar_one()  # fmt: skip


def test_reg7_migration_0007_links_what_the_names_say_and_reports_the_rest(db_url, capsys):
    command.downgrade(alembic_config(db_url), "0007-1")
    eng = make_engine(db_url)
    units_t = Unit.__table__
    try:
        with eng.begin() as conn:
            unit = conn.execute(
                insert(units_t)
                .values(code="u", name_zh="单位", name_en="Unit", kind="registration_authority",
                        path="/1/")
                .returning(units_t.c.id)
            ).scalar_one()  # fmt: skip
            host = _org(conn, unit, "甲协会")
            partner = _org(conn, unit, "乙协会")
            _org(conn, unit, "同名协会")
            _org(conn, unit, "同名协会")
            gone = _org(conn, unit, "已注销协会", status="deregistered")
            po = conn.execute(
                insert(PartyOrganization.__table__)
                .values(
                    name="甲乙联合党支部", kind="joint_branch", formation_mode="joint",
                    organization_id=host, established_on=datetime(2024, 5, 1).date(),
                    covered_organizations=["甲协会", "乙协会", "同名协会", "无此协会"],
                    status="active",
                )
                .returning(PartyOrganization.__table__.c.id)
            ).scalar_one()  # fmt: skip
        upgrade(db_url)
        out = capsys.readouterr().out
        cover_t = PartyOrgCoverage.__table__
        with eng.connect() as conn:
            links = conn.execute(
                select(cover_t.c.organization_id, cover_t.c.mode)
                .where(cover_t.c.party_organization_id == po)
                .order_by(cover_t.c.id)
            ).all()
            deregistered_on = conn.execute(
                text("SELECT deregistered_on FROM organizations WHERE id = :i"), {"i": gone}
            ).scalar()
    finally:
        eng.dispose()
    assert [tuple(x) for x in links] == [(host, "host"), (partner, "joint")]
    assert "'同名协会', which matches 2 organizations" in out
    assert "'无此协会', which matches 0 organizations" in out
    assert deregistered_on is None
    assert f"organization {gone} (已注销协会) is deregistered but nothing recorded when" in out
