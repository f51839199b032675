"""Sign on a party's machine, submit at the office, check a receipt offline.

``concord sign`` and ``concord act TYPE`` need no workspace: they sign with the
author's own key and write a submission (the envelope and the tables it commits to).
``concord submit`` takes submissions at the office. ``concord act`` has one command per
statement type, built from the type's body schema, so that every statement type of the
registry can be signed from the command line.
"""

from __future__ import annotations

import inspect
import json
import sys
import types
import typing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo
from rich.console import Console
from typer.core import TyperGroup

from concord.cli.common import workspace
from concord.cli.remote import ServerOption
from concord.errors import ConcordError, InputError, MalformedStatement, VerificationError
from concord.identity.canonical import parse_json
from concord.inputs import MAX_JSON_FILE_BYTES, MAX_TABLE_BYTES, read_input

if TYPE_CHECKING:
    from concord.identity.keys import SigningKey
    from concord.ledger.receipts import Receipt
    from concord.submission import Submission

out = Console(stderr=True, highlight=False)
receipt_app = typer.Typer(no_args_is_help=True, help="Show and check receipts.")


def parse_when(text: str | None, *, option: str = "--issued-at") -> datetime:
    """An ISO 8601 time with a zone (``Z`` allowed); ``None`` is now (the author's clock)."""
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedStatement(
            f"{option}: {text!r} is not a time like 2187-04-01T09:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise MalformedStatement(f"{option}: {text!r} has no time zone (add Z for UTC)")
    return value.astimezone(UTC)


def _read(path: Path, what: str, limit: int = MAX_JSON_FILE_BYTES) -> bytes:
    return read_input(path, what, limit=limit)


def _read_json(path: Path, what: str) -> Any:
    return parse_json(_read(path, what), what=f"{what} {path}")


def _emit(submission_text: str, out_file: Path | None) -> None:
    if out_file is None:
        sys.stdout.write(submission_text)
    else:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(submission_text)
        out.print(f"submission written to {out_file}")


def deliver(ctx: typer.Context, submission: Submission, out_file: Path | None) -> Receipt | None:
    """Write the submission to ``out_file`` (the signer's machine) and return None, or,
    without one, submit it into the workspace and return its receipt."""
    if out_file is not None:
        _emit(submission.dumps(), out_file)
        return None
    from concord.submission import submit as submit_all

    with workspace(ctx) as ws:
        (receipt,) = submit_all(ws, [submission])
    return receipt


def _finish(
    ctx: typer.Context,
    submission: Submission,
    out_file: Path | None,
    submit_now: bool,
    server: str | None = None,
    key: SigningKey | None = None,
) -> None:
    """Write the submission; submit it into the workspace, or to the office's server,
    and print its receipt."""
    if server is not None:
        from concord.cli.remote import print_receipts, submit_to

        if submit_now:
            raise InputError("--submit and --server: choose one (the workspace, or the server)")
        if out_file is not None:
            _emit(submission.dumps(), out_file)
        print_receipts(submit_to(server, [submission], key))
        return
    if not submit_now:
        _emit(submission.dumps(), out_file)
        return
    from concord.submission import submit as submit_all

    if out_file is not None:
        _emit(submission.dumps(), out_file)
    with workspace(ctx) as ws:
        (receipt,) = submit_all(ws, [submission])
    sys.stdout.write(json.dumps(receipt.to_json(), sort_keys=True) + "\n")
    out.print(f"{receipt.statement_id} logged at index {receipt.index}")


def sign(
    ctx: typer.Context,
    body_file: Annotated[Path, typer.Argument(metavar="BODY.json", help="the statement body")],
    key: Annotated[Path, typer.Option("--key", help="your private key file")],
    statement_type: Annotated[str, typer.Option("--type", help="the statement type")],
    table: Annotated[
        list[Path] | None,
        typer.Option("--table", help="a CSV table the statement commits to (repeatable)"),
    ] = None,
    issued_at: Annotated[
        str | None, typer.Option(help="when you issue it, UTC (default: now)")
    ] = None,
    statement_id: Annotated[str | None, typer.Option("--id", help="the statement id")] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="write the submission here (default: stdout)")
    ] = None,
    submit_now: Annotated[
        bool, typer.Option("--submit", help="submit it into the workspace at once")
    ] = False,
    server: ServerOption = None,
) -> None:
    """Sign a statement with your own key and write the submission (envelope + tables).

    With --server, the submission is posted to the office's server and its receipt
    printed (JSON); --out still keeps a copy of the submission.
    """
    from concord.identity.keys import SigningKey
    from concord.registry import default_registry
    from concord.submission import sign_submission

    body = _read_json(body_file, "body")
    if not isinstance(body, dict):
        raise MalformedStatement(f"{body_file}: a statement body is a JSON object")
    tables = [_read(path, "table", MAX_TABLE_BYTES) for path in table or []]
    signer = SigningKey.load(key)
    submission = sign_submission(
        default_registry(),
        signer,
        statement_type,
        body,
        issued_at=parse_when(issued_at),
        tables=tables,
        statement_id=statement_id,
    )
    _finish(ctx, submission, out_file, submit_now, server, signer)


