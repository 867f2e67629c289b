"""The administrators' pages in Chromium (issue 15 item 5): the user list and the unit tree.

The tree must read as a tree (each unit indented further than its parent) and the user list
must fit the window; a deactivation through the page signs the user out of their own browser
at their next click. With TONGBU_SCREENSHOTS=1 the pages are saved as
docs/screenshots/admin-users.png and admin-units.png.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.test_browser import _page, _sign_in

#: The left edge of each unit's name, by unit code (CSS pixels).
NAME_EDGES = """() => Object.fromEntries([...document.querySelectorAll('ul.unit-tree li')].map(
  li => [li.querySelector('.unit-row .code').textContent.trim(),
         li.querySelector('.unit-row .unit-name').getBoundingClientRect().left]))"""

#: How far the page is wider than the window (0: no horizontal scrolling).
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_the_user_list_and_the_unit_tree_read_as_they_should(chromium: Any, live: Any, shots):
    page = _page(chromium)
    _sign_in(page, live, "admin")
    page.click("header nav >> text=系统管理")
    page.wait_for_url("**/admin/users")
    rows = page.locator("table.users tbody tr")
    assert rows.count() == 5
    assert page.evaluate(OVERFLOW) == 0
    page.screenshot(path=str(shots / "admin-users.png"), full_page=True)

    page.goto(f"{live.url}/admin/units")
    edges = page.evaluate(NAME_EDGES)
    # jl-org > cc-zh > cc-mz > (cc-ng, cc-cy): each level further right, siblings aligned
    assert edges["jl-org"] < edges["cc-zh"] < edges["cc-mz"] < edges["cc-ng"]
    assert edges["cc-ng"] == edges["cc-cy"]
    assert page.evaluate(OVERFLOW) == 0
    page.screenshot(path=str(shots / "admin-units.png"), full_page=True)
    page.context.close()


def test_a_user_deactivated_on_the_page_is_signed_out_of_their_browser(chromium, live):
    zhao = _page(chromium)
    _sign_in(zhao, live, "zhao")
    assert "/cases" in zhao.url
    admin = _page(chromium)
    _sign_in(admin, live, "admin")
    admin.goto(f"{live.url}/admin/users?role=caseworker")
    admin.click("table.users >> text=zhao")
    admin.fill("#access-reason", "调离本岗位")
    admin.click("#access button[type=submit]")
    admin.wait_for_load_state()
    assert "已停用" in admin.locator(".flash").inner_text()
    zhao.click("header nav >> text=社会组织")
    zhao.wait_for_load_state()
    assert "/login" in zhao.url
    admin.context.close()
    zhao.context.close()


def test_a_password_reset_on_the_page_is_replaced_at_the_next_sign_in(chromium, live, shots):
    """The administrator types a password for 陈刚 (chen); he signs in with it, is taken to the
    account page before anything else, chooses their own and reaches the inbox."""
    admin = _page(chromium)
    _sign_in(admin, live, "admin")
    admin.goto(f"{live.url}/admin/users?role=supervisor")
    admin.click("table.users >> text=chen")
    admin.fill("#password input[name=password]", "set-by-admin-1")
    admin.fill("#password [name=reason]", "本人遗忘密码")
    admin.click("#password button[type=submit]")
    admin.wait_for_load_state()
    chen = _page(chromium)
    chen.goto(f"{live.url}/login")
    chen.fill("#username", "chen")
    chen.fill("#password", "set-by-admin-1")
    chen.click("form button[type=submit]")
    chen.wait_for_load_state()
    assert chen.url.endswith("/account/password")
    assert "您的密码由管理员设置" in chen.locator("main").inner_text()
    chen.click("header nav >> text=社会组织")  # anything else leads back here
    chen.wait_for_load_state()
    assert chen.url.endswith("/account/password")
    chen.fill("#current_password", "set-by-admin-1")
    chen.fill("#new_password", "chen-chose-this")
    chen.fill("#confirm_password", "chen-chose-thus")
    chen.click("main button[type=submit]")
    chen.wait_for_load_state()
    assert "两次输入的新密码不一致" in chen.locator("#confirm_password-err").inner_text()
    chen.screenshot(path=str(shots / "account-password.png"), full_page=True)
    chen.fill("#current_password", "set-by-admin-1")
    chen.fill("#new_password", "chen-chose-this")
    chen.fill("#confirm_password", "chen-chose-this")
    chen.click("main button[type=submit]")
    chen.wait_for_load_state()
    assert "/account/password" not in chen.url
    assert "密码已修改" in chen.locator(".flash").inner_text()
    admin.context.close()
    chen.context.close()
