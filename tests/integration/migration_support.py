"""A decoupling version N+1 for the migration tests, and many running cases built in bulk.

The next version is derived from the newest shipped one (so shipping a decoupling v4 one day
does not break the tests): it renames `leadership` to `stating_leadership`, adds a step
(`verify_transfer`, through a new state `verifying_transfer` with its own deadline), renames
a deadline (`party_org_transfer` → `org_transfer`), shortens another (`archives_handover`:
45 days) and counts the leadership relation from the verification instead of the handover.

Cases: one template per state is driven through the real services (so data and deadline rows
are what the engine writes), then copied in bulk (`engine.store.bulk`) — 1,000 cases in a
second instead of thousands of steps.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from engine.config import Config
from engine.definitions.loader import DEFAULT_DIR
from engine.definitions.sync import sync_definitions
from engine.directory import service as directory
from engine.store.bulk import insert_returning_ids, insert_rows
from engine.store.tables import Case, Deadline, Organization
from tests.world import sample
from web.runtime import build_runtime

PROCEDURE = "decoupling"
ORIGINAL = "南关区商务局机关党委"
RECEIVING = "长春市社会组织综合党委"
LABEL = {"zh": "核验党组织移转", "en": "Verify the transfer of the Party organization"}
LETTER = {
    "id": "transfer_letter",
    "label": {"zh": "党组织关系移交函", "en": "Transfer letter"},
    "rule": "DEC-1",
    "required": True,
}
ESCALATION = [
    {"to": "assignee", "after": "P0D"},
    {"to": "unit_supervisor", "after": "P7D"},
]


def newest_version(folder: Path) -> int:
    return max(
        int(p.name.split(".v")[1].split(".")[0]) for p in folder.glob(f"{PROCEDURE}.v*.y*ml")
    )


def _rename_state(doc: dict[str, Any], old: str, new: str) -> None:
    for s in doc["states"]:
        if s["id"] == old:
            s["id"] = new
    for t in doc["transitions"]:
        t["sources"] = [new if s == old else s for s in t["sources"]]
        if t["dest"] == old:
            t["dest"] = new


def next_version_doc(
    base: dict[str, Any], *, material: bool = False, guard: str | None = None
) -> dict[str, Any]:
    """v(N+1) of decoupling, as described in the module docstring; `material`: the transfer
    requires a transfer letter (so does entering `verifying_transfer`); `guard`: a guard on
    `verify_transfer` (one the test registers). The base's own materials (v4: DEC-1's
    hand-over list) are left out: the bulk copies of the templates are rows without their
    documents, and the documents a migration asks for are the variant's."""
    doc = yaml.safe_load(yaml.safe_dump(base))
    doc["version"] = base["version"] + 1
    for t in doc["transitions"]:
        t.pop("materials", None)
    _rename_state(doc, "leadership", "stating_leadership")
    at = next(i for i, s in enumerate(doc["states"]) if s["id"] == "stating_leadership")
    doc["states"].insert(at, {"id": "verifying_transfer", "label": LABEL})
    for t in doc["transitions"]:
        if t["trigger"] == "transfer_party_org":
            t["dest"] = "verifying_transfer"
            if material:
                t["materials"] = [LETTER]
        if t["trigger"] == "withdraw":
            t["sources"].append("verifying_transfer")
    doc["transitions"].insert(
        3,
        {
            "trigger": "verify_transfer",
            "sources": ["verifying_transfer"],
            "dest": "stating_leadership",
            "label": LABEL,
            "roles": ["supervisor"],
            "guards": [guard] if guard else [],
            "rules": ["DEC-1"],
        },
    )
    for d in doc["deadlines"]:
        if d["id"] == "party_org_transfer":
            d["id"] = "org_transfer"
        if d["id"] == "archives_handover":
            d["period"] = "P45D"
        if d["id"] == "leadership_relation":
            d["opens_on"] = ["verify_transfer"]
            d["anchor"] = "event"
    doc["deadlines"].append(
        {
            "id": "transfer_check",
            "label": {"zh": "移转后15日内核验", "en": "Verify within 15 days of the transfer"},
            "rule": "DEC-1",
            "period": "P15D",
            "opens_on": ["transfer_party_org"],
            "anchor": "data.transfer.transferred_on",
            "closes_on": ["verify_transfer"],
            "escalation": ESCALATION,
        }
    )
    return doc


