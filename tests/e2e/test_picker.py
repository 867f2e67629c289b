"""A picker fills a member field without typing a number (issue 15, Done when), in Chromium.

A caseworker opens a P4 case waiting for its nomination, types part of a name into the member
field, picks the member from the list with the keyboard, submits, and the step is done with
that member. With TONGBU_SCREENSHOTS=1 the open list is saved as docs/screenshots/picker.png.
"""

from __future__ import annotations

from tests.e2e.test_browser import _open_step, _page, _sign_in
from tests.integration.test_ui_pickers import add_people, open_post


def test_a_caseworker_picks_a_member_by_name(chromium, live, shots):
    from playwright.sync_api import expect

    world = live.world
    add_people(world)
    cid = open_post(world)
    page = _page(chromium)
    _sign_in(page, live, "wang")
    page.goto(f"{live.url}/cases/{cid}")
    step = _open_step(page, "nominate")
    step.locator("select[name=source]").select_option("head")
    picker = step.locator(".picker").first
    assert picker.locator(".pick-search").is_hidden()  # the no-JavaScript search gives way
    box = picker.locator("input.pick-input")
    box.click()
    box.press_sequentially("张")
    options = picker.locator(".pick-list li[role=option]")
    expect(options).to_have_count(1)  # the case's members narrow to 张伟
    assert "长春市南关区物流行业协会" in options.first.inner_text()
    box.press("ArrowDown")
    page.screenshot(path=str(shots / "picker.png"))
    box.press("Enter")
    assert box.input_value() == "张伟"
    assert picker.locator("select[name=member_id]").input_value() == str(world.m["张伟"])
    for name in ("conviction", "dedication", "capability", "conduct", "political_strength"):
        step.locator(f"input[name='assessment.{name}']").check()
    step.locator("input[name='assessment.mass_work']").check()
    step.locator("input[name='assessment.assessed_by']").fill("南关区自强街道党工委组织委员")
    step.locator("input[name='assessment.assessed_on']").fill("2026-03-01")
    step.locator("button.primary[type=submit]").click()
    page.wait_for_load_state()
    errs = page.locator(".field-error, .error-summary, .refusal").all_inner_texts()
    assert errs == [], errs
    assert "已提名考察" in page.locator("main").inner_text()
    case = world.case(cid)
    assert case["state"] == "nominated"
    nominated = [e for e in world.history(cid) if e["trigger"] == "nominate"]
    assert nominated[-1]["payload"]["member_id"] == world.m["张伟"]
    page.context.close()


def test_a_caseworker_picks_several_members_by_name(chromium, live, shots):
    """A list of members is chosen name by name: each pick adds a ticked box, none is typed."""
    from playwright.sync_api import expect
    from sqlalchemy import update

    from engine.directory import service as directory
    from engine.store.tables import User
    from tests.e2e.ui_support import _password_hash
    from tests.integration.test_seed_registration_v2 import member, to_routing
    from tests.world import add_responsible_units

    world = live.world
    add_responsible_units(world)
    with world.rt.uow() as u:
        u.conn.execute(update(User.__table__).values(password_hash=_password_hash()))
        u.commit()
    host = directory.create_party_organization(  # a host the responsible unit may see
        world.uow(),
        {
            "organization_id": None,
            "name": "南湖园区兴华社区党委",
            "kind": "committee",
            "upper_party_org": "南关区南湖园区党委",
            "upper_unit": "ng-nh",
            "established_on": "2020-06-01",
        },
    )
    staff = {name: member(world, "logistics", name) for name in ("赵磊", "钱芳", "孙强")}
    cid = to_routing(world, full=2)
    page = _page(chromium)
    _sign_in(page, live, "lu")
    page.goto(f"{live.url}/cases/{cid}")
    step = _open_step(page, "affiliate_to_host")
    picker = step.locator(".picker-several")
    assert picker.locator(".pick-search").is_hidden() and picker.locator(".pick-offer").is_hidden()
    box = picker.locator("input.pick-input")
    for typed, name in (("钱", "钱芳"), ("赵", "赵磊")):
        box.click()
        box.press_sequentially(typed)
        options = picker.locator(".pick-list:not([hidden]) li[role=option]")
        expect(options.first).to_contain_text(name)
        expect(options).to_have_count(1)
        box.press("ArrowDown")
        box.press("Enter")
        assert box.input_value() == ""  # ready for the next one
    chosen = picker.locator(".pick-chosen input[type=checkbox]:checked")
    expect(chosen).to_have_count(2)
    assert "钱芳" in picker.locator(".pick-chosen").inner_text()
    page.screenshot(path=str(shots / "picker-several.png"), full_page=False)
    host_box = step.locator(".picker:not(.picker-several) input.pick-input").first
    host_box.click()
    host_box.press_sequentially("兴华")
    hosts = step.locator(".picker:not(.picker-several) .pick-list:not([hidden]) li[role=option]")
    expect(hosts.first).to_contain_text("兴华社区党委")
    expect(hosts).to_have_count(1)
    host_box.press("ArrowDown")
    host_box.press("Enter")
    step.locator("input[name=affiliated_on]").fill("2026-03-02")
    step.locator("button.primary[type=submit]").click()
    page.wait_for_load_state()
    errs = page.locator(".field-error, .error-summary, .refusal").all_inner_texts()
    assert errs == [], errs
    done = [e for e in world.history(cid) if e["trigger"] == "affiliate_to_host"]
    assert done[-1]["payload"]["member_ids"] == [staff["钱芳"], staff["赵磊"]]
    assert done[-1]["payload"]["host_party_organization_id"] == host
    page.context.close()
