"""A caseworker drives P1 from application to coverage with `tongbu case …` only; from the
responsible body on (REG-6) the case is that body's unit's, whose caseworker finishes it. The
applicant's documents (REG-1, REG-3) go into the case file with `tongbu case attach` (the
demo's sample PDFs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.world import P1_DOCUMENTS
from web.cli.core import main

SAMPLES = Path(__file__).resolve().parents[2] / "workflows" / "registration" / "demo_files"


@pytest.fixture
def tongbu(db_url, monkeypatch):
    monkeypatch.setenv("TONGBU_DATABASE_URL", db_url)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, list(args))
        assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}"
        return result.output

    return run


def test_registration_from_application_to_coverage_by_cli(tongbu):
    tongbu(
        "unit",
        "add",
        "--code",
        "ng",
        "--name-zh",
        "南关区民政局",
        "--name-en",
        "Nanguan CA",
        "--kind",
        "registration_authority",
    )
    tongbu(
        "user",
        "add",
        "--username",
        "wang",
        "--name",
        "王芳",
        "--role",
        "caseworker",
        "--unit",
        "ng",
        "--password",
        "pw-123456",
    )
    tongbu(
        "user",
        "add",
        "--username",
        "li",
        "--name",
        "李强",
        "--role",
        "supervisor",
        "--unit",
        "ng",
        "--password",
        "pw-123456",
    )
    tongbu(  # REG-6: the local Party organization the case goes to (unit 2)
        "unit",
        "add",
        "--code",
        "nh",
        "--name-zh",
        "南关区南湖园区党委",
        "--name-en",
        "Nanhu Park Party Committee",
        "--kind",
        "local_party_org",
    )
    tongbu(
        "user",
        "add",
        "--username",
        "lu",
        "--name",
        "陆伟",
        "--role",
        "caseworker",
        "--unit",
        "nh",
        "--password",
        "pw-123456",
    )
    tongbu(
        "org",
        "add",
        "--name",
        "南关区餐饮行业协会",
        "--type",
        "social_group",
        "--category",
        "industry_association",
        "--unit",
        "ng",
    )
    assert "case 1 opened" in tongbu(
        "case",
        "open",
        "registration",
        "--org",
        "1",
        "--as",
        "wang",
        "--set",
        "applied_on=2026-03-01",
        "--set",
        'founders=["张伟"]',
    )

    out = tongbu("case", "actions", "1", "--as", "wang")
    assert "✗ accept" in out and "[REG-1]" in out
    out = tongbu("case", "fire", "1", "accept", "--as", "wang", code=3)
    assert "REG-1" in out and "commitment letter" in out and "survey" in out

    out = tongbu(
        "case",
        "fire",
        "1",
        "record_documents",
        "--as",
        "wang",
        "--set",
        "member_survey.full_members=-2",
        code=2,
    )
    assert "member_survey.full_members" in out and "REG-2" in out

    steps = [
        (
            "record_documents",
            {
                "member_survey": {
                    "full_members": 3,
                    "full_time_full_members": 3,
                    "probationary_members": 0,
                    "members_elsewhere": 0,
                },
            },
            "wang",
        ),
        ("accept", {}, "wang"),
        (
            "approve_charter",
            {
                k: True
                for k in (
                    "party_status_in_general_provisions",
                    "chapter_form",
                    "chapter_duties",
                    "chapter_funding",
                    "chapter_major_matters",
                    "overall_leadership",
                    "core_values",
                )
            },
            "wang",
        ),
        (
            "register",
            {
                "registered_on": "2026-03-20",
                "credit_code": "51220102MJY1234563",
                "registration_mode": "direct",
                "necessity_checked": True,
                "representativeness_checked": True,
                "founders_vetted": True,
            },
            "li",
        ),
    ]
    for material in P1_DOCUMENTS:
        out = tongbu(
            "case", "attach", "1", str(SAMPLES / f"{material}.pdf"),
            "--material", material, "--as", "wang",
        )  # fmt: skip
        assert "attached" in out and "sha256" in out
    for trigger, payload, user in steps:
        assert f"{trigger} →" in tongbu(
            "case", "fire", "1", trigger, "--as", user, "--data", json.dumps(payload)
        )

    out = tongbu(
        "case",
        "fire",
        "1",
        "forward_documents",
        "--as",
        "wang",
        "--data",
        json.dumps(
            {
                "recipients": [
                    {
                        "kind": "industry_regulator",
                        "name": "南关区商务局",
                        "delivered_on": "2026-03-25",
                    }
                ]
            }
        ),
        code=3,
    )
    assert "REG-5" in out and "local Party organization" in out
    tongbu(
        "case",
        "fire",
        "1",
        "forward_documents",
        "--as",
        "wang",
        "--data",
        json.dumps(
            {
                "recipients": [
                    {
                        "kind": "industry_regulator",
                        "name": "南关区商务局",
                        "delivered_on": "2026-03-25",
                    },
                    {
                        "kind": "local_party_org",
                        "name": "自强街道党工委",
                        "delivered_on": "2026-03-25",
                    },
                ]
            }
        ),
    )
    out = tongbu(
        "case",
        "fire",
        "1",
        "assign_responsible_body",
        "--as",
        "wang",
        "--set",
        "kind=comprehensive_committee",
        "--set",
        "unit_id=2",
        "--set",
        "territorial_relation=true",
        code=3,
    )
    assert "REG-6" in out
    tongbu(
        "case",
        "fire",
        "1",
        "assign_responsible_body",
        "--as",
        "wang",
        "--set",
        "kind=local_party_org",
        "--set",
        "unit_id=2",
        "--set",
        "territorial_relation=true",
    )
    tongbu("case", "fire", "1", "route_standalone", "--as", "wang", code=5)  # handed over
    tongbu("case", "fire", "1", "route_standalone", "--as", "lu", "--version", "7")
    out = tongbu(
        "case",
        "fire",
        "1",
        "establish_party_org",
        "--as",
        "lu",
        "--version",
        "7",
        "--set",
        "name=x",
        code=4,
    )
    assert "conflict" in out
    out = tongbu(
        "case",
        "fire",
        "1",
        "establish_party_org",
        "--as",
        "lu",
        "--data",
        json.dumps(
            {
                "name": "南关区餐饮行业协会党支部",
                "kind": "branch",
                "approved_by": "自强街道党工委",
                "established_on": "2026-05-10",
            }
        ),
        "--comment",
        "党支部成立，上级批复已存档",
    )
    assert "→ covered" in out

    shown = tongbu("case", "show", "1", "--as", "lu")
    assert "已实现党组织覆盖" in shown and "party_org_formation" in shown and "met" in shown
    assert "党支部成立" in shown
    data = json.loads(tongbu("case", "show", "1", "--as", "lu", "--json"))
    assert data["state"] == "covered" and data["organization"]["coverage"] == "party_org"
    assert [e["trigger"] for e in data["history"]][-1] == "establish_party_org"


def test_cli_arguments_are_validated(tongbu):
    out = tongbu("case", "fire", "1", "accept", "--as", "nobody", "--data", "{not json", code=6)
    assert "nobody" in out
    from marshmallow import ValidationError

    from web.cli.base import build_payload

    with pytest.raises(ValidationError) as exc:
        build_payload("[1, 2]", ())
    assert "--data" in exc.value.messages
    with pytest.raises(ValidationError) as exc:
        build_payload(None, ("no-equals-sign",))
    assert "--set" in exc.value.messages
    assert build_payload('{"a": 1}', ("b.c=2", "d=text")) == {"a": 1, "b": {"c": 2}, "d": "text"}
