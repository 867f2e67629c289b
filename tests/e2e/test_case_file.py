"""In a real browser, the case file (issue 14, Done when): a caseworker attaches REG-1's
commitment letter and member survey as PDFs to a P1 case — the letter in the documents panel,
the survey with the step that needs it — and `accept` is refused before and done after; the
preview shows in the page; the printable record lists both documents with their hashes; and
its PDF opens (page 1 rendered to PNG with pypdfium2, to look at).

With TONGBU_SCREENSHOTS=1: docs/screenshots/case-file-checklist.png (the step's checklist),
case-file.png (the documents panel with a preview open), case-file-record-pdf.png (the
record's PDF, page 1) and case-file-record-pdf-documents.png (its page listing the documents,
when that is another page).
"""

from __future__ import annotations

import io
import re
from typing import Any

from engine.cases import documents
from tests.e2e.test_browser import _open_step, _page, _sign_in, _submit
from tests.world import survey

LETTER = ("社会组织党建工作承诺书", "党建工作承诺书.pdf")
SURVEY = ("社会组织党员情况调查表", "党员情况调查表.pdf")
#: The preview's frame: it must hold the PDF, not Chromium's "refused to connect" page.
FRAMES = "() => [...document.querySelectorAll('details.preview[open] iframe')].map(f => f.src)"


def _pdf(title: str, lines: list[str]) -> bytes:
    """A small real PDF with Chinese text (WeasyPrint; the app imported it already)."""
    import weasyprint

    body = "".join(f"<p>{line}</p>" for line in lines)
    html = (
        "<html lang='zh'><head><meta charset='utf-8'><style>@page{size:A4;margin:25mm}"
        "body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC',serif;font-size:13pt}"
        "h1{text-align:center;font-size:20pt}</style></head>"
        f"<body><h1>{title}</h1>{body}</body></html>"
    )
    return weasyprint.HTML(string=html).write_pdf()


def _upload(name: str, data: bytes) -> dict[str, Any]:
    return {"name": name, "mimeType": "application/pdf", "buffer": data}


