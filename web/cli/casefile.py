"""The case file from the shell (issue 14): `tongbu case attach|documents|comment` for the
caseworker, `tongbu documents check|move` for the administrator.

The same services as the UI and the API (`engine.cases.documents`, scoped by `--as`), and
`engine.cases.document_storage` for what concerns where the bytes are kept.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from marshmallow import ValidationError, fields, validate

from engine.cases import document_storage, documents
from engine.cases.documents import COMMENT_MAX, MB, TooLarge, Upload
from engine.definitions.schema import IDENT
from engine.inputs import INT_MAX, InputSchema
from engine.store.blobs import DEFAULT_GRACE_SECONDS
from web.cli.base import Ctx, _actor, _echo_json, handled, pass_ctx
from web.cli.instants import ZONE, local_time

CASE_ID = click.IntRange(min=1, max=INT_MAX)
AS_USER = click.option(
    "--as", "username", required=True, envvar="TONGBU_USER", help="acting user (or TONGBU_USER)"
)
#: The services' field names as this command's arguments, in error messages.
ARGUMENTS = {"material": "--material", "replaces": "--replaces", "text": "TEXT", "file": "FILE"}


class AttachArgs(InputSchema):
    """`case attach`'s text arguments, under the one input policy (as the API's form)."""

    material = fields.String(
        data_key="--material", load_default=None, validate=[IDENT, validate.Length(max=60)]
    )
    note = fields.String(
        data_key="--note", load_default=None, validate=validate.Length(min=1, max=2000)
    )


class CommentArgs(InputSchema):
    text = fields.String(
        data_key="TEXT", required=True, validate=validate.Length(min=1, max=COMMENT_MAX)
    )


def _named_as_arguments(err: ValidationError) -> ValidationError:
    messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
    return ValidationError({ARGUMENTS.get(k, k): v for k, v in messages.items()})


def _read(path: Path, per_file: int) -> bytes:
    """The file's bytes, read no further than one byte past the per-file limit."""
    with path.open("rb") as fh:
        data = fh.read(per_file + 1)
    if len(data) > per_file:
        raise TooLarge(str(path), per_file / MB, per_case=False)
    return data


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} B"