def submit(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(help="submissions or DSSE envelopes: JSON, JSON array or JSON lines"),
    ],
    receipts: Annotated[
        Path | None, typer.Option(help="write the receipts here as JSON lines")
    ] = None,
    server: ServerOption = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key", help="with --server: your private key, which signs the requests (RFC 9421)"
        ),
    ] = None,
) -> None:
    """Take signed submissions at the office; all of them are appended or none is.

    Every table a submission carries is re-hashed and stored; a refused submission
    leaves nothing behind. With --server, each submission is posted to the office's
    server (POST /statements) in turn, from your own machine: the first refused one
    stops the rest, and the receipts of those taken before it are printed.
    """
    from concord.submission import read_submissions
    from concord.submission import submit as submit_all

    submissions = [s for path in files for s in read_submissions(path)]
    if server is not None:
        from concord.cli.remote import print_receipts, submit_to
        from concord.identity.keys import SigningKey

        signer = None if key is None else SigningKey.load(key)
        print_receipts(submit_to(server, submissions, signer), receipts)
        return
    with workspace(ctx) as ws:
        result = submit_all(ws, submissions)
    lines = [json.dumps(r.to_json(), sort_keys=True) for r in result]
    if receipts:
        receipts.write_text("\n".join(lines) + "\n")
        out.print(f"{len(result)} statement(s) logged; receipts in {receipts}")
    else:
        for line in lines:
            typer.echo(line)


@receipt_app.command("show")
def receipt_show(ctx: typer.Context, statement_id: str) -> None:
    """Print the receipt of a logged statement against the latest checkpoint (JSON)."""
    with workspace(ctx) as ws:
        typer.echo(json.dumps(ws.ledger.receipt(statement_id).to_json(), indent=2, sort_keys=True))


