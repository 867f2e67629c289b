"""The UI as a browser finds it: the links and forms of each page, read with the standard
library's HTML parser, and the walk from the start pages (as tests/integration/test_ui_crawl.py
walks them) that collects every form and every query parameter once. Used by the form fuzzer.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

#: Links the walk does not follow: signing out ends the session the fuzzer needs; exports and
#: the language switch are fuzzed as query parameters of the pages that link to them.
#: Forms of one kind kept: when a fuzzed value is accepted (the step was taken), the fuzzing
#: goes on with the same form on another case.
FORMS_OF_A_KIND = 6
NOT_FOLLOWED = ("/logout", "/static/", "/api/", "format=xlsx", "/lang/")


@dataclass
class FormField:
    name: str
    kind: str  # an input's type, "select", "textarea" or "button"
    value: str = ""
    options: list[str] = field(default_factory=list)
    checked: bool = False
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Form:
    method: str
    action: str
    page: str
    fields: list[FormField] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.action.split("#", 1)[0] or self.page.split("?", 1)[0]

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        """Forms of the same kind (the same step on another case) share a key."""
        names = tuple(sorted({f.name for f in self.fields}))
        return (self.method, template(self.action), names)


def template(path: str) -> str:
    """A path with its numbers as {id}: the route it stands for."""
    return re.sub(r"/\d+(?=/|$|\?|#)", "/{id}", path)


class PageParser(HTMLParser):
    """The same-site links and the forms (inputs, selects, textareas, named buttons) of a page."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(a.get("method", "get").lower(), a.get("action", ""), self.page)
            self.forms.append(self._form)
        elif self._form is None or "name" not in a:
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "reset"):
                return
            default = "y" if kind == "checkbox" else ""
            self._form.fields.append(
                FormField(a["name"], kind, a.get("value", default), checked="checked" in a, attrs=a)
            )
        elif tag == "select":
            self._select = FormField(a["name"], "select", attrs=a)
            self._form.fields.append(self._select)
        elif tag == "textarea":
            self._textarea = FormField(a["name"], "textarea", attrs=a)
            self._form.fields.append(self._textarea)
        elif tag == "button":
            self._form.fields.append(FormField(a["name"], "button", a.get("value", ""), attrs=a))

    def _option(self, a: dict[str, str]) -> None:
        assert self._select is not None
        value = a.get("value", "")
        self._select.options.append(value)
        if "selected" in a:
            self._select.value = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def parse_page(page: str, html: str) -> PageParser:
    p = PageParser(page)
    p.feed(html)
    p.close()
    return p


@dataclass
class Site:
    """What a walk found: the forms of each kind (up to FORMS_OF_A_KIND: the same step on
    other cases), each page's query parameters with a value seen for each, and the routes
    with an id in them."""

    forms: dict[tuple, list[Form]] = field(default_factory=dict)
    queries: dict[str, dict[str, str]] = field(default_factory=dict)
    id_routes: dict[str, str] = field(default_factory=dict)
    pages: int = 0

    def add_query(self, url: str) -> None:
        parts = urlsplit(url)
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            self.queries.setdefault(parts.path, {}).setdefault(name, value)

    def add_route(self, path: str) -> None:
        route = template(path)
        if "{id}" in route:
            self.id_routes.setdefault(route, path)


def crawl(client: Any, start: tuple[str, ...], max_pages: int, per_route: int = 6) -> Site:
    """Walk the pages a user reaches from `start`, collecting forms, query parameters and id
    routes: every case page first (their forms are the steps, which differ by procedure and
    state), at most `per_route` pages of any other route (another organization's page, the
    next page of a list, show nothing new)."""
    site = Site()
    seen: set[str] = set()
    per: Counter = Counter()
    queue: deque[str] = deque(start)
    cases_first: deque[str] = deque()
    while (queue or cases_first) and site.pages < max_pages:
        url = cases_first.popleft() if cases_first else queue.popleft()
        if url in seen or any(s in url for s in NOT_FOLLOWED):
            continue
        seen.add(url)
        route = template(url.split("?", 1)[0])
        if route != "/cases/{id}" and per[route] >= per_route:
            continue
        per[route] += 1
        resp = client.get(url, follow_redirects=True)
        if resp.status_code != 200 or not resp.mimetype.startswith("text/html"):
            continue
        site.pages += 1
        page = parse_page(url, resp.get_data(as_text=True))
        site.add_route(url.split("?", 1)[0])
        for link in page.links:
            link = link.split("#", 1)[0]
            site.add_query(link)
            site.add_route(link.split("?", 1)[0])
            if link not in seen:
                is_case = re.fullmatch(r"/cases/\d+", link) is not None
                (cases_first if is_case else queue).append(link)
        for form in page.forms:
            if form.method == "get":
                site.queries.setdefault(form.path, {}).update(
                    {f.name: f.value for f in form.fields if f.kind != "button"}
                )
            else:
                kind = site.forms.setdefault(form.key, [])
                if len(kind) < FORMS_OF_A_KIND:
                    kind.append(form)
                site.add_route(form.path)
    return site
