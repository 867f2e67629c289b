"""Sample documents (演示材料) for the procedures' demos: small, real PDFs the case file takes.

A demo case carries its documents as a real case does, so the case page, its preview and the
printed record show them. The PDFs are made once, from the texts a procedure package keeps in
its `samples.py`, and shipped as static files in the package's `demo_files/` folder (loading
the demo renders nothing). To make them again after changing a text::

    python -m workflows.registration.samples

Rendering uses WeasyPrint with a Chinese font cut down to the characters of the document (a
whole CJK font is 20 MB; the documents are 10-30 KB). Each page says it is a demo sample, not
an official text.
"""

from __future__ import annotations

import html
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

FOLDER = "demo_files"
FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
NOTICE = "演示样例 · 非正式文本 · Demo sample"


@dataclass(frozen=True)
class Sample:
    """A one-page document: a title, an optional reference number (文号), paragraphs, an
    optional two-column table, and who signs and seals it."""

    title: str
    paragraphs: Sequence[str]
    number: str | None = None
    table: Sequence[tuple[str, str]] = ()
    signed_by: Sequence[str] = field(default_factory=tuple)
    seal: str | None = None


def read(package: str, name: str) -> bytes:
    """The shipped sample PDF `name` (a key of the package's `SAMPLES`) in `package`'s demo
    files."""
    return (resources.files(package) / FOLDER / f"{name}.pdf").read_bytes()


def _html(s: Sample, font_url: str) -> str:
    e = html.escape
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in s.table)
    signed = "".join(f"<p>{e(line)}</p>" for line in s.signed_by)
    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><style>
@font-face {{ font-family: Doc; src: url({font_url}); }}
@page {{ size: A4; margin: 22mm 24mm; }}
body {{ font-family: Doc; font-size: 12pt; line-height: 1.75; color: #111; }}
.notice {{ text-align: right; font-size: 8pt; color: #999; }}
h1 {{ text-align: center; font-size: 19pt; font-weight: normal; margin: 6mm 0 2mm; }}
.number {{ text-align: center; margin: 0 0 6mm; }}
p {{ text-indent: 2em; margin: 0 0 2mm; }}
p.flush {{ text-indent: 0; }}
table {{ border-collapse: collapse; width: 100%; margin: 4mm 0; }}
th, td {{ border: 0.6pt solid #333; padding: 2mm 3mm; text-align: left; font-weight: normal; }}
th {{ width: 42%; background: #f3f3f3; }}
.signed {{ margin-top: 12mm; text-align: right; position: relative; }}
.signed p {{ text-indent: 0; margin: 0; }}
.seal {{ position: absolute; right: 8mm; top: -8mm; width: 34mm; height: 34mm;
  border: 1.6pt solid #c0392b; border-radius: 50%; color: #c0392b; font-size: 9pt;
  box-sizing: border-box; padding-top: 11mm; text-align: center; white-space: pre-line;
  line-height: 1.4; opacity: 0.8; }}
</style></head><body>
<div class="notice">{e(NOTICE)}</div>
<h1>{e(s.title)}</h1>
{f'<div class="number">{e(s.number)}</div>' if s.number else ""}
{"".join(f'<p class="{"flush" if t.endswith("：") else ""}">{e(t)}</p>' for t in s.paragraphs)}
{f"<table>{rows}</table>" if rows else ""}
<div class="signed">{f'<div class="seal">{e(s.seal)}</div>' if s.seal else ""}{signed}</div>
</body></html>"""


def _characters(s: Sample) -> str:
    parts = [NOTICE, s.title, s.number or "", s.seal or "", *s.paragraphs, *s.signed_by]
    parts += [k + v for k, v in s.table]
    return "".join(sorted(set("".join(parts)))) + "0123456789"


def render(s: Sample) -> bytes:
    """One sample as PDF bytes, its font cut down to the characters it uses."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection
    from weasyprint import HTML

    collection = TTCollection(FONT)
    font = next(f for f in collection.fonts if "SC" in f["name"].getDebugName(1))
    options = subset.Options()
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=_characters(s))
    subsetter.subset(font)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.otf"
        font.save(path)
        return HTML(string=_html(s, path.as_uri())).write_pdf()


def write(folder: Path, samples: dict[str, Sample]) -> list[Path]:
    """Render every sample into `folder` as `<name>.pdf`."""
    folder.mkdir(exist_ok=True)
    out = []
    for name, s in samples.items():
        path = folder / f"{name}.pdf"
        path.write_bytes(render(s))
        out.append(path)
    return out
