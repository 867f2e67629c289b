"""The messages the engine and the procedures write, shown in the page's language.

Three kinds of message reach a page beside a field, on an error page or in a refusal:

* marshmallow's own ("Missing data for required field.", "Must be one of: a, b.");
* messages written in both languages, either way round ("the case is closed / 案件已办结，
  不能移交", "REG-7: 党员 #3 不是本组织的党员 / member #3 is not of this organization"): the
  page's half is shown, with the rule the message starts with and any value only the other
  half names ("no unit 'cc-xx' / 单位不存在" reads "单位不存在（cc-xx）");
* messages the engine or a shipped procedure writes in English only ("REG-2: full-time full
  members cannot exceed full members", "case 4 belongs to another unit; …").

The first and the last are looked up in the catalogue (web/translations): the English text is
the message id, so an English page shows it as written and a Chinese page its translation.
Parts of a message that are codes (a role, a step, a unit number) are shown by their labels in
both languages. A message nobody knows stays as written. Procedures are best written
bilingual, so that a separately installed one needs no entry here;
`tests/integration/test_ui_bugs_issue18.py` reads the engine and the shipped procedures and
fails on a message that has no Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app, has_app_context
from flask_babel import get_locale, gettext

from engine.access.actor import SYSTEM
from engine.directory.read import units_in_scope


def N_(message: str) -> str:
    """Marks a message for the translation catalogue (`pybabel extract -k N_`)."""
    return message


def _lang() -> str:
    loc = get_locale()
    return "en" if loc is not None and loc.language == "en" else "zh"


def _pick(pair: tuple[str, str]) -> str:
    return pair[0] if _lang() == "zh" else pair[1]


# ---------------------------------------------------------------- names of things

#: What `engine.errors.NotFound` and the scope checks name, as words of the page.
NOUNS = {
    N_("case"),
    N_("organization"),
    N_("Party organization"),
    N_("party organization"),
    N_("unit"),
    N_("user"),
    N_("member"),
    N_("step"),
    N_("procedure"),
    N_("definition"),
    N_("deadline definition"),
    N_("notification"),
    N_("API token"),
    N_("document"),
    N_("campaign"),
    N_("instructor"),
    N_("abnormal list entry"),
}


def noun(what: str) -> str:
    """A thing the engine names ("case", "party organization") in the page's language."""
    return gettext(what) if what in NOUNS else what


def _named_record(text: str) -> str:
    """A record ("member 12") as the page says it ("党员 12"); anything else as written."""
    head, _, number = text.rpartition(" ")
    if head in NOUNS and number.isdigit():
        return f"{gettext(head)} {number}"
    return noun(text)


def _role(code: str) -> str:
    from web.ui.labels import choice_label  # the UI's words; imported late: web.ui imports us

    return _pick(choice_label(code.strip()))


def _roles(codes: str) -> str:
    sep = "、" if _lang() == "zh" else ", "
    return sep.join(_role(c) for c in codes.split(","))


def _definitions() -> Any:
    if has_app_context() and "tongbu" in current_app.extensions:
        return current_app.extensions["tongbu"].definitions
    return None


def _step(trigger: str) -> str:
    """A step by its label (the newest definition that has it), else its name."""
    defs = _definitions()
    for d in defs.latest() if defs is not None else ():
        named = d.transitions_named(trigger)
        if named:
            return named[0].label.get(_lang())
    return trigger


def _unit(unit_id: str) -> str:
    """A unit by its name (units are few; this is read only on an error page)."""
    if has_app_context() and "tongbu" in current_app.extensions and unit_id.isdigit():
        rt = current_app.extensions["tongbu"]
        for u in units_in_scope(rt.reader(), SYSTEM):
            if u["id"] == int(unit_id):
                return _pick((u["name_zh"], u["name_en"]))
    return f"#{unit_id}"


def _choice(code: str) -> str:
    from web.ui.labels import choice_label

    return _pick(choice_label(code, "kind"))


