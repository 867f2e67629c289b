"""The case page's sidebar holds its facts inside its card in English too (issue 18).

English labels ("Unified social credit code", "Business supervisory unit") are three times
as wide as the Chinese ones; with the label column as wide as its longest label, an
18-character credit code ran out of the 320-pixel card. In Chromium, every fact of the card
must end inside it. With TONGBU_SCREENSHOTS=1 the page is saved as
docs/screenshots/case-sidebar-en.png.
"""

from __future__ import annotations

from tests.e2e.test_browser import _page, _sign_in
from tests.integration.test_escalation import registered_cases

#: Elements of the card whose right edge lies beyond the card's own (in CSS pixels).
OVERFLOWING = """() => {
  const card = document.querySelector('.case-side .card');
  const edge = card.getBoundingClientRect().right;
  return [...card.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > edge + 0.5 || e.scrollWidth > e.clientWidth + 1)
    .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${e.textContent.trim().slice(0, 40)}`);
}"""


def test_the_english_case_sidebar_keeps_every_fact_inside_its_card(chromium, live, shots):
    (case_id,) = registered_cases(live.world, 1)  # registered: it has its credit code
    for locale, label in (("en-US", "Unified social credit code"), ("zh-CN", "统一社会信用代码")):
        page = _page(chromium, locale=locale)
        _sign_in(page, live, "wang")
        page.goto(f"{live.url}/cases/{case_id}")
        facts = page.locator(".case-side dl.facts")
        assert label in facts.inner_text()
        assert len(page.locator(".case-side dd.code").inner_text().strip()) == 18
        assert page.evaluate(OVERFLOWING) == [], locale
        if locale == "en-US":
            page.screenshot(path=str(shots / "case-sidebar-en.png"))
        page.context.close()
