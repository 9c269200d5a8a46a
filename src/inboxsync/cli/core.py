"""Core commands: init, company, folder, import, conversations, show, demo."""

from __future__ import annotations

import typer

from inboxsync.cli._app import app

company_app = typer.Typer(help="Companies (tenants) and their own addresses.", no_args_is_help=True)
folder_app = typer.Typer(help="A company's folders, with the descriptions the AI files by.", no_args_is_help=True)
app.add_typer(company_app, name="company")
app.add_typer(folder_app, name="folder")
