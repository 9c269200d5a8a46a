"""The HTTP API's commands: serve, apikey create|list|revoke."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from inboxsync.cli._app import AnyCompany, AsJson, group, inbox_of, settings_of
from inboxsync.cli.render import console, print_json, print_lines
from inboxsync.errors import UsageError

if TYPE_CHECKING:  # annotations only: its module loads with the commands
    from inboxsync import ApiKeyInfo

commands = typer.Typer()
apikey = group(commands, "apikey", "API keys of the HTTP API: shown once, stored as a hash.")


@commands.command()
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Server processes."),
) -> None:
    """Serve the HTTP API (its OpenAPI documentation at /docs) until interrupted."""
    from inboxsync.server import serve as serve_api  # FastAPI loads only for the server

    serve_api(settings_of(ctx), host=host, port=port, workers=workers)


@apikey.command("create")
def apikey_create(
    ctx: typer.Context,
    company: AnyCompany = None,
    admin: bool = typer.Option(False, "--admin", help="An admin key: companies, no company."),
    scope: str | None = typer.Option(None, "--scope", help="read (default) or write."),
    name: str = typer.Option("", "--name", help="What the key is for."),
) -> None:
    """Create a key for a company (or an admin key) and print it alone: it is shown once."""
    if admin == (company is not None):
        raise UsageError("give either --company or --admin")
    if admin and scope is not None:
        raise UsageError("an admin key has no --scope")
    created = inbox_of(ctx).create_api_key(company, scope=scope or "read", name=name)
    print(created.key)


@apikey.command("list")
def apikey_list(ctx: typer.Context, company: AnyCompany = None, as_json: AsJson = False) -> None:
    """List the keys (of one company, else all) by their public prefix, never the key."""
    keys = inbox_of(ctx).api_keys(company)
    if as_json:
        print_json({"keys": keys})
    else:
        console.print(keys_table(keys))


@apikey.command("revoke")
def apikey_revoke(
    ctx: typer.Context,
    key_id: Annotated[int, typer.Argument(help="The key's id (from `apikey list`).")],
    company: AnyCompany = None,
) -> None:
    """Revoke a key: requests with it are refused from now on."""
    inbox_of(ctx).revoke_api_key(company, key_id)
    print_lines([f"API key {key_id} revoked"])


def keys_table(keys: tuple[ApiKeyInfo, ...]) -> Table:
    """One line per key."""
    table = Table(title="API keys")
    for column in ("id", "company", "name", "prefix", "scope", "created", "last used", "revoked"):
        table.add_column(column, no_wrap=column != "name")
    for k in keys:
        table.add_row(
            str(k.id),
            Text(k.company or "(admin)"),
            Text(k.name),
            k.prefix,
            k.scope,
            f"{k.created_at:%Y-%m-%d %H:%M}",
            f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "",
            f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "",
        )
    return table
