"""Commands for the web page's users: user add|list|remove|set-password."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import typer
from rich.table import Table
from rich.text import Text

from inboxsync.cli._app import AsJson, Company, group, inbox_of
from inboxsync.cli.render import present, print_lines
from inboxsync.errors import UsageError

if TYPE_CHECKING:  # annotations only: its module loads with the commands
    from inboxsync import UserInfo

commands = typer.Typer()
user = group(commands, "user", "People who sign in to the web page: agents and admins.")

PasswordEnv = typer.Option(
    None,
    "--password-env",
    help="Environment variable holding the password (else it is asked for, hidden).",
)


def _password(variable: str | None) -> str:
    """The password: from the variable named `variable`, else typed twice without echo."""
    if variable is None:
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    value = os.environ.get(variable)
    if value is None:
        raise UsageError(f"--password-env: the variable {variable} is not set")
    return value


def users_table(users: list[UserInfo]) -> Table:
    """The users as a table for people."""
    table = Table(title="Users")
    for column in ("id", "email", "role", "created", "last sign-in"):
        table.add_column(column)
    for u in users:
        last = u.last_sign_in_at.isoformat(" ", "seconds") if u.last_sign_in_at else "never"
        table.add_row(
            str(u.id), Text(u.email), u.role, u.created_at.isoformat(" ", "seconds"), last
        )
    return table


@user.command("add")
def user_add(
    ctx: typer.Context,
    company: Company,
    email: str = typer.Option(..., "--email", help="The address they sign in with."),
    admin: bool = typer.Option(False, "--admin", help="An admin (operator pages too)."),
    password_env: str | None = PasswordEnv,
) -> None:
    """Add a user (an agent unless --admin) to a company."""
    added = inbox_of(ctx).add_user(company, email, _password(password_env), admin=admin)
    print_lines([f"user {added.email} added to {added.company!r} as {added.role} (id {added.id})"])


@user.command("list")
def user_list(ctx: typer.Context, company: Company, as_json: AsJson = False) -> None:
    """List a company's users."""
    present(inbox_of(ctx).users(company), as_json, users_table)


@user.command("remove")
def user_remove(
    ctx: typer.Context,
    company: Company,
    user_id: int = typer.Argument(..., help="The user's id (user list shows it)."),
) -> None:
    """Remove a user; their sessions end."""
    inbox_of(ctx).remove_user(company, user_id)
    print_lines([f"user {user_id} removed"])


@user.command("set-password")
def user_set_password(
    ctx: typer.Context,
    company: Company,
    user_id: int = typer.Argument(..., help="The user's id (user list shows it)."),
    password_env: str | None = PasswordEnv,
) -> None:
    """Give a user a new password; their sessions end."""
    inbox_of(ctx).set_password(company, user_id, _password(password_env))
    print_lines([f"password of user {user_id} changed; their sessions have ended"])