def test_caseworker_attaches_the_p1_documents_and_the_step_needs_them(chromium, live, shots):
    world = live.world
    case_id = world.open("logistics")
    world.fire(case_id, "record_documents", {"member_survey": survey(4)})  # REG-2's figures
    letter = _pdf(
        LETTER[0],
        [
            "长春市南关区物流行业协会承诺：在登记成立后按照党章规定及时建立党的组织，",
            "支持党组织开展活动，为党组织活动提供必要的场所和经费保障。",
            "承诺单位（盖章）：长春市南关区物流行业协会　　2026年3月1日",
        ],
    )
    survey_pdf = _pdf(
        SURVEY[0],
        ["正式党员 4 名，其中专职工作人员中的正式党员 4 名；预备党员 0 名。", "填表人：张伟"],
    )

    page = _page(chromium)
    _sign_in(page, live, "wang")
    page.goto(f"{live.url}/cases/{case_id}")

    # Before: `accept` is refused for its documents, citing REG-1; its form shows the checklist.
    step = page.locator("details.action.needs-documents[data-trigger=accept]")
    assert "REG-1" in step.locator("summary").inner_text()
    assert "此步骤须先附上材料" in step.locator("summary").inner_text()
    step = _open_step(page, "accept")
    checklist = step.locator("fieldset.checklist")
    assert LETTER[0] in checklist.inner_text() and SURVEY[0] in checklist.inner_text()
    assert checklist.locator("li.material.missing").count() == 2
    accept_hint = checklist.locator("input[type=file]").first.get_attribute("accept") or ""
    assert ".pdf" in accept_hint and ".docx" in accept_hint
    _submit(step)  # sent without the documents: refused, nothing moves
    assert "REG-1" in page.locator("details#step-accept .refusal").inner_text()
    assert world.case(case_id)["state"] == "applied"

    # The letter, attached in the documents panel on its own.
    attach = page.locator("details#attach")
    attach.locator("summary").click()
    attach.locator("#attach-file").set_input_files(files=[_upload(LETTER[1], letter)])
    attach.locator("#attach-material").select_option("commitment_letter")
    attach.locator("#attach-note").fill("申请人现场递交原件，扫描存档")
    attach.locator("button.primary").click()
    page.wait_for_load_state()
    assert "已上传 1 份材料" in page.locator(".flash.success").inner_text()
    assert world.case(case_id)["state"] == "applied"

    # Still refused, now for the survey alone; the letter is ticked with its file name.
    step = _open_step(page, "accept")
    assert "REG-1" in step.locator("summary").inner_text()
    held = step.locator("li.material.held[data-material=commitment_letter]")
    assert LETTER[1] in held.inner_text()
    page.set_viewport_size({"width": 1280, "height": 900})
    step.scroll_into_view_if_needed()
    step.screenshot(path=str(shots / "case-file-checklist.png"))

    # The survey, sent with the step: now the step is done, and the survey is written with it.
    step.locator("input[name='_doc.member_survey']").set_input_files(
        files=[_upload(SURVEY[1], survey_pdf)]
    )
    _submit(step)
    assert page.locator(".flash.success").count() == 1
    assert world.case(case_id)["state"] == "charter_review"

    # The documents panel lists both, each with its hash and the step that brought it.
    listed = documents.list_documents(
        world.rt.reader(), world.rt.definitions, case_id, actor=world.actors["wang"]
    )
    docs = {d.material: d for d in listed}
    panel = page.locator("section#documents")
    for material, (label, name) in (("commitment_letter", LETTER), ("member_survey", SURVEY)):
        item = panel.locator(f"li#document-{docs[material].id}")
        text = item.inner_text()
        assert label in text and name in text and docs[material].sha256[:12] in text
    assert "受理申请" in panel.locator(f"li#document-{docs['member_survey'].id}").inner_text()
    history = page.locator("section#history")
    assert SURVEY[1] in history.locator("tr.kind-transition").first.inner_text()

    # The preview: the PDF in a frame of the page, its address answering with the PDF.
    item = panel.locator(f"li#document-{docs['commitment_letter'].id}")
    item.locator("details.preview > summary").click()
    frame = item.locator("details.preview iframe")
    frame.wait_for(state="visible")
    src = frame.get_attribute("src") or ""
    assert src == f"/documents/{docs['commitment_letter'].id}/preview"
    answer = page.request.get(live.url + src)
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.body() == letter
    page.wait_for_timeout(1500)  # Chromium's PDF viewer draws the page
    framed = [f for f in page.frames if f.url.endswith(src)]
    assert framed, [f.url for f in page.frames]  # loaded in the frame, not refused
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "case-file.png"), full_page=False)
    item.locator("details.sha > summary").click()  # the whole hash, to copy
    assert docs["commitment_letter"].sha256 in item.locator("code.sha-full").inner_text()

    # Another district's caseworker gets 403 on the document's address.
    stranger = _page(chromium)
    _sign_in(stranger, live, "zhao")
    refused = stranger.goto(f"{live.url}/documents/{docs['commitment_letter'].id}")
    assert refused is not None and refused.status == 403
    stranger.context.close()

    # The printable record lists both documents with their hashes ...
    page.goto(f"{live.url}/cases/{case_id}/record")
    record = page.locator("body").inner_text()
    for material, (label, name) in (("commitment_letter", LETTER), ("member_survey", SURVEY)):
        assert name in record and label in record
        assert docs[material].sha256 in re.sub(r"\s+", "", record)
    # ... and its PDF opens: page 1 rendered to an image.
    pdf = page.request.get(f"{live.url}/cases/{case_id}/record.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    _render_pages(pdf.body(), shots, docs)
    page.context.close()


def _render_pages(data: bytes, shots: Any, docs: dict[str, Any]) -> None:
    """Open the PDF with pypdfium2, find the documents' hashes in its text, and save page 1
    (and the page listing the documents, if another) as PNGs to look at."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(io.BytesIO(data))
    try:
        texts = [
            re.sub(r"\s+", "", pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))
        ]
        for d in docs.values():
            assert any(d.sha256 in t for t in texts), d.sha256
        listing = next(i for i, t in enumerate(texts) if next(iter(docs.values())).sha256 in t)
        pages = {0: "case-file-record-pdf.png"}
        if listing:
            pages[listing] = "case-file-record-pdf-documents.png"
        for index, name in pages.items():
            image = pdf[index].render(scale=1.5).to_pil()
            assert image.size[0] > 800 and image.convert("L").getextrema()[0] < 100  # ink
            image.save(shots / name)
    finally:
        pdf.close()