_STDNUM = {
    N_("The number has an invalid length."),
    N_("The number has an invalid format."),
    N_("The number's checksum or check digit is invalid."),
    N_("One of the parts of the number are invalid or unknown."),
}


def _stdnum_reason(text: str) -> str:
    return gettext(text) if text in _STDNUM else text


_NOT_RECORDED = N_("not recorded")


def _recorded(text: str) -> str:
    """A value a procedure names, or its "not recorded" in the page's language."""
    return gettext(text) if text == _NOT_RECORDED else text


# ---------------------------------------------------------------- the catalogue

#: Messages with nothing variable: marshmallow's, the engine's, the shipped procedures'.
EXACT = frozenset(
    (
        # marshmallow
        N_("Missing data for required field."),
        N_("Not a valid integer."),
        N_("Not a valid number."),
        N_("Not a valid date."),
        N_("Not a valid datetime."),
        N_("Not a valid string."),
        N_("Not a valid boolean."),
        N_("Not a valid list."),
        N_("Not a valid email address."),
        N_("Not a valid mapping type."),
        N_("Field may not be null."),
        N_("Invalid value."),
        N_("Invalid input."),
        N_("Invalid type."),
        N_("Invalid input type."),
        N_("Unknown field."),
        N_("Number too large."),
        N_("String does not match expected pattern."),
        N_("Special numeric values (nan or infinity) are not permitted."),
        # the engine
        N_("the organization belongs to another unit"),
        N_("only caseworkers open cases"),
        N_("only caseworkers add organizations (they open its cases)"),
        N_("only the registration authority deregisters"),
        N_(
            "the accountability report (ACC-1) and the dashboard are for supervisors and "
            "administrators; your cases are in your inbox"
        ),
        N_("this step takes no input"),
        N_("send the organization as an object"),
        N_("'system' is reserved for the scheduler"),
        N_("INF-1: this credit code is already registered"),
        N_(
            "a Party organization of no social organization needs its upper_unit "
            "(the unit whose tree it sits in)"
        ),
        N_(
            "TRF-3: a member's organizational relation sits somewhere: give the Party "
            "organization or the relation location"
        ),
        N_("already deregistered"),
        N_("this Party organization has been revoked"),
        N_("only caseworkers and supervisors attach documents"),
        N_("only caseworkers and supervisors comment on cases"),
        # P1 registration
        N_("REG-1: record the commitment letter, the member survey, or both"),
        N_("REG-2: full-time full members cannot exceed full members"),
        N_("REG-2: members with their relation elsewhere cannot exceed all members"),
        N_("REG-2: must be a whole number ≥ 0"),
        # P2 adjustment
        N_("TRF-1: not an active Party organization of this social organization"),
        N_("TRF-1: the report cannot come before the change"),
        N_("TRF-2: name the person who supervises the transfers"),
        N_("TRF-2: name the receiving Party organization(s) contacted"),
        N_("TRF-2: name at least one receiving Party organization"),
        N_("TRF-3: give at least one member's destination"),
        N_("TRF-3: one destination per member"),
        # P3 decoupling
        N_("DEC-1: not an active Party organization of this social organization"),
        N_("DEC-1: list the archives to hand over"),
        N_("DEC-1: each archive item once"),
        N_("DEC-2: decoupled means a new body — not the original supervisory unit's"),
        N_("DEC-2: name the body that states the leadership relation"),
        N_("DEC-4: which kind of body leads after decoupling"),
        # P4 secretary
        N_("not an active Party organization of this organization"),
        N_("SEC-1: record the standard assessment of the candidate"),
        N_("SEC-2: describe the dispatched candidate"),
        N_("SEC-2: a dispatched candidate is not one of the members"),
        N_("SEC-2: a candidate from inside is one of the members"),
        N_("SEC-2: an internal deputy is one of the members"),
        N_("SEC-2: say where the deputy is dispatched from"),
        N_("SEC-3: the upper Party body that approves"),
        N_("SEC-4/SEC-6: yuan per month, a whole number ≥ 0"),
        N_("SEC-6: the secretary's Party-work stipend, yuan/month"),
        N_("SEC-7: the report is made to the members — at least one present"),
        N_("SEC-8: the report cannot come before the change"),
        N_("SEC-8: not an active officer of this Party organization"),
        N_(
            "SEC-8: a vacancy from a position change needs the report to the upper Party organization"
        ),
        N_("more votes cast than voters"),
        N_("more votes for than votes cast"),
    )
)

