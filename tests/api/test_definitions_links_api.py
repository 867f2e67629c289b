"""The API shows what issue 13 added to a definition: waiting states (ACC-1), the step that
hands a case to the responsible unit (REG-6) and the reactions between procedures."""

from __future__ import annotations


def test_acc1_the_api_marks_waiting_states(api):
    body = api.get("/api/v1/definitions/secretary").get_json()
    waiting = {s["id"] for s in body["states"] if s["waiting"]}
    assert "in_office" in waiting
    assert "vacancy" not in waiting


def test_the_api_lists_hand_overs_and_reactions_as_the_files_declare_them(api, world):
    for d in world.rt.definitions.latest():
        body = api.get(f"/api/v1/definitions/{d.procedure}").get_json()
        assert [t["hand_over"] for t in body["transitions"]] == [t.hand_over for t in d.transitions]
        assert [(r["do"], r["procedure"], r["trigger"]) for r in body["reactions"]] == [
            (r.do, r.procedure, r.trigger) for r in d.reactions
        ]
