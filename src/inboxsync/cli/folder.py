"""Folder commands: folder add|edit|remove|set."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from inboxsync.cli._app import Company, group, inbox_of
from inboxsync.cli.render import print_lines
from inboxsync.errors import UsageError

commands = typer.Typer()
folder = group(commands, "folder", "A company's folders, with the descriptions the AI files by.")

SubjectTemplate = typer.Option(
    None, "--auto-reply-subject", help="Auto-reply subject: {client_name} {subject} {company_name}."
)
BodyFile = typer.Option(
    None, "--auto-reply-body-file", help="File holding the auto-reply body template (UTF-8)."
)


@folder.command("add")
def folder_add(
    ctx: typer.Context,
    name: str,
    company: Company,
    description: str = typer.Option(..., "--description", help="What belongs in the folder."),
    auto_reply_subject: str | None = SubjectTemplate,
    auto_reply_body_file: Path | None = BodyFile,
) -> None:
    """Create a folder that new conversations can be filed into (with an auto-reply when
    both its options are given)."""
    folder_id = inbox_of(ctx).add_folder(
        company,
        name,
        description,
        auto_reply_subject=auto_reply_subject,
        auto_reply_body=read_text(auto_reply_body_file),
    )
    print_lines([f"folder {name!r} created (id {folder_id})"])


@folder.command("edit")
def folder_edit(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Folder name or id.")],
    company: Company,
    description: str | None = typer.Option(None, "--description", help="New description."),
    auto_reply_subject: str | None = SubjectTemplate,
    auto_reply_body_file: Path | None = BodyFile,
    auto_reply: bool | None = typer.Option(
        None, "--auto-reply/--no-auto-reply", help="Turn the folder's auto-reply on or off."
    ),
) -> None:
    """Change a folder's description or auto-reply."""
    done = inbox_of(ctx).edit_folder(
        company,
        name,
        description=description,
        auto_reply=auto_reply,
        auto_reply_subject=auto_reply_subject,
        auto_reply_body=read_text(auto_reply_body_file),
    )
    print_lines([f"folder {done.folder_name!r}: auto-reply {'on' if done.enabled else 'off'}"])


@folder.command("remove")
def folder_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Folder name or id.")],
    company: Company,
) -> None:
    """Delete a folder; its conversations become unfiled."""
    unfiled = inbox_of(ctx).remove_folder(company, name)
    print_lines([f"folder {name!r} removed; {unfiled} conversations unfiled"])


@folder.command("set")
def folder_set(
    ctx: typer.Context,
    conversation_id: Annotated[int, typer.Argument(help="The conversation to file.")],
    folder_name: Annotated[str, typer.Argument(help="Folder name or id, or `none` to unfile.")],
    company: Company,
) -> None:
    """File a conversation by hand: a user's decision is never overwritten."""
    done = inbox_of(ctx).set_folder(company, conversation_id, folder_name)
    print_lines([f"conversation {done.conversation_id} filed in {done.folder_name!r}"])


def read_text(path: Path | None) -> str | None:
    """The UTF-8 text of the file at `path`, or None without a path."""
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
