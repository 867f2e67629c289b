"""The printable case record (案卷) as HTML and as PDF: one template for the page, the PDF
of the UI and of the API, and the CLI's file.

The data is `engine.cases.record.case_record`; this module only lays it out. The PDF is
WeasyPrint rendering the very HTML the browser prints, with the same stylesheet, so the paper
copy from the browser and the PDF read alike; its fonts are Noto CJK (Debian `fonts-noto-cjk`),
found through fontconfig, so Chinese renders and is embedded.

The template shows a step's recorded data with the history's own helpers (`show_value` in
`_macros.html`, which names fields by the labels the procedures declare); those reach every
template of the app through the UI's context processor, so the API renders the same page
without importing the UI. Rendering needs an app and a request context (the CLI makes one).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from flask import Response, render_template
from flask_babel import gettext
from markupsafe import Markup
from weasyprint import HTML

from engine.cases.record import CaseRecord
from web import diagram

# Importing WeasyPrint (its pdf/metadata.py) registers the XML prefix "" for "no namespace",
# which drops ElementTree's default namespace the diagrams are written with: every diagram
# drawn afterwards would come out as <ns0:svg>, which a browser does not draw. Give it back.
ET.register_namespace("", diagram.SVG_NS)

STATIC = Path(__file__).parent / "static"
STYLESHEET = STATIC / "record.css"
PDF = "application/pdf"


def filename(record: CaseRecord) -> str:
    """The download's name: ASCII only, so every browser and mail system keeps it."""
    return f"case-{record.case_id}-record.pdf"


def size_text(size: int) -> str:
    """A file size for people: bytes below 1 KB, then KB and MB with one decimal."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_footer_css() -> str:
    """The page number in the PDF's footer ("第 1 页，共 3 页" / "Page 1 of 3") in the
    catalogue's words: the counters go where the message's placeholders are."""
    text = gettext("Page %(n)s of %(total)s")  # no variables: the message as translated
    parts = []
    for piece in re.split(r"(%\(n\)s|%\(total\)s)", text):
        if piece == "%(n)s":
            parts.append("counter(page)")
        elif piece == "%(total)s":
            parts.append("counter(pages)")
        elif piece:
            parts.append(_css_string(piece))
    return "@page { @bottom-right { content: " + " ".join(parts) + "; } }"


def render_html(record: CaseRecord, *, standalone: bool = False) -> str:
    """The record page. `standalone` (the PDF, the CLI's file) carries its stylesheet inline
    and the page footer, and leaves out the screen's tool bar and links to the app."""
    css = None
    if standalone:
        css = Markup(STYLESHEET.read_text(encoding="utf-8") + "\n" + page_footer_css())
    return render_template(
        "record.html",
        record=record,
        standalone=standalone,
        css=css,
        size_text=size_text,
        pdf_filename=filename(record),
    )


def _no_fetching() -> Any:
    """A URL fetcher that fetches nothing: the record names no image, font or stylesheet by
    URL, and text a user typed must never make the server fetch one."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint < 66 takes a function

        def refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
            raise ValueError(f"the case record fetches nothing ({url})")

        return refuse
    return URLFetcher(allowed_protocols=frozenset(), fail_on_errors=False)


def render_pdf(record: CaseRecord) -> bytes:
    """The record as an A4 PDF, from the same HTML and stylesheet as the page."""
    document = HTML(string=render_html(record, standalone=True), url_fetcher=_no_fetching())
    pdf = document.write_pdf()
    assert pdf is not None
    return pdf


def pdf_response(record: CaseRecord) -> Response:
    """The PDF as a download: never shown inline under the app's origin, never sniffed,
    never cached (a case record carries personal data)."""
    resp = Response(render_pdf(record), mimetype=PDF)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename(record)}"'
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "no-store"
    return resp
