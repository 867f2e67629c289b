"""What a new user met (issue 18, item 5), on SQLite and PostgreSQL where a page is involved.

* Messages of the engine and the procedures in the page's language: the credit code, REG-2's
  consistency, who may see and do what (Forbidden), werkzeug's own error pages, a bad query —
  and every message the engine and the shipped procedures write has its Chinese.
* A stale form whose step is gone lists what the user typed by the form's labels and readable
  values, not input names and raw values; the changes since show their input labelled.
* Lists filtered by a unit or an organization name it, not "单位 #4".
* The CLI prints times in Asia/Shanghai and says so.

The case list's provisional flag (item 5's first bug) is tested in test_case_lists.py; the
README's examples in test_readme_examples.py; the case sidebar in tests/e2e.
"""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask_babel import Babel, force_locale

from tests.e2e.ui_support import (
    app_for,
    csrf_token,
    fire_form,
    login,
    snapshot,
    ui_world,
)
from tests.integration.test_escalation import registered_cases
from tests.world import CHARTER_OK, P1_DOCUMENTS, survey
from web.cli import main
from web.cli.base import Ctx
from web.messages import NOUNS, translate_message

REPO = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def world(db_url, clock):
    return ui_world(db_url, clock)


def client(world, username: str, lang: str = "zh"):
    c = app_for(world).test_client()
    login(c, username)
    c.get(f"/lang/{lang}")
    return c