def register(main: click.Group) -> None:
    """Add `case attach|documents|comment` to the `case` group, and the `documents` group."""
    case = main.commands["case"]
    assert isinstance(case, click.Group)

    @case.command("attach")
    @click.argument("case_id", type=CASE_ID)
    @click.argument(
        "files",
        metavar="FILE...",
        nargs=-1,
        required=True,
        type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
    )
    @click.option(
        "--material",
        default=None,
        help="what the files are: a material id of the case's procedure "
        "(`tongbu definitions show`); omitted: another document",
    )
    @click.option(
        "--replaces",
        type=CASE_ID,
        default=None,
        help="id of a document of the case that the (one) file is a new version of",
    )
    @click.option("--note", default=None, help="shown with the attachment in the history")
    @AS_USER
    @pass_ctx
    @handled
    def case_attach(
        ctx: Ctx,
        case_id: int,
        files: tuple[Path, ...],
        material: str | None,
        replaces: int | None,
        note: str | None,
        username: str,
    ) -> None:
        """Attach FILE... to a case (PDF, JPEG, PNG, Office: judged by the content)."""
        rt = ctx.runtime
        args = AttachArgs().load({"--material": material, "--note": note})
        material, note = args["material"], args["note"]
        if replaces is not None and len(files) > 1:
            raise ValidationError({"--replaces": ["a new version replaces one document: one FILE"]})
        per_file = documents.limits(rt.definitions.parameters)[0]
        uploads = [
            Upload(path.name, _read(path, per_file), material, replaces, str(path))
            for path in files
        ]
        actor = _actor(rt, username)
        try:
            ids = documents.attach(
                rt.uow(), rt.definitions, case_id, uploads, actor=actor, note=note
            )
        except ValidationError as err:
            raise _named_as_arguments(err) from err
        infos = documents.list_documents(rt.uow(), rt.definitions, case_id, actor=actor)
        for info in (i for i in infos if i.id in set(ids)):
            click.echo(
                f"case {case_id}: document {info.id} attached — {info.filename} "
                f"({info.content_type}, {_size(info.size)}) sha256 {info.sha256}"
            )

    @case.command("documents")
    @click.argument("case_id", type=CASE_ID)
    @AS_USER
    @click.option("--json", "as_json", is_flag=True)
    @pass_ctx
    @handled
    def case_documents(ctx: Ctx, case_id: int, username: str, as_json: bool) -> None:
        """List a case's documents, oldest first, each with its SHA-256."""
        rt = ctx.runtime
        infos = documents.list_documents(
            rt.uow(), rt.definitions, case_id, actor=_actor(rt, username)
        )
        if as_json:
            _echo_json([vars(i) for i in infos])
            return
        if not infos:
            click.echo(f"case {case_id}: no documents / 无材料")
            return
        click.echo(f"case {case_id}: {len(infos)} document(s) (times {ZONE})")
        for i in infos:
            what = i.material_label_zh or i.material or "(other / 其他材料)"
            versions = (f"  replaces {i.replaces_id}" if i.replaces_id else "") + (
                f"  replaced by {i.replaced_by_id}" if i.replaced_by_id else ""
            )
            click.echo(
                f"  {i.id:>6}  {what}  {i.filename}  {i.content_type}  {_size(i.size)}"
                f"  {i.uploaded_by_name} {local_time(i.uploaded_at)}"
                f"  step {i.trigger or '-'}{versions}\n          sha256 {i.sha256}"
            )

    @case.command("comment")
    @click.argument("case_id", type=CASE_ID)
    @click.argument("text")
    @AS_USER
    @pass_ctx
    @handled
    def case_comment(ctx: Ctx, case_id: int, text: str, username: str) -> None:
        """Comment on a case outside any step (an audited event in its history)."""
        rt = ctx.runtime
        text = CommentArgs().load({"TEXT": text})["text"]
        try:
            event_id = documents.add_comment(rt.uow(), case_id, text, actor=_actor(rt, username))
        except ValidationError as err:
            raise _named_as_arguments(err) from err
        click.echo(f"case {case_id}: comment added (event {event_id})")

    @main.group("documents")
    def documents_group() -> None:
        """Where the case files' bytes are kept: check them, move them between backends."""

    @documents_group.command("check")
    @click.option(
        "--repair",
        is_flag=True,
        help="finish or remove what a crash left staged; remove bytes no document names",
    )
    @click.option("--hashes", is_flag=True, help="also read every file and compare its SHA-256")
    @click.option(
        "--grace",
        type=click.FloatRange(min=0),
        default=DEFAULT_GRACE_SECONDS,
        show_default=True,
        help="seconds a staged file is left alone (an upload may still be committing)",
    )
    @pass_ctx
    @handled
    def documents_check(ctx: Ctx, repair: bool, hashes: bool, grace: float) -> None:
        """Every document's bytes in its backend; exit 1 if anything is wrong."""
        rt = ctx.runtime
        report = document_storage.check(rt.uow(), repair=repair, hashes=hashes, grace_seconds=grace)
        click.echo(f"documents checked: {report.documents} ({_backends(rt)})")
        if report.recovery is not None:
            r = report.recovery
            click.echo(
                f"repaired: {r.finished} staged file(s) moved into place, {r.removed} left by "
                f"a crash removed, {report.orphans_removed} unreferenced blob(s) removed"
            )
        if report.in_flight:
            click.echo(f"staged files younger than {grace:g}s left alone: {report.in_flight}")
        for problem in report.problems:
            click.echo(f"problem: {problem}", err=True)
        if not report.ok:
            click.echo(f"{len(report.problems)} problem(s) / 发现问题", err=True)
            sys.exit(1)
        click.echo("ok / 正常")

    @documents_group.command("move")
    @click.option("--to", "to", type=click.Choice(document_storage.STORAGES), required=True)
    @pass_ctx
    @handled
    def documents_move(ctx: Ctx, to: str) -> None:
        """Move every document to one backend, one document per transaction (resumable)."""
        rt = ctx.runtime
        if to == "directory" and rt.blobs.directory is None:
            raise ValidationError(
                {"--to": ["directory needs TONGBU_DOCUMENT_DIR (the folder) / 需设置文件夹"]}
            )
        report = document_storage.move(
            rt.uow(), to, progress=lambda doc_id: click.echo(f"moved document {doc_id}")
        )
        click.echo(
            f"moved to {to}: {report.moved}; already there: {report.already}; "
            f"problems: {len(report.problems)}"
        )
        for problem in report.problems:
            click.echo(f"problem: {problem}", err=True)
        if report.problems:
            sys.exit(1)
        if rt.config.document_storage != to:
            click.echo(
                f"note: new documents still go to {rt.config.document_storage} "
                f"(TONGBU_DOCUMENT_STORAGE); set it to {to} on every host",
                err=True,
            )


def _backends(rt: Any) -> str:
    folder = rt.blobs.directory.root if rt.blobs.directory is not None else "none"
    return f"new documents go to {rt.config.document_storage}; folder: {folder}"