def definitions_folder(tmp_path: Path) -> Path:
    """A copy of the shipped definitions (cases open on the newest decoupling there)."""
    folder = tmp_path / "definitions"
    shutil.copytree(DEFAULT_DIR, folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return folder


def add_next_version(folder: Path, **variant: Any) -> tuple[int, int]:
    """Write decoupling v(N+1) into the folder: (N, N+1)."""
    n = newest_version(folder)
    base = yaml.safe_load((folder / f"{PROCEDURE}.v{n}.yaml").read_text(encoding="utf-8"))
    (folder / f"{PROCEDURE}.v{n + 1}.yaml").write_text(
        yaml.safe_dump(next_version_doc(base, **variant), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return n, n + 1


def load_next_version(
    w: Any, db_url: str, folder: Path, *, registry: Any = None, **variant: Any
) -> tuple[int, int]:
    """Ship decoupling v(N+1) to a running world: the file, a new runtime, the sync that
    records it (as a restart after a deployment would): (N, N+1)."""
    n, m = add_next_version(folder, **variant)
    cfg = Config(database_url=db_url, scheduler=False, testing=True, definitions_dir=folder)
    w.rt.engine.dispose()
    w.rt = build_runtime(cfg, clock=w.clock, registry=registry)
    sync_definitions(w.rt.uow(), w.rt.definitions)
    return n, m


def plan_text(n: int, *, states: dict[str, str] | None = None, **extra: Any) -> str:
    states = states or {
        "handing_over": "handing_over",
        "transferring": "transferring",
        "leadership": "verifying_transfer",
        "monitoring": "monitoring",
    }
    return yaml.safe_dump(
        {
            "procedure": PROCEDURE,
            "from": n,
            "to": n + 1,
            "reason": f"第{n + 1}版增加移转核验 / v{n + 1} verifies the transfer",
            "states": states,
            "data": {"defaults": {"verification": {"required": True}}},
            "deadlines": {"rename": {"party_org_transfer": "org_transfer"}},
        }
        | extra,
        allow_unicode=True,
    )


def _receipts(*items: str, on: str = "2026-02-12") -> dict[str, Any]:
    return {
        "items": [
            {"item": i, "handed_over_by": "刘敏", "received_by": "陈刚", "received_on": on}
            for i in items
        ]
    }


def templates(w: Any) -> dict[str, int]:
    """One case per state of the source version, driven through the services: state -> id."""

    def start(i: int) -> tuple[int, int]:
        key = f"association{i}"
        org = w.orgs[key] = directory.create_organization(
            w.uow(),
            {
                "name": f"南关区第{i}行业协会",
                "org_type": "social_group",
                "category": "industry_association",
                "unit": "cc-ng",
                "district": "南关区",
            },
        )
        po = directory.create_party_organization(
            w.uow(),
            {
                "organization_id": org,
                "name": f"长春市南关区物流行业协会第{i}党支部",
                "kind": "branch",
                "upper_party_org": ORIGINAL,
                "established_on": "2021-06-01",
            },
        )
        member = directory.create_member(
            w.uow(),
            {
                "organization_id": org,
                "name": f"张伟{i}",
                "status": "full",
                "party_organization_id": po,
            },
        )
        return member, w.open(
            key,
            PROCEDURE,
            {
                "party_organization_id": po,
                "original_supervisory_party_org": ORIGINAL,
                "receiving_party_org": RECEIVING,
                "decoupling_approved_on": "2026-01-15",
                "archive_items": ["党组织成立批复", "党员花名册"],
            },
        )

    def steps(member: int) -> list[tuple[str, dict[str, Any], str]]:
        return [
            ("receive_archives", _receipts("党组织成立批复", "党员花名册"), "wang"),
            ("complete_handover", {"handover_on": "2026-02-12"}, "wang"),
            (
                "transfer_party_org",
                {"transferred_on": "2026-02-20", "member_ids": [member]},
                "wang",
            ),
            (
                "state_leadership",
                {
                    "body_kind": "comprehensive_committee",
                    "body_name": RECEIVING,
                    "stated_on": "2026-02-25",
                },
                "wang",
            ),
            (
                "record_meeting",
                {"held_on": "2026-02-28", "kind": "party_members_meeting", "topic": "学习"},
                "wang",
            ),
            ("confirm_normal", {"confirmed_on": "2026-03-02", "confirmed_by": "陈刚"}, "li"),
        ]

    out: dict[str, int] = {}
    stop_after = {
        "handing_over": 0,
        "transferring": 2,
        "leadership": 3,
        "monitoring": 5,
        "normal": 6,
    }
    for i, (state, n) in enumerate(stop_after.items()):
        member, cid = start(i)
        definition = w.rt.definitions.get(PROCEDURE, w.case(cid)["definition_version"])
        for trigger, payload, by in steps(member)[:n]:
            # The documents the step requires come with it (DEC-1's hand-over list, v4).
            required = {
                m.id for t in definition.transitions_named(trigger) for m in t.required_materials
            }
            uploads = [sample(m) for m in sorted(required)]
            w.fire(cid, trigger, payload, by=by, uploads=uploads)
        assert w.case(cid)["state"] == state
        out[state] = cid
    return out


def _spread(total: int, parts: list[Any]) -> Iterator[Any]:
    for i in range(total):
        yield parts[i % len(parts)]


def clone(w: Any, template_ids: list[int], total: int) -> list[int]:
    """`total` copies of the templates, round robin, spread over the world's organizations:
    the case rows and their deadline rows, in two bulk statements per table."""
    cases_t, deadlines_t, orgs_t = Case.__table__, Deadline.__table__, Organization.__table__
    with w.rt.engine.begin() as conn:
        cases = {
            r.id: r._asdict()
            for r in conn.execute(select(cases_t).where(cases_t.c.id.in_(template_ids)))
        }
        deadlines: dict[int, list[dict[str, Any]]] = {i: [] for i in template_ids}
        for r in conn.execute(select(deadlines_t).where(deadlines_t.c.case_id.in_(template_ids))):
            deadlines[r.case_id].append(r._asdict())
        units = dict(conn.execute(select(orgs_t.c.id, orgs_t.c.unit_id)).all())
        orgs = sorted(w.orgs.values())
        sources = list(_spread(total, template_ids))
        rows = []
        for i, src in enumerate(sources):
            row = {k: v for k, v in cases[src].items() if k != "id"}
            org = orgs[i % len(orgs)]
            rows.append({**row, "organization_id": org, "unit_id": units[org]})
        ids = insert_returning_ids(conn, cases_t, rows)
        copies = [
            {
                **{k: v for k, v in d.items() if k not in ("id", "case_id")},
                "case_id": new,
                "opened_by_event_id": None,
                "closed_by_event_id": None,
            }
            for new, src in zip(ids, sources, strict=True)
            for d in deadlines[src]
        ]
        insert_rows(conn, deadlines_t, copies)
    return ids
