"""Which files a case file takes, decided by their content (libmagic), never by the name.

The client's `Content-Type` and the file's extension are what an attacker controls; the bytes
are what a browser or an office suite will act on. libmagic (python-magic) reads the bytes;
only the types below are kept, each served back under the type it was sniffed as.
"""

from __future__ import annotations

from dataclasses import dataclass

import magic

from engine.errors import TongbuError

PDF = "application/pdf"

ACCEPTED: dict[str, tuple[str, str, str]] = {
    PDF: ("pdf", "PDF 文件", "PDF"),
    "image/jpeg": ("jpg", "JPEG 图片", "JPEG image"),
    "image/png": ("png", "PNG 图片", "PNG image"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "docx",
        "Word 文档",
        "Word document",
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "xlsx",
        "Excel 表格",
        "Excel workbook",
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "pptx",
        "PowerPoint 演示文稿",
        "PowerPoint presentation",
    ),
    "application/msword": ("doc", "Word 文档（97-2003）", "Word 97-2003 document"),
    "application/vnd.ms-excel": ("xls", "Excel 表格（97-2003）", "Excel 97-2003 workbook"),
    "application/vnd.ms-powerpoint": (
        "ppt",
        "PowerPoint 演示文稿（97-2003）",
        "PowerPoint 97-2003 presentation",
    ),
    "application/vnd.oasis.opendocument.text": ("odt", "OpenDocument 文本", "OpenDocument text"),
    "application/vnd.oasis.opendocument.spreadsheet": (
        "ods",
        "OpenDocument 表格",
        "OpenDocument spreadsheet",
    ),
}
"""Sniffed MIME type -> (extension for downloads, zh name, en name)."""

PREVIEWABLE = frozenset({PDF, "image/jpeg", "image/png"})
"""Shown inside the page (an <iframe>/<img> of the download URL); everything else downloads."""


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    extension: str


class UnacceptedType(TongbuError):
    """The bytes are not a PDF, an image or an office document, whatever the name says."""

    def __init__(self, detected: str) -> None:
        self.detected = detected
        super().__init__(
            f"the file's content is {detected}, which a case file does not take; "
            "accepted: PDF, JPEG, PNG and Office documents (judged by the content, not the name)"
        )
        self.zh = (
            f"文件内容为 {detected}，案卷不接收此类文件；"
            "仅接收 PDF、JPEG、PNG 和 Office 文档（按文件内容判断，不看文件名）"
        )

    @property
    def bilingual(self) -> str:
        """ "English / 中文", the form every engine message a page shows takes."""
        return f"{self} / {self.zh}"


_OLE = "application/x-ole-storage"
_CDF = "application/CDFV2"


def sniff(data: bytes) -> Sniffed:
    """The file's type as its bytes say; `UnacceptedType` unless a case file takes it."""
    detected = magic.from_buffer(data, mime=True) if data else "application/x-empty"
    if detected in (_OLE, _CDF):
        # Older libmagic builds name an Office 97-2003 file only by its container; a
        # container that is not one of the three stays refused.
        detected = _ole_kind(data) or detected
    if detected not in ACCEPTED:
        raise UnacceptedType(detected)
    return Sniffed(detected, ACCEPTED[detected][0])


def _ole_kind(data: bytes) -> str | None:
    described = magic.from_buffer(data)
    for needle, mime in (
        ("Microsoft Word", "application/msword"),
        ("Microsoft Excel", "application/vnd.ms-excel"),
        ("Microsoft PowerPoint", "application/vnd.ms-powerpoint"),
    ):
        if needle in described:
            return mime
    return None
