"""Threading commands: merge, split, undo, mark-notification. Each waits for the jobs it
queues (the classification of a new conversation, webhooks) with the inline backend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from inboxsync.cli._app import Company, inbox_of
from inboxsync.cli.render import print_lines

if TYPE_CHECKING:  # annotations only: its module loads with the commands
    from inboxsync.db.overrides import ThreadOverride

commands: typer.Typer = typer.Typer()


def _moved(override: ThreadOverride) -> str:
    count = len(override.message_ids)
    return f"{count} message{'' if count == 1 else 's'}"


@commands.command("merge")
def merge(
    ctx: typer.Context,
    conversation: Annotated[int, typer.Argument(help="The conversation merged (it goes).")],
    into: Annotated[int, typer.Argument(help="The conversation that takes its messages.")],
    company: Company,
) -> None:
    """Move every message of CONVERSATION into INTO; later replies to either join INTO."""
    done = inbox_of(ctx).merge_conversations(company, into, conversation, wait=True)
    line = f"merged conversation {conversation} into {into} ({_moved(done)}): override {done.id}"
    print_lines([line])


@commands.command("split")
def split(
    ctx: typer.Context,
    message: Annotated[int, typer.Argument(help="The message to split out.")],
    company: Company,
) -> None:
    """Move MESSAGE and its replies into a new conversation, which the classifier files."""
    done = inbox_of(ctx).split_message(company, message, wait=True)
    line = f"split {_moved(done)} out of conversation {done.source_id} into {done.conversation_id}"
    print_lines([f"{line}: override {done.id}"])


@commands.command("undo")
def undo(
    ctx: typer.Context,
    override: Annotated[int, typer.Argument(help="The merge's or split's override id.")],
    company: Company,
) -> None:
    """Undo a merge (the merged conversation comes back) or a split (its messages go back)."""
    done = inbox_of(ctx).undo_override(company, override, wait=True)
    print_lines([f"override {done.id} ({done.kind}) undone: {_moved(done)} put back"])


@commands.command("mark-notification")
def mark_notification(
    ctx: typer.Context,
    conversation: Annotated[int, typer.Argument(help="The conversation to mark.")],
    company: Company,
    not_one: bool = typer.Option(False, "--not", help="Mark it as not a notification."),
) -> None:
    """Mark CONVERSATION as a notification (or, with --not, as none); the mark wins over the
    detector."""
    done = inbox_of(ctx).set_notification(company, conversation, not not_one, wait=True)
    what = "a notification" if done.is_notification else "not a notification"
    print_lines([f"conversation {conversation} marked {what} (status {done.status})"])
