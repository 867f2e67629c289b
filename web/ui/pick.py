"""Pickers: a form field that holds the id of a record is chosen by name, never typed.

A schema field whose metadata names the kind of record it holds (`ref` — checked by the
engine — or `pick`) is drawn by `_macros.html` as a picker (web/forms.py: kind "pick"):

- without JavaScript, a `<select>` of the records in scope, those of the case's organization
  first (`pick_options`), and a search box with a "Search" button that shows the form again
  with the records whose name holds what was typed (`_pick` / `_pickq.<field>`);
- with JavaScript (static/pick.js), a search-as-you-type box over `GET /pick/<kind>`, which
  fills the same field with the chosen id.

A list of ids (a List of such fields: the members whose relations move, a joint branch's
partner organizations) is a picker of several (kind "picks"): the records chosen are checked
boxes, the search offers more to check; with JavaScript the search box adds the one picked.

Both read `engine.directory.pick.candidates`, scoped by the signed-in actor. The JSON API
keeps taking ids.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, g, jsonify
from marshmallow import ValidationError, fields, validate

from engine.directory import pick as pick_read
from engine.inputs import INT_MAX, InputSchema
from web.ui.common import actor, parse_args, runtime

if TYPE_CHECKING:  # web.forms imports web.ui.labels, which loads this package
    from web.forms import FormField, FormState

bp = Blueprint("pick", __name__)

#: How many records the no-JavaScript list shows at most.
LIST_LIMIT = 50

#: The search box of a picker without JavaScript: `_pickq.<field name>`.
QUERY_PREFIX = "_pickq."


class PickArgs(InputSchema):
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    near = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=pick_read.MAX_LIMIT))


@bp.get("/pick/<kind>")
def search(kind: str) -> Any:
    """`{"results": [{"id", "name", "detail": [zh, en]}], "more": bool}`, at most `limit`."""
    if kind not in pick_read.KINDS:
        return jsonify({"errors": {"kind": [f"one of {', '.join(pick_read.KINDS)}"]}}), 404
    try:
        args = parse_args(PickArgs())
    except ValidationError as err:
        return jsonify({"errors": err.messages}), 422
    rows, more = pick_read.candidates(
        runtime().reader(), actor(), kind, args["q"], near=args["near"], limit=args["limit"]
    )
    return jsonify({"results": [r.as_dict() for r in rows], "more": more})


def set_near(organization_id: int | None) -> None:
    """The organization whose records a page's pickers list first (the case's)."""
    g.pick_near = organization_id


def pick_options(f: FormField, state: FormState) -> dict[str, Any]:
    """What the no-JavaScript picker of `f` lists: the records found (by the search typed into
    its box, if any), whether there are more, the search, and the organization listed first."""
    if f.ref not in pick_read.KINDS:
        return {"rows": [], "more": False, "query": "", "near": None}
    query = str(state.values.get(QUERY_PREFIX + f.name, "")).strip()[:100]
    near = g.get("pick_near")
    cache = g.setdefault("pick_cache", {})
    key = (f.ref, query)
    if key not in cache:
        cache[key] = pick_read.candidates(
            runtime().reader(), actor(), f.ref, query, near=near, limit=LIST_LIMIT
        )
    rows, more = cache[key]
    return {"rows": rows, "more": more, "query": query, "near": near}


def _an_id(text: str) -> bool:
    """Text that can name a record: digits within the databases' INTEGER (a larger number is
    shown as sent and refused by the schema, never sent to the database)."""
    return text.isdigit() and len(text) <= 10 and int(text) <= INT_MAX


def picks_options(f: FormField, state: FormState) -> dict[str, Any]:
    """What a picker of several records shows: those chosen (by name, checked) and, to add,
    those found by the search typed into its box that are not chosen yet."""
    found = pick_options(f, state)
    chosen_text = state.chosen(f)
    ids = [int(x) for x in chosen_text if _an_id(x)]
    named: dict[int, Any] = {}
    if ids and f.ref in pick_read.KINDS:
        rows, _ = pick_read.candidates(
            runtime().reader(),
            actor(),
            f.ref,
            None,
            near=found["near"],
            limit=pick_read.MAX_LIMIT,
            ids=ids,
        )
        named = {r.id: r for r in rows}
    # what was sent but names nothing the actor may see stays chosen, shown by its number
    chosen = [(x, named.get(int(x)) if _an_id(x) else None) for x in chosen_text]
    offered = [r for r in found["rows"] if str(r.id) not in chosen_text]
    return {**found, "chosen": chosen, "offered": offered}


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "pick_options": pick_options,
        "picks_options": picks_options,
        "pick_query_prefix": QUERY_PREFIX,
    }
