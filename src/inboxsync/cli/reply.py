"""The reply command: an agent's answer to a conversation, sent through the outbox."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from inboxsync.cli._app import AsJson, Company, RunAsync, inbox_of
from inboxsync.cli.render import print_json, print_lines

if TYPE_CHECKING:  # annotations only
    from inboxsync.outbound.message import OutgoingFile

commands: typer.Typer = typer.Typer()


def _file(path: Path) -> OutgoingFile:
    from inboxsync.outbound.message import OutgoingFile  # the outbound package: for replies only

    content_type = mimetypes.guess_type(path.name, strict=False)[0] or ""
    return OutgoingFile(path.name, content_type, path.read_bytes())


@commands.command("reply")
def reply(
    ctx: typer.Context,
    conversation_id: int,
    company: Company,
    text: str | None = typer.Option(None, "--text", help="The reply's text."),
    html_file: Path | None = typer.Option(
        None, "--html-file", exists=True, dir_okay=False, help="The reply's HTML, as written."
    ),
    attach: list[Path] = typer.Option(
        [], "--attach", exists=True, dir_okay=False, help="A file to attach (repeatable)."
    ),
    key: str | None = typer.Option(
        None, "--idempotency-key", help="The same key again sends nothing twice."
    ),
    run_async: RunAsync = False,
    as_json: AsJson = False,
) -> None:
    """Reply to the conversation's client through the company's SMTP server."""
    receipt = inbox_of(ctx).reply(
        company,
        conversation_id,
        text=text,
        html=html_file.read_text(encoding="utf-8") if html_file else None,
        attachments=[_file(path) for path in attach],
        idempotency_key=key,
        wait=not run_async,
    )
    if as_json:
        print_json(receipt)
        return
    again = " (already sent with this key)" if receipt.replayed else ""
    print_lines([f"reply {receipt.reply_id} {receipt.status}: <{receipt.message_id}>{again}"])
