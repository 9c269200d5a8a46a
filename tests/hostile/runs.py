"""The hostile mix imported through the CLI: once per database and layout, on demand."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from tests.hostile.building import COMPANY_ADDRESS
from tests.hostile.cli import CliRun, inboxsync
from tests.hostile.databases import empty_database
from tests.hostile.dump import Dump, columns_holding, dump
from tests.hostile.mix import MAX_MESSAGE_BYTES, MBOX_NAME, SECRET, Mix, build_maildir, build_mbox

COMPANY = "Acme"
COMPANY_ADDRESSES = (
    COMPANY_ADDRESS,
    *(f"{box}@acme.example" for box in ("contact", "billing", "sales")),
)
ENV = {"INBOXSYNC_MAX_MESSAGE_BYTES": str(MAX_MESSAGE_BYTES)}

# "database layout: seconds" lines for the terminal summary.
TIMINGS: list[str] = []


@dataclass(frozen=True)
class HostileRun:
    """One database, one layout: the setup commands, two imports, and the rows after each."""

    database: str
    layout: str
    mix: Mix
    setup: tuple[CliRun, ...]
    first: CliRun
    second: CliRun
    after_first: Dump
    after_second: Dump
    secret_columns: tuple[str, ...]


class HostileImports:
    """Builds each layout's mix once and imports it once per database, on demand."""

    def __init__(self, tmp: pytest.TempPathFactory, stack: ExitStack) -> None:
        self.tmp = tmp
        self.stack = stack
        self._mixes: dict[str, Mix] = {}
        self._runs: dict[tuple[str, str], HostileRun] = {}

    def mix(self, layout: str) -> Mix:
        if layout not in self._mixes:
            base = self.tmp.mktemp(f"hostile-{layout}")
            if layout == "maildir":
                self._mixes[layout] = build_maildir(base / "Maildir", base / "outside")
            else:
                self._mixes[layout] = build_mbox(base / MBOX_NAME)
        return self._mixes[layout]

    def run(self, database: str, layout: str) -> HostileRun:
        if (database, layout) not in self._runs:
            self._runs[database, layout] = self._import(database, layout)
        return self._runs[database, layout]

    def _import(self, database: str, layout: str) -> HostileRun:
        mix = self.mix(layout)
        work = self.tmp.mktemp(f"run-{database}-{layout}")
        url = self.stack.enter_context(empty_database(database, work))

        def cli(*args: str) -> CliRun:
            return inboxsync(url, *args, cwd=work, env=ENV)

        addresses = [arg for address in COMPANY_ADDRESSES for arg in ("--address", address)]
        setup = (cli("init"), cli("company", "add", COMPANY, *addresses))
        for command in setup:
            assert command.returncode == 0, command.describe()
        import_args = ("import", str(mix.path), "--company", COMPANY, "--json")
        first = cli(*import_args)
        after_first = dump(url)
        second = cli(*import_args)
        TIMINGS.append(
            f"{database:<10} {layout:<7} first import {first.seconds:6.1f} s, "
            f"second {second.seconds:6.1f} s ({len(mix.entries)} messages)"
        )
        return HostileRun(
            database,
            layout,
            mix,
            setup,
            first,
            second,
            after_first,
            dump(url),
            tuple(columns_holding(url, SECRET)),
        )
