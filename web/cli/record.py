"""`tongbu case record ID --pdf FILE`: the printable case record (issue 14) from the shell.

The same reader (`engine.cases.record.case_record`, scoped by `--as`) and the same layout
(`web.case_record`) as the page and the API, so the file is the PDF the "PDF" button gives.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
from marshmallow import ValidationError

from engine.cases.record import case_record
from web.cli.base import Ctx, _actor, handled, pass_ctx


def _target(option: str, value: str | None) -> Path | None:
    """Where a file goes: `-` is standard output; otherwise a file in an existing folder."""
    if value is None or value == "-":
        return None
    path = Path(value)
    if path.is_dir():
        raise ValidationError(
            {option: [f"{value} is a folder; name a file / 这是文件夹，请给出文件名"]}
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValidationError(
            {option: [f"folder {folder} does not exist / 文件夹 {folder} 不存在"]}
        )
    if not os.access(folder, os.W_OK):
        raise ValidationError({option: [f"folder {folder} is not writable / 文件夹不可写"]})
    return path


def _write(path: Path | None, data: bytes) -> None:
    """Write all or nothing: a temporary file in the same folder, renamed when complete."""
    if path is None:
        out = click.get_binary_stream("stdout")
        out.write(data)
        out.flush()
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check(pdf: str | None, html: str | None) -> tuple[Path | None, Path | None]:
    if pdf is None and html is None:
        raise ValidationError(
            {
                "--pdf": [
                    "give --pdf FILE or --html FILE (or both); `tongbu case show` prints the "
                    "case as text / 请给出 --pdf 或 --html 文件"
                ]
            }
        )
    if pdf == "-" and html == "-":
        raise ValidationError({"--html": ["only one of --pdf and --html may be - (stdout)"]})
    pdf_path, html_path = _target("--pdf", pdf), _target("--html", html)
    if pdf_path is not None and html_path is not None and pdf_path.resolve() == html_path.resolve():
        raise ValidationError({"--html": ["--pdf and --html name the same file"]})
    return pdf_path, html_path


def register(main: click.Group) -> None:
    """Add `record` to the `case` group."""
    group = main.commands["case"]
    assert isinstance(group, click.Group)

    @group.command("record")
    @click.argument("case_id", type=click.IntRange(min=1, max=2**31 - 1))
    @click.option(
        "--as", "username", required=True, envvar="TONGBU_USER", help="acting user (or TONGBU_USER)"
    )
    @click.option(
        "--pdf", "pdf", default=None, metavar="FILE", help="write the PDF here (- for stdout)"
    )
    @click.option(
        "--html",
        "html",
        default=None,
        metavar="FILE",
        help="write the HTML here, stylesheet inline",
    )
    @click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
    @pass_ctx
    @handled
    def case_record_command(
        ctx: Ctx, case_id: int, username: str, pdf: str | None, html: str | None, lang: str
    ) -> None:
        """Write the printable record of a case: organization, steps, deadlines, documents."""
        from web import case_record as layout
        from web import create_app

        pdf_path, html_path = _check(pdf, html)
        rt = ctx.runtime
        record = case_record(
            rt.reader(), rt.definitions, case_id, actor=_actor(rt, username), now=rt.clock.now()
        )
        app = create_app(runtime=rt)
        with app.test_request_context("/", headers={"Accept-Language": lang}):
            if html is not None:
                _write(html_path, layout.render_html(record, standalone=True).encode("utf-8"))
            if pdf is not None:
                _write(pdf_path, layout.render_pdf(record))
        for name, path in (
            ("PDF", pdf_path if pdf else None),
            ("HTML", html_path if html else None),
        ):
            if path is not None:
                click.echo(f"case {case_id}: record ({name}) written to {path}", err=True)