def page_text(resp) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", resp.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def field_errors(resp) -> str:
    html = resp.get_data(as_text=True)
    found = re.findall(r'<div class="field-error"[^>]*>(.*?)</div>', html, re.S)
    text = " ".join(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", x)) for x in found)
    return text.replace("&#39;", "'")


def at_registration_review(world) -> int:
    cid = world.open("logistics")
    world.attach(cid, *P1_DOCUMENTS)
    world.fire(cid, "record_documents", {"member_survey": survey(4)})
    world.fire(cid, "accept")
    world.fire(cid, "approve_charter", CHARTER_OK)
    return cid


# ---------------------------------------------------------------- messages in the page's language


@pytest.mark.parametrize(
    ("lang", "shown", "not_shown"),
    [
        ("zh", "INF-1：不是有效的统一社会信用代码（GB 32100-2015）：校验码不正确", "not a valid"),
        (
            "en",
            "INF-1: not a valid unified social credit code (GB 32100-2015): "
            "The number's checksum or check digit is invalid.",
            "校验码",
        ),
    ],
)
def test_a_bad_credit_code_is_explained_in_the_page_language(world, lang, shown, not_shown):
    wang = client(world, "wang", lang)
    token = csrf_token(wang.get("/organizations/new").get_data(as_text=True))
    resp = wang.post(
        "/organizations/new",
        data={
            "csrf_token": token,
            "name": "南关区测试行业协会",
            "org_type": "social_group",
            "category": "industry_association",
            "unit": "cc-ng",
            "credit_code": "91110000600037341X",  # the check character should be L
        },
    )
    assert resp.status_code == 422
    assert shown in field_errors(resp) and not_shown not in field_errors(resp)


@pytest.mark.parametrize(
    ("lang", "shown"),
    [
        ("zh", "REG-2：专职工作人员中的正式党员人数不能多于正式党员人数"),
        ("en", "REG-2: full-time full members cannot exceed full members"),
    ],
)
def test_reg2_consistency_is_explained_in_the_page_language(world, lang, shown):
    cid = world.open("logistics")
    before = snapshot(world, cid)
    resp = fire_form(
        client(world, "wang", lang),
        cid,
        "record_documents",
        {"member_survey": survey(2, full_time=5)},
        version=before[1],
    )
    assert resp.status_code == 422
    assert shown in field_errors(resp)
    assert snapshot(world, cid) == before


def test_forbidden_says_why_in_chinese_and_in_english(world):
    cid = at_registration_review(world)
    cases = {
        # who, method, path: zh, en
        ("zhao", "get", f"/cases/{cid}"): (
            f"案件 {cid} 属于其他单位；您只能办理本单位及下级单位的案件",
            f"case {cid} belongs to another unit; you can act only on your unit and below",
        ),
        ("wang", "get", "/dashboard"): (
            "问责报表（ACC-1）和督办看板仅供督办人和管理员使用",
            "the accountability report (ACC-1) and the dashboard are for supervisors",
        ),
        ("zhao", "get", f"/organizations/{world.orgs['logistics']}"): (
            f"社会组织 {world.orgs['logistics']} 属于其他单位；您只能查看本单位及下级单位的信息",
            f"organization {world.orgs['logistics']} belongs to another unit",
        ),
        ("li", "get", f"/accountability/open?unit={world.actors['zhao'].unit_id}"): (
            "单位 朝阳区民政局 不在您的单位范围内；您只能查看本单位及下级单位",
            "unit Chaoyang District Civil Affairs is outside your unit",
        ),
        ("wang", "post", f"/cases/{cid}/steps/reject"): (
            "步骤“不予登记”须由以下角色办理：督办人；您的角色是经办人",
            "step “Refuse registration” needs one of the roles Supervisor; you are Caseworker",
        ),
        ("wang", "post", f"/cases/{cid}/hand-over"): (
            "只有主管可以移交案件",
            "only a supervisor hands a case over",
        ),
    }
    for (who, method, path), (zh, en) in cases.items():
        for lang, shown, other in (("zh", zh, en), ("en", en, zh)):
            c = client(world, who, lang)
            data = None
            if method == "post":
                token = csrf_token(c.get("/cases").get_data(as_text=True))
                data = {"csrf_token": token, "_version": str(world.case(cid)["version"])}
                if path.endswith("hand-over"):
                    data.update(unit="cc-cy", reason="责任单位在朝阳区")
            resp = getattr(c, method)(path, data=data)
            text = page_text(resp)
            assert resp.status_code == 403, (who, path, lang, text[:300])
            assert shown in text, (who, path, lang, text[:600])
            assert other not in text, (who, path, lang)


def test_the_web_servers_own_error_pages_and_a_bad_query_in_chinese(world):
    wang = client(world, "wang")
    missing = page_text(wang.get("/no-such-page"))
    assert "页面不存在" in missing and "此网址没有对应的页面" in missing
    assert "Not Found" not in missing and "requested URL" not in missing
    assert "没有找到 案件 99999" in page_text(wang.get("/cases/99999"))
    bad = wang.get("/cases?view=bogus&unit=abc")
    text = page_text(bad)
    assert bad.status_code == 422
    assert "view : 必须是以下之一：open" in text and "unit : 请填写整数" in text
    assert "Must be one of" not in text and "['" not in text
    english = page_text(client(world, "wang", "en").get("/no-such-page"))
    assert "Page not found" in english and not CJK.search(english.split("Sign out")[1])


def test_a_conflict_answered_by_the_error_page_names_no_internal_state(world):
    from engine.errors import Conflict

    app = app_for(world)

    @app.get("/test-conflict")
    def _conflict():
        raise Conflict(7, 2, 3, "charter_review")

    c = app.test_client()
    login(c, "wang")
    for lang, shown in (
        ("zh", "案件 7 现在是第 3 版，而不是您看到的第 2 版"),
        ("en", "Case 7 is now at version 3, not the version 2 you saw"),
    ):
        c.get(f"/lang/{lang}")
        resp = c.get("/test-conflict")
        assert resp.status_code == 409
        assert shown in page_text(resp) and "charter_review" not in page_text(resp)


@pytest.fixture
def zh_request():
    app = Flask(__name__, root_path=str(REPO / "web"))
    Babel(app, default_locale="zh")

    def within(lang: str):
        ctx = app.test_request_context("/")
        ctx.push()
        force = force_locale(lang)
        force.__enter__()
        return ctx, force

    yield within


def test_a_message_written_in_both_languages_shows_the_page_half_with_its_rule(zh_request):
    both = [
        (
            "TRF-1: a date after today (2026-03-02) / 不能晚于今天",
            "TRF-1: 不能晚于今天（2026-03-02）",  # the value only one half names is kept
            "TRF-1: a date after today (2026-03-02)",
        ),
        ("no unit 'cc-xx' / 单位不存在", "单位不存在（cc-xx）", "no unit 'cc-xx'"),
        (
            "REG-7: 党员 #5 不是本组织的党员 / member #5 is not of this organization",
            "REG-7: 党员 #5 不是本组织的党员",
            "REG-7: member #5 is not of this organization",
        ),
        ("the case is closed / 案件已办结，不能移交", "案件已办结，不能移交", "the case is closed"),
    ]
    for message, zh, en in both:
        for lang, expected in (("zh", zh), ("en", en)):
            ctx, force = zh_request(lang)
            try:
                assert translate_message(message) == expected
            finally:
                force.__exit__(None, None, None)
                ctx.pop()


# ---------------------------------------------------------------- every message has its Chinese


def _text(node: ast.AST) -> str | None:
    """A string or f-string as a message could read (placeholders filled with samples)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            else:
                parts.append("'x'" if getattr(v, "conversion", -1) == ord("r") else "7")
        return "".join(parts)
    return None


def _messages(node: ast.AST, assigned: dict[str, list[ast.AST]]) -> Iterator[str]:
    """The messages an argument of ValidationError/Forbidden holds: a message, a list of them,
    a {field: messages} dict (or comprehension), or a name assigned one in the function."""
    text = _text(node)
    if text is not None:
        yield text
    elif isinstance(node, ast.List | ast.Tuple):
        for e in node.elts:
            yield from _messages(e, assigned)
    elif isinstance(node, ast.Dict):
        for v in node.values:
            yield from _messages(v, assigned)
    elif isinstance(node, ast.DictComp):
        yield from _messages(node.value, assigned)
    elif isinstance(node, ast.ListComp):
        yield from _messages(node.elt, assigned)
    elif isinstance(node, ast.Name):
        for value in assigned.get(node.id, []):
            yield from _messages(value, assigned)


def _name(call: ast.Call) -> str:
    return getattr(call.func, "id", getattr(call.func, "attr", ""))


def engine_and_procedure_messages() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(where, message) of every message the engine and the shipped procedures raise as
    ValidationError or Forbidden, or give as a field's error; and (where, noun) of NotFound.

    Definition files' problems (engine/definitions, for their authors) and the configuration's
    (engine/config.py, at start-up) are not shown on pages."""
    messages, nouns = [], []
    for root in ("engine", "workflows"):
        for path in sorted((REPO / root).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            if rel.startswith("engine/definitions/") or rel == "engine/config.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for fn in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
                assigned: dict[str, list[ast.AST]] = {}
                for n in ast.walk(fn):
                    if isinstance(n, ast.Assign):
                        for t in n.targets:
                            if isinstance(t, ast.Name):
                                assigned.setdefault(t.id, []).append(n.value)
                for n in ast.walk(fn):
                    if not isinstance(n, ast.Call):
                        continue
                    where = f"{rel}:{n.lineno}"
                    args: list[ast.AST] = []
                    if _name(n) in ("ValidationError", "Forbidden") and n.args:
                        args.append(n.args[0])
                    if _name(n) == "active_party_org" and len(n.args) > 2:
                        args.append(n.args[2])
                    for kw in n.keywords:
                        if kw.arg == "error":
                            args.append(kw.value)
                        elif kw.arg == "error_messages" and isinstance(kw.value, ast.Dict):
                            args.extend(kw.value.values)
                    messages += [(where, m) for a in args for m in _messages(a, assigned)]
                    if _name(n) == "NotFound" and n.args and _text(n.args[0]) is not None:
                        nouns.append((where, _text(n.args[0])))
    return sorted(set(messages)), sorted(set(nouns))


def test_every_message_of_the_engine_and_the_procedures_has_its_chinese(zh_request):
    """A message a page can show exists in both languages: written bilingual ("English /
    中文"), or with its Chinese in web/translations (web/messages.py lists it)."""
    messages, nouns = engine_and_procedure_messages()
    assert len(messages) > 60  # the reader found them
    untranslated, not_english = [], []
    for lang, bad in (("zh", untranslated), ("en", not_english)):
        ctx, force = zh_request(lang)
        try:
            for where, message in messages:
                shown = translate_message(message)
                if (lang == "zh") != bool(CJK.search(shown)):
                    bad.append(f"{where}: {message!r} -> {shown!r}")
        finally:
            force.__exit__(None, None, None)
            ctx.pop()
    assert untranslated == [], "\n".join(untranslated)
    assert not_english == [], "\n".join(not_english)
    assert [f"{w}: {n}" for w, n in nouns if n not in NOUNS] == []


# ---------------------------------------------------------------- a stale form


def test_a_stale_form_whose_step_is_gone_lists_the_input_by_its_labels(world):
    cid = world.open("logistics")
    seen = world.case(cid)["version"]
    world.fire(cid, "record_documents", {"member_survey": survey(4)})
    world.attach(cid, "commitment_letter", "member_survey")
    world.fire(cid, "accept")  # record_documents is no longer a step of the case
    for lang, survey_label, full_members in (
        ("zh", "社会组织党员情况调查表", "正式党员人数"),
        ("en", "Party-member survey", "Full members"),
    ):
        resp = fire_form(
            client(world, "wang", lang),
            cid,
            "record_documents",
            {"member_survey": survey(3)},
            version=seen,
        )
        html = resp.get_data(as_text=True)
        assert resp.status_code == 409
        typed = re.search(r'<dl class="payload typed">(.*?)</dl>', html, re.S).group(1)
        pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", typed)
        assert (f"{survey_label} › {full_members}", "3") in pairs, pairs
        assert "member_survey" not in typed and "full_members" not in typed
        changes = re.search(r'<ol class="changes">(.*?)</ol>', html, re.S).group(1)
        assert survey_label in changes  # what the other step recorded, by its labels
        assert "member_survey" not in changes


# ---------------------------------------------------------------- lists name their filters


def test_lists_filtered_by_a_unit_or_an_organization_name_it(world):
    registered_cases(world, 1)
    unit, org = world.actors["li"].unit_id, world.orgs["org0"]  # li's unit: 南关区民政局
    for lang, unit_name, org_name in (
        ("zh", "南关区民政局", "测试物流行业协会0000"),
        ("en", "Nanguan District Civil Affairs", "测试物流行业协会0000"),
    ):
        li = client(world, "li", lang)
        for path in (
            f"/cases?unit={unit}",
            f"/organizations?unit={unit}",
            f"/accountability/open?unit={unit}",
        ):
            html = li.get(path).get_data(as_text=True)
            chip = re.search(r'data-filter="unit">(.*?)(<a|</span>)', html, re.S)
            assert chip and unit_name in chip.group(1) and "#" not in chip.group(1), (path, lang)
        html = li.get(f"/cases?organization={org}").get_data(as_text=True)
        chip = re.search(r'data-filter="organization">(.*?)<a', html, re.S)
        assert chip and org_name in chip.group(1) and f"#{org}" not in chip.group(1)


# ---------------------------------------------------------------- the CLI's times


def cli(world, *args: str) -> str:
    ctx = Ctx()
    ctx._runtime = world.rt
    result = CliRunner().invoke(main, list(args), obj=ctx)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_cli_prints_times_in_shanghai_and_says_so(world):
    """The world's clock is 2026-03-02 02:00 UTC: 10:00 in Shanghai."""
    (cid,) = registered_cases(world, 1)
    shown = cli(world, "case", "show", str(cid), "--as", "wang")
    assert "history (times Asia/Shanghai):" in shown
    assert "2026-03-02 10:00" in shown and "02:00" not in shown
    stalled = cli(world, "report", "overdue", "--list", "stalled", "--now", "2026-06-01")
    assert "idle since 2026-03-02 10:00 (Asia/Shanghai)" in stalled
    cli(world, "sweep", "--now", "2026-06-01T09:30")
    notes = cli(world, "notifications", "list", "--as", "wang")
    assert "(times Asia/Shanghai)" in notes and "2026-06-01 09:30" in notes
    assert "01:30" not in notes


def test_the_schedulers_log_lines_carry_shanghai_time_and_say_so():
    from web.cli.escalation import _log_handler

    record = logging.LogRecord("tongbu", logging.INFO, __file__, 1, "sweep at …", None, None)
    record.created = datetime(2026, 3, 2, 2, 0, tzinfo=UTC).timestamp()
    line = _log_handler().format(record)
    assert line.startswith("2026-03-02 10:00:00") and " Asia/Shanghai " in line