Convert = Callable[[str], str]

#: Messages with a variable part: (pattern, catalogue message, how to show each part).
PATTERNS: tuple[tuple[re.Pattern[str], str, Mapping[str, Convert]], ...] = (
    # marshmallow
    (re.compile(r"^Must be one of: (?P<x>.*)\.$"), N_("Must be one of: %(x)s."), {}),
    (
        re.compile(r"^Shorter than minimum length (?P<x>\d+)\.$"),
        N_("Shorter than minimum length %(x)s."),
        {},
    ),
    (
        re.compile(r"^Longer than maximum length (?P<x>\d+)\.$"),
        N_("Longer than maximum length %(x)s."),
        {},
    ),
    (
        re.compile(r"^Length must be between (?P<x>\d+) and (?P<y>\d+)\.$"),
        N_("Length must be between %(x)s and %(y)s."),
        {},
    ),
    (re.compile(r"^Length must be (?P<x>\d+)\.$"), N_("Length must be %(x)s."), {}),
    (
        re.compile(
            r"^Must be greater than or equal to (?P<x>\S+) and less than or equal to (?P<y>\S+)\.$"
        ),
        N_("Must be greater than or equal to %(x)s and less than or equal to %(y)s."),
        {},
    ),
    (
        re.compile(r"^Must be greater than or equal to (?P<x>\S+)\.$"),
        N_("Must be greater than or equal to %(x)s."),
        {},
    ),
    (
        re.compile(r"^Must be less than or equal to (?P<x>\S+)\.$"),
        N_("Must be less than or equal to %(x)s."),
        {},
    ),
    (re.compile(r"^Must be greater than (?P<x>\S+)\.$"), N_("Must be greater than %(x)s."), {}),
    (re.compile(r"^Must be less than (?P<x>\S+)\.$"), N_("Must be less than %(x)s."), {}),
    # the engine: who may see and do what
    (
        re.compile(
            r"^case (?P<id>\d+) belongs to another unit; you can act only on your unit and below$"
        ),
        N_("case %(id)s belongs to another unit; you can act only on your unit and below"),
        {},
    ),
    (
        re.compile(
            r"^step '(?P<step>[^']*)' needs one of the roles (?P<roles>.*); you are (?P<role>.*)$"
        ),
        N_("step “%(step)s” needs one of the roles %(roles)s; you are %(role)s"),
        {"step": _step, "roles": _roles, "role": _role},
    ),
    (
        re.compile(r"^(?P<what>.+) belongs to another unit; you see only your unit and below$"),
        N_("%(what)s belongs to another unit; you see only your unit and below"),
        {"what": _named_record},
    ),
    (
        re.compile(r"^(?P<what>.+) is attached to no unit you see$"),
        N_("%(what)s is attached to no unit you see"),
        {"what": _named_record},
    ),
    (
        re.compile(r"^unit '(?P<unit>[^']*)' is outside your unit; you act on it and below$"),
        N_("unit %(unit)s is outside your unit; you act on your unit and below"),
        {},
    ),
    (
        re.compile(r"^unit (?P<unit>\d+) is outside your unit; you see your unit and below$"),
        N_("unit %(unit)s is outside your unit; you see your unit and below"),
        {"unit": _unit},
    ),
    (
        re.compile(r"^case (?P<id>\d+) belongs to another unit; its documents are not yours$"),
        N_("case %(id)s belongs to another unit; its documents are not yours"),
        {},
    ),
    (
        re.compile(r"^case (?P<id>\d+) is closed; its file stays as it was closed$"),
        N_("case %(id)s is closed; its file stays as it was closed"),
        {},
    ),
    # the engine: directory records
    (
        re.compile(r"^no unit with code '(?P<code>[^']*)'$"),
        N_("no unit with code %(code)s"),
        {},
    ),
    (
        re.compile(r"^user '(?P<name>[^']*)' already exists$"),
        N_("user %(name)s already exists"),
        {},
    ),
    (
        re.compile(r"^at least (?P<n>\d+) characters$"),
        N_("at least %(n)s characters"),
        {},
    ),
    (
        re.compile(
            r"^INF-1: not a valid unified social credit code \(GB 32100-2015\): (?P<why>.*)$"
        ),
        N_("INF-1: not a valid unified social credit code (GB 32100-2015): %(why)s"),
        {"why": _stdnum_reason},
    ),
    (
        re.compile(
            r"^a value that must be unique is already in use \((?P<detail>.*)\); "
            r"for a credit code see INF-1$"
        ),
        N_(
            "a value that must be unique is already in use (%(detail)s); for a credit code see INF-1"
        ),
        {},
    ),
    # the shipped procedures
    (
        re.compile(r"^TRF-2: adjustment case #(?P<id>\d+) is already open$"),
        N_("TRF-2: adjustment case #%(id)s is already open"),
        {},
    ),
    (
        re.compile(r"^TRF-3: required when the destination is (?P<kind>.*)$"),
        N_("TRF-3: required when the destination is “%(kind)s”"),
        {"kind": _choice},
    ),
    (
        re.compile(r"^DEC-1: decoupling case #(?P<id>\d+) is already open$"),
        N_("DEC-1: decoupling case #%(id)s is already open"),
        {},
    ),
    (
        re.compile(r"^the secretary post is already case #(?P<id>\d+)$"),
        N_("the secretary post is already case #%(id)s"),
        {},
    ),
    (
        re.compile(
            r"^SEC-8: the change is reported to the upper Party organization \((?P<upper>.*)\)$"
        ),
        N_("SEC-8: the change is reported to the upper Party organization (%(upper)s)"),
        {"upper": _recorded},
    ),
)

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_RULE = re.compile(r"^[A-Z]{2,5}-\d+(?:/[A-Z]{2,5}-\d+)*: ")
_VALUE = re.compile(r"'[^']*'|-?\d(?:[\d:./-]*\d)?")  # a quoted code, a number, a date


