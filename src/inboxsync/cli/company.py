"""Commands for the database and companies: init, company add|list|set-smtp."""

from __future__ import annotations

import typer

from inboxsync.cli._app import group, inbox_of, settings_of
from inboxsync.cli.render import console, print_lines

commands = typer.Typer()
company = group(commands, "company", "Companies (tenants), their own addresses and SMTP server.")


@commands.command()
def init(ctx: typer.Context) -> None:
    """Create or upgrade the database schema."""
    from inboxsync.api import Inbox

    inbox = Inbox.initialise(settings_of(ctx))
    console.print(f"database ready: {inbox.engine.url.render_as_string(hide_password=True)}")


@company.command("add")
def company_add(
    ctx: typer.Context,
    name: str,
    address: list[str] = typer.Option([], "--address", help="One of the company's own addresses."),
) -> None:
    """Create a company with its own addresses."""
    company_id = inbox_of(ctx).add_company(name, address)
    print_lines([f"company {name!r} created (id {company_id})"])


@company.command("list")
def company_list(ctx: typer.Context) -> None:
    """List companies and their own addresses."""
    print_lines(
        f"{c.id}\t{c.name}\t{' '.join(sorted(c.addresses))}" for c in inbox_of(ctx).companies()
    )


@company.command("set-smtp")
def company_set_smtp(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Company name or id."),
    host: str = typer.Option(..., "--host", help="SMTP server."),
    port: int = typer.Option(..., "--port", min=1, max=65535, help="SMTP port."),
    tls: str = typer.Option(..., "--tls", help="none, starttls or ssl."),
    user: str | None = typer.Option(None, "--user", help="Login, if the server wants one."),
    password_env: str | None = typer.Option(
        None, "--password-env", help="Environment variable holding the password (never stored)."
    ),
    from_address: str = typer.Option(
        "", "--from", help="Address replies come from (else the company's first address)."
    ),
    sent_mailbox: int | None = typer.Option(
        None, "--sent-mailbox", help="Mailbox (id) whose Sent folder gets a copy of each reply."
    ),
    sent_folder: str = typer.Option("", "--sent-folder", help="That folder's name, e.g. Sent."),
) -> None:
    """Set how a company sends its auto-replies and agents' replies."""
    smtp = inbox_of(ctx).set_smtp(
        name,
        host=host,
        port=port,
        tls=tls,
        user=user,
        password_env=password_env,
        from_address=from_address,
        sent_mailbox_id=sent_mailbox,
        sent_folder=sent_folder,
    )
    auth = f", user {smtp.username} (password from ${smtp.password_env})" if smtp.username else ""
    copy = f", copies to {smtp.sent_folder!r}" if smtp.sent_mailbox_id else ""
    print_lines([f"SMTP for {name!r}: {smtp.host}:{smtp.port} {smtp.tls}{auth}{copy}"])