@receipt_app.command("verify")
def receipt_verify(
    receipt_file: Annotated[Path, typer.Argument(metavar="RECEIPT", help="a receipt (JSON)")],
    vkey: Annotated[Path, typer.Option(help="the office's checkpoint verifier key file")],
    submission_file: Annotated[
        Path | None,
        typer.Option("--submission", help="the submission it is for (checks the entry too)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Check a receipt offline: the checkpoint's signature, and the inclusion proof.

    Given the submission, the receipt must also be for exactly that entry.
    """
    from concord.ledger import merkle
    from concord.ledger.notes import NoteVerifier, open_checkpoint
    from concord.ledger.receipts import Receipt
    from concord.submission import read_submissions

    try:
        data = _read_json(receipt_file, "receipt")
    except MalformedStatement as exc:
        raise VerificationError(exc.message) from None
    if not isinstance(data, dict):
        raise VerificationError(f"{receipt_file}: a receipt is a JSON object")
    receipt = Receipt.from_json(data)
    verifier = NoteVerifier.from_vkey(_read(vkey, "verifier key").decode().strip())
    if submission_file is not None:
        (submission,) = read_submissions(submission_file)[:1]
        checkpoint = receipt.verify(submission.entry, verifier)
    else:
        checkpoint = open_checkpoint(receipt.checkpoint, verifier)
        if not merkle.verify_inclusion(
            receipt.leaf_hash,
            receipt.index,
            checkpoint.size,
            list(receipt.inclusion_proof),
            checkpoint.root,
        ):
            raise VerificationError(
                f"receipt {receipt.statement_id}: inclusion proof does not verify against "
                f"the checkpoint of size {checkpoint.size}"
            )
    result = {
        "checkpoint_size": checkpoint.size,
        "entry_checked": submission_file is not None,
        "index": receipt.index,
        "statement_id": receipt.statement_id,
        "verified": True,
    }
    if as_json:
        typer.echo(json.dumps(result, sort_keys=True))
    else:
        what = "entry and inclusion" if submission_file else "inclusion (of the leaf hash)"
        typer.echo(
            f"receipt verified: {receipt.statement_id} at index {receipt.index}, "
            f"{what} in the signed checkpoint of size {checkpoint.size}"
        )


# --- concord act TYPE: a command per statement type, from its schema -----------------

#: Options every act command has; a body field of the same name gets a ``body-`` prefix.
_COMMON = {"key", "issued_at", "id", "table", "out", "submit", "server", "help", "ctx"}
_KW = inspect.Parameter.KEYWORD_ONLY


def _option_name(field: str) -> str:
    name = f"body_{field}" if field in _COMMON else field
    return "--" + name.replace("_", "-")


def _strip_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _strip_optional(args[0])
    if typing.get_origin(annotation) is typing.Annotated:
        return _strip_optional(typing.get_args(annotation)[0])
    return annotation


def _is_table(annotation: Any) -> bool:
    from concord.evidence.schemas import TableRef

    return _strip_optional(annotation) is TableRef


def _word_type(annotation: Any) -> tuple[type, str] | None:
    """The Python type an option gives as one word, and a note for the help, or None."""
    if typing.get_origin(annotation) is Literal:
        return str, "one of: " + ", ".join(str(a) for a in typing.get_args(annotation))
    if annotation in (int, float, str):
        return annotation, ""
    if annotation is AwareDatetime or (
        isinstance(annotation, type) and issubclass(annotation, datetime)
    ):
        return str, "a time like 2187-04-01T09:00:00Z"
    if isinstance(annotation, type) and issubclass(annotation, date):
        return str, "a date like 2187-04-01"
    return None


def _json_field(annotation: Any) -> bool:
    """A field given as JSON text (nested objects, pairs, unions of shapes)."""
    if _word_type(annotation) is not None or annotation is bool:
        return False
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation) or (str,)
        return _word_type(_strip_optional(item)) is None
    return True


def _optional(py_type: Any, option: Any) -> Any:
    """``Annotated[py_type | None, option]`` for a type known only at run time."""
    return Annotated.__class_getitem__((typing.Optional.__getitem__(py_type), option))  # type: ignore[attr-defined]


def _field_parameter(name: str, info: FieldInfo) -> inspect.Parameter | None:
    annotation = _strip_optional(info.annotation)
    if _is_table(annotation):
        return None
    required = info.is_required()
    default: Any = ... if required else None
    note = info.description or ""
    opt = _option_name(name)
    if annotation is bool:
        flag = opt.removeprefix("--")
        hint: Any = Annotated[bool | None, typer.Option(f"--{flag}/--no-{flag}", help=note)]
        return inspect.Parameter(name, _KW, default=default, annotation=hint)
    word = _word_type(annotation)
    if word is not None:
        help_text = "; ".join(x for x in (note, word[1]) if x)
        hint = _optional(word[0], typer.Option(opt, help=help_text))
        return inspect.Parameter(name, _KW, default=default, annotation=hint)
    if typing.get_origin(annotation) is list and not _json_field(annotation):
        (item,) = typing.get_args(annotation)
        word = _word_type(_strip_optional(item))
        assert word is not None
        help_text = "; ".join(x for x in (note, word[1], "repeatable") if x)
        hint = _optional(list.__class_getitem__(word[0]), typer.Option(opt, help=help_text))
        return inspect.Parameter(name, _KW, default=default, annotation=hint)
    help_text = "; ".join(x for x in (note, "JSON, or @FILE holding JSON") if x)
    hint = Annotated[str | None, typer.Option(opt, help=help_text)]
    return inspect.Parameter(name, _KW, default=default, annotation=hint)


def _json_value(name: str, text: str) -> Any:
    if text.startswith("@"):
        return _read_json(Path(text[1:]), _option_name(name))
    return parse_json(text, what=_option_name(name))


def body_from_options(model: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """A statement body from the values of its generated options (unset ones left out)."""
    body: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        value = values.get(name)
        if value is None or value == []:
            continue
        if isinstance(value, str) and _json_field(_strip_optional(info.annotation)):
            body[name] = _json_value(name, value)
        else:
            body[name] = value
    return body


_COMMON_PARAMETERS = [
    inspect.Parameter(
        "key_file",
        _KW,
        annotation=Annotated[Path, typer.Option("--key", help="your private key file")],
    ),
    inspect.Parameter(
        "issued_at",
        _KW,
        default=None,
        annotation=Annotated[
            str | None, typer.Option("--issued-at", help="when you issue it, UTC (default: now)")
        ],
    ),
    inspect.Parameter(
        "statement_id",
        _KW,
        default=None,
        annotation=Annotated[
            str | None, typer.Option("--id", help="the statement id (default: generated)")
        ],
    ),
    inspect.Parameter(
        "table_files",
        _KW,
        default=None,
        annotation=Annotated[
            list[Path] | None,
            typer.Option("--table", help="a CSV table the statement commits to (repeatable)"),
        ],
    ),
    inspect.Parameter(
        "out_file",
        _KW,
        default=None,
        annotation=Annotated[
            Path | None,
            typer.Option("--out", help="write the submission here (default: stdout)"),
        ],
    ),
    inspect.Parameter(
        "submit_now",
        _KW,
        default=False,
        annotation=Annotated[
            bool, typer.Option("--submit", help="submit it into the workspace at once")
        ],
    ),
    inspect.Parameter("server", _KW, default=None, annotation=ServerOption),
]


def act_command(statement_type: str, model: type[BaseModel], roles: frozenset[str]) -> Any:
    """The ``concord act TYPE`` function of one statement type, its options from ``model``."""
    from concord.identity.keys import SigningKey
    from concord.registry import default_registry
    from concord.submission import sign_submission

    def command(ctx: typer.Context, **values: Any) -> None:
        tables = [_read(p, "table", MAX_TABLE_BYTES) for p in values.pop("table_files") or []]
        signer = SigningKey.load(values.pop("key_file"))
        submission = sign_submission(
            default_registry(),
            signer,
            statement_type,
            body_from_options(model, values),
            issued_at=parse_when(values.pop("issued_at")),
            tables=tables,
            statement_id=values.pop("statement_id"),
        )
        _finish(
            ctx,
            submission,
            values.pop("out_file"),
            values.pop("submit_now"),
            values.pop("server"),
            signer,
        )

    fields = [p for n, i in model.model_fields.items() if (p := _field_parameter(n, i))]
    ctx_param = inspect.Parameter(
        "ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context
    )
    parameters = [ctx_param, *_COMMON_PARAMETERS, *fields]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    doc = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
    summary = doc if doc and not doc.startswith("Usage") else statement_type
    command.__doc__ = f"{summary}\n\nSigned by: {', '.join(sorted(roles))}."
    return command


class ActGroup(TyperGroup):
    """``concord act``: one command per statement type of the registry, built when asked."""

    def list_commands(self, ctx: Any) -> list[str]:
        from concord.registry import default_registry

        return sorted(default_registry().types)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        from concord.registry import default_registry

        kind = default_registry().types.get(cmd_name)
        if kind is None:
            return None
        single = typer.Typer(add_completion=False)
        single.command(cmd_name)(act_command(kind.name, kind.body, kind.roles))
        return typer.main.get_command(single)


act_app = typer.Typer(
    cls=ActGroup,
    no_args_is_help=True,
    help="Sign any statement type with your own key; its options come from its schema.",
)


def register(app: typer.Typer) -> None:
    app.command()(sign)
    app.command()(submit)
    app.add_typer(receipt_app, name="receipt")
    app.add_typer(act_app, name="act")


__all__ = ["ConcordError", "act_app", "parse_when", "register"]
