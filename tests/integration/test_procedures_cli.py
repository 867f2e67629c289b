"""P2, P3 and P4 driven from start to each of their ends with `tongbu …` only, on a fresh
database (SQLite, and PostgreSQL where it runs). Every refusal names its rule and exits 3.

Units, users and organizations come from tests.world (P1's ground); Party organizations and
members are recorded with `tongbu party-org add` / `tongbu member add`, every step is a
`tongbu case open|fire|actions|show` call, and the documents a step requires (TRF-4's decision,
DEC-1's hand-over list) go into the case file with `tongbu case attach`, the demo's samples.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.world import make_world
from web.cli.base import Ctx
from web.cli.core import main

UPPER = "南关区自强街道党工委"
WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
DECISION = WORKFLOWS / "adjustment" / "demo_files" / "decision_revocation.pdf"
HANDOVER_LIST = WORKFLOWS / "decoupling" / "demo_files" / "archives_handover_list.pdf"
ASSESSED = {
    **dict.fromkeys(
        ("conviction", "dedication", "capability", "conduct", "political_strength", "mass_work"),
        True,
    ),
    "assessed_by": "南关区自强街道党工委组织委员",
    "assessed_on": "2026-03-01",
}


class Shell:
    def __init__(self, world) -> None:
        self.world = world
        self.ctx = Ctx()
        self.ctx._runtime = world.rt  # the world's runtime: fixed clock, same database
        self.runner = CliRunner()

    def __call__(self, *args: object, code: int = 0) -> str:
        result = self.runner.invoke(main, [str(a) for a in args], obj=self.ctx)
        assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}"
        return result.output

    def created(self, *args: object) -> int:
        return int(re.search(r"(\d+) (created|opened)", self(*args)).group(1))

    def fire(self, cid: int, trigger: str, data: dict | None = None, by: str = "wang", code=0):
        args = ["case", "fire", cid, trigger, "--as", by]
        if data is not None:
            args += ["--data", json.dumps(data, ensure_ascii=False)]
        return self(*args, code=code)

    def open(self, procedure: str, org: int, data: dict, code: int = 0) -> int | str:
        out = self(
            "case", "open", procedure, "--org", org, "--as", "wang",
            "--data", json.dumps(data, ensure_ascii=False), code=code,
        )  # fmt: skip
        return int(re.search(r"case (\d+) opened", out).group(1)) if code == 0 else out

    def attach(self, cid: int, path: Path, material: str, by: str = "wang") -> str:
        return self("case", "attach", cid, path, "--material", material, "--as", by)

    def state(self, cid: int) -> dict:
        return json.loads(self("case", "show", cid, "--as", "admin", "--json"))

    def party_org(self, org: int, name: str, upper: str = UPPER) -> int:
        return self.created(
            "party-org", "add", "--org", org, "--name", name, "--kind", "branch",
            "--upper-party-org", upper, "--established-on", "2024-05-10",
        )  # fmt: skip

    def member(self, org: int, po: int, name: str, role: str = "staff") -> int:
        return self.created(
            "member", "add", "--org", org, "--name", name, "--status", "full",
            "--role", role, "--party-org", po,
        )  # fmt: skip


@pytest.fixture
def tongbu(db_url, clock):
    return Shell(make_world(db_url, clock))


def report(po: int, kind: str) -> dict:
    return {
        "party_organization_id": po,
        "change_kind": kind,
        "change_on": "2026-02-20",
        "reported_on": "2026-02-25",
        "reported_to": UPPER,
        "summary": "社会组织变更，党组织向上级报告",
    }


RECEIVING = {
    "assigned_person": "赵磊",
    "assigned_on": "2026-03-01",
    "receiving_party_orgs": [{"name": "南关区人才中心党委", "contacted_on": "2026-02-28"}],
}


def transfer(mid: int) -> dict:
    return {
        "member_id": mid,
        "kind": "transfer",
        "to_party_org": "南关区人才中心党委",
        "transferred_on": "2026-03-01",
    }


def revoke(sh: Shell, org: int, po: int, members: list[int]) -> int:
    """P2 for a deregistration, from the report to the revocation."""
    cid = sh.open("adjustment", org, report(po, "deregistration"))
    sh.fire(cid, "accept_report")
    sh.fire(cid, "assign_receiving", RECEIVING)
    sh.fire(cid, "record_destinations", {"destinations": [transfer(m) for m in members]})
    sh.fire(cid, "complete_transfers", {"completed_on": "2026-03-02"})
    decision = {"decided_on": "2026-03-02", "decision_no": "南自党〔2026〕3号", "reason": "注销"}
    sh.attach(cid, DECISION, "party_decision", by="li")
    assert "→ revoked" in sh.fire(cid, "decide_revocation", decision, by="li")
    return cid


def test_p2_by_cli_to_revoked_changed_and_withdrawn(tongbu):
    sh, orgs = tongbu, tongbu.world.orgs
    # revoked, releasing the deregistration
    org = orgs["logistics"]
    po = sh.party_org(org, "物流行业协会党支部")
    members = [sh.member(org, po, n) for n in ("张伟", "刘洋")]
    cid = sh.open("adjustment", org, report(po, "deregistration"))
    sh.fire(cid, "accept_report")
    sh.fire(cid, "assign_receiving", RECEIVING)
    sh.fire(cid, "record_destinations", {"destinations": [transfer(members[0])]})
    actions = sh("case", "actions", cid, "--as", "wang")
    assert "[TRF-3]" in actions and "刘洋" in actions
    out = sh.fire(cid, "complete_transfers", {"completed_on": "2026-03-02"}, code=3)
    assert "TRF-3" in out
    out = sh("org", "deregister", org, "--as", "wang", code=3)
    assert "TRF-4" in out and f"#{cid}" in out
    sh.fire(cid, "record_destinations", {"destinations": [transfer(members[1])]})
    sh.fire(cid, "complete_transfers", {"completed_on": "2026-03-02"})
    decision = {"decided_on": "2026-03-02", "decision_no": "南自党〔2026〕3号", "reason": "注销"}
    change = {"decided_on": "2026-03-02", "decision_no": "南自党〔2026〕4号"}
    out = sh.fire(cid, "decide_change", change, by="li", code=3)
    assert "TRF-4" in out and "上级党组织的决定" in out  # the decision is not in the file yet
    assert "document" in sh.attach(cid, DECISION, "party_decision", by="li")
    out = sh.fire(cid, "decide_change", change, by="li", code=3)
    assert "TRF-4" in out and "上级党组织的决定" not in out  # a deregistration is not a change
    assert "→ revoked" in sh.fire(cid, "decide_revocation", decision, by="li")
    assert "deregistered" in sh("org", "deregister", org, "--as", "wang")
    assert "revoked" in sh("party-org", "list", "--status", "all")
    assert "南关区人才中心党委" in sh("member", "list", "--org", org)

    # changed: a merger where everybody stays in the adjusted Party organization
    org = orgs["health"]
    po = sh.party_org(org, "健康养生促进会党支部")
    stay = [sh.member(org, po, n) for n in ("陈静", "李娜")]
    cid = sh.open("adjustment", org, report(po, "merger"))
    sh.fire(cid, "accept_report")
    sh.fire(cid, "assign_receiving", RECEIVING)
    sh.fire(
        cid,
        "record_destinations",
        {"destinations": [{"member_id": m, "kind": "remain"} for m in stay]},
    )
    sh.fire(cid, "complete_transfers", {"completed_on": "2026-03-02"})
    sh.attach(cid, DECISION, "party_decision", by="li")
    out = sh.fire(cid, "decide_revocation", decision, by="li", code=3)
    assert "TRF-3" in out
    change = {"decided_on": "2026-03-02", "decision_no": "4号", "new_name": "健康促进联合会党支部"}
    assert "→ changed" in sh.fire(cid, "decide_change", change, by="li")
    assert "健康促进联合会党支部" in sh("party-org", "show", po)

    # withdrawn
    org = orgs["community"]
    po = sh.party_org(org, "邻里互助服务中心党支部")
    cid = sh.open("adjustment", org, report(po, "split"))
    sh.fire(cid, "accept_report")
    assert "→ withdrawn" in sh.fire(cid, "withdraw", {"reason": "分立方案撤回"}, by="li")
    assert sh.state(cid)["status"] == "closed"


def test_p3_by_cli_to_normal_and_withdrawn(tongbu):
    sh, orgs = tongbu, tongbu.world.orgs
    original, receiving = "南关区商务局机关党委", "长春市社会组织综合党委"
    start = {
        "original_supervisory_party_org": original,
        "receiving_party_org": receiving,
        "decoupling_approved_on": "2026-01-15",
        "archive_items": ["党组织成立批复", "党员花名册"],
    }
    org = orgs["logistics"]
    po = sh.party_org(org, "物流行业协会党支部", upper=original)
    m = sh.member(org, po, "张伟")
    cid = sh.open("decoupling", org, {**start, "party_organization_id": po})
    out = sh.fire(cid, "complete_handover", {"handover_on": "2026-02-12"}, code=3)
    assert "DEC-1" in out and "党建档案移交清单" in out  # the signed list is not in the file
    sh.attach(cid, HANDOVER_LIST, "archives_handover_list")
    out = sh.fire(cid, "complete_handover", {"handover_on": "2026-02-12"}, code=3)
    assert "DEC-1" in out and "党员花名册" in out
    items = [
        {"item": i, "handed_over_by": "刘敏", "received_by": "陈刚", "received_on": "2026-02-12"}
        for i in start["archive_items"]
    ]
    sh.fire(cid, "receive_archives", {"items": items})
    sh.fire(cid, "complete_handover", {"handover_on": "2026-02-12"})
    sh.fire(cid, "transfer_party_org", {"transferred_on": "2026-02-20", "member_ids": [m]})
    leadership = {
        "body_kind": "industry_committee",
        "body_name": "物流行业党委",
        "stated_on": "2026-02-25",
    }
    assert "DEC-4" in sh.fire(cid, "state_leadership", leadership, code=3)
    sh.fire(
        cid,
        "state_leadership",
        {"body_kind": "comprehensive_committee", "body_name": receiving, "stated_on": "2026-02-25"},
    )
    assert "DEC-3" in sh.fire(
        cid,
        "confirm_normal",
        {"confirmed_on": "2026-03-02", "confirmed_by": "陈刚"},
        by="li",
        code=3,
    )
    sh.fire(
        cid, "record_meeting", {"held_on": "2026-02-27", "kind": "theme_day", "topic": "主题党日"}
    )
    assert "→ normal" in sh.fire(
        cid, "confirm_normal", {"confirmed_on": "2026-03-02", "confirmed_by": "陈刚"}, by="li"
    )
    shown = sh("party-org", "show", po)
    assert receiving in shown and "主题党日" in shown

    org = orgs["health"]
    po = sh.party_org(org, "健康养生促进会党支部", upper=original)
    cid = sh.open("decoupling", org, {**start, "party_organization_id": po})
    assert "→ withdrawn" in sh.fire(cid, "withdraw", {"reason": "脱钩暂缓"}, by="li")


def test_p4_by_cli_to_closed_and_withdrawn(tongbu):
    sh, orgs = tongbu, tongbu.world.orgs
    org = orgs["logistics"]
    po = sh.party_org(org, "物流行业协会党支部")
    head = sh.member(org, po, "张伟", role="head")
    backbone = sh.member(org, po, "陈静", role="backbone")
    cid = sh.open("secretary", org, {"party_organization_id": po, "vacancy": "new_organization"})
    out = sh.fire(
        cid,
        "nominate",
        {"source": "backbone", "member_id": backbone, "assessment": ASSESSED},
        code=3,
    )
    assert "SEC-2" in out and "张伟" in out
    out = sh.fire(
        cid,
        "nominate",
        {"source": "head", "member_id": head, "assessment": {**ASSESSED, "conduct": False}},
        code=3,
    )
    assert "SEC-1" in out
    sh.fire(cid, "nominate", {"source": "head", "member_id": head, "assessment": ASSESSED})
    sh.fire(
        cid,
        "elect",
        {"elected_on": "2026-03-01", "eligible_voters": 2, "votes_cast": 2, "votes_for": 2},
    )
    approval = {
        "approved_by": UPPER,
        "approved_on": "2026-03-02",
        "approval_no": "南自党〔2026〕5号",
        "stipend_yuan_per_month": 150,
        "stipend_paid_by": "party_funds",
    }
    assert "SEC-6" in sh.fire(cid, "approve", approval, by="li", code=3)
    assert "SEC-3" in sh.fire(
        cid,
        "approve",
        {**approval, "approved_by": "别的党委", "stipend_yuan_per_month": 300},
        by="li",
        code=3,
    )
    assert "→ in_office" in sh.fire(
        cid, "approve", {**approval, "stipend_yuan_per_month": 300}, by="li"
    )
    deadlines = {d["key"]: d["due_date"] for d in sh.state(cid)["deadlines"]}
    assert deadlines == {
        "fill_vacancy": "2026-06-02",  # SEC-8: opened with the case (v2), met by the approval
        "annual_report": "2027-03-02",
        "term_renewal": "2029-03-01",
    }
    sh.fire(
        cid,
        "file_annual_report",
        {
            "reported_on": "2026-03-02",
            "reported_to": UPPER,
            "members_present": 2,
            "evaluation": "excellent",
            "summary": "述职",
        },
    )
    assert "书记 张伟" in sh("party-org", "show", po)
    assert "TRF-4" in sh.fire(
        cid, "close_post", {"closed_on": "2026-03-02", "reason": "注销"}, by="li", code=3
    )
    revoke(sh, org, po, [head, backbone])  # adjustment v3: the revocation closes the post
    closed = sh.state(cid)
    assert (closed["state"], closed["status"]) == ("closed", "closed")

    org = orgs["health"]
    po = sh.party_org(org, "健康养生促进会党支部")
    cid = sh.open("secretary", org, {"party_organization_id": po, "vacancy": "new_organization"})
    assert "→ withdrawn" in sh.fire(cid, "withdraw", {"reason": "误开"}, by="li")


def test_procedure_inputs_are_validated_with_field_and_rule(tongbu):
    sh, org = tongbu, tongbu.world.orgs["logistics"]
    po = sh.party_org(org, "物流行业协会党支部")
    out = sh.open(
        "secretary", org, {"party_organization_id": po, "vacancy": "position_change"}, code=2
    )
    assert "position_change" in out and "SEC-8" in out
    cid = sh.open("adjustment", org, report(po, "merger"))
    sh.fire(cid, "accept_report")
    out = sh.fire(
        cid, "assign_receiving", {"assigned_on": "2026-03-01", "receiving_party_orgs": []}, code=2
    )
    assert "assigned_person" in out and "TRF-2" in out
    assert "TRF-5" in sh("parameters") and "地方默认值" in sh("parameters")
