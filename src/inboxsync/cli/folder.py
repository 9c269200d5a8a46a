"""Folder commands: folder add|edit|remove|set, folder example add|list|remove."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from inboxsync.cli._app import Company, group, inbox_of
from inboxsync.cli.render import print_json, print_lines
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


example = group(
    folder, "example", "A folder's example messages, which the local model learns from."
)


@example.command("add")
def example_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Folder name or id.")],
    company: Company,
    subject: str = typer.Option("", "--subject", help="The example's subject."),
    text: str = typer.Option("", "--text", help="The example's text."),
    text_file: Path | None = typer.Option(None, "--text-file", help="File holding the text."),
    conversation_id: int | None = typer.Option(
        None, "--from-conversation", help="Copy a conversation's subject and first message."
    ),
) -> None:
    """Give a folder an example message (at most 50 per folder, 2,000 characters kept)."""
    done = inbox_of(ctx).add_folder_example(
        company,
        name,
        subject=subject,
        text=read_text(text_file) or text,
        conversation_id=conversation_id,
    )
    print_lines([f"example {done.id} added to folder {done.folder!r}"])


@example.command("list")
def example_list(
    ctx: typer.Context,
    company: Company,
    name: Annotated[str | None, typer.Argument(help="Only this folder (name or id).")] = None,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """List the folders' example messages."""
    examples = inbox_of(ctx).folder_examples(company, name)
    if as_json:
        print_json(examples)
        return
    print_lines(f"{e.id} {e.folder}: {e.subject or e.text[:60]}" for e in examples)


@example.command("remove")
def example_remove(
    ctx: typer.Context,
    example_id: Annotated[int, typer.Argument(help="The example (id).")],
    company: Company,
) -> None:
    """Delete a folder example."""
    inbox_of(ctx).remove_folder_example(company, example_id)
    print_lines([f"example {example_id} removed"])


def read_text(path: Path | None) -> str | None:
    """The UTF-8 text of the file at `path`, or None without a path."""
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