def _bilingual(message: str) -> str | None:
    """The page's half of a message written "English / 中文" (or the other way round)."""
    parts = message.split(" / ")
    if len(parts) != 2:
        return None
    first, second = parts
    if _CJK.search(first) and not _CJK.search(second):
        zh, en = first, second
    elif _CJK.search(second) and not _CJK.search(first):
        en, zh = first, second
    else:
        return None
    shown, other = (zh, en) if _lang() == "zh" else (en, zh)
    rule = _RULE.match(other)
    if rule and not _RULE.match(shown):  # a rule written once belongs to both halves
        shown = rule.group(0) + shown
    # a value only one half names (the unit code typed, a date) is shown with the other
    missing = dict.fromkeys(
        v.strip("'") for v in _VALUE.findall(_RULE.sub("", other)) if v.strip("'") not in shown
    )
    if missing:
        shown += f"（{'、'.join(missing)}）" if _lang() == "zh" else f" ({', '.join(missing)})"
    return shown


def translate_message(message: str) -> str:
    """A message of the engine, a procedure or marshmallow in the page's language."""
    if message in EXACT:
        return gettext(message)
    half = _bilingual(message)
    if half is not None:
        return half
    for pattern, template, convert in PATTERNS:
        m = pattern.match(message)
        if m:
            parts = {k: convert.get(k, str)(v) for k, v in m.groupdict().items()}
            return gettext(template, **parts)
    return message
