"""The IMAP commands end to end against Dovecot: mailbox add/list, sync, errors, busy
mailboxes, watch, secrets."""

from __future__ import annotations

import base64
import json
import logging
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

import inboxsync.db.registry  # noqa: F401  (every table in Base.metadata)
from inboxsync.db import make_engine
from inboxsync.db.models import Base, Mailbox
from tests.support.cli import invoke, ok, spawn
from tests.support.dovecot import DovecotServer, ImapUser
from tests.support.imap import mails
from tests.support.proxy import CuttingProxy


@dataclass
class CliAccount:
    """Company Acme (added through the CLI) on the test database, and an IMAP user."""

    db_url: str
    server: DovecotServer
    user: ImapUser

    def cli(self, *args: str) -> tuple[int, str, str]:
        """Run `inboxsync --db DB ARGS…` in-process; returns (exit code, stdout, stderr)."""
        result = invoke(*args, db=self.db_url)
        return result.exit_code, result.stdout, result.stderr

    def add_mailbox(self, *secret: str, user: ImapUser | None = None) -> int:
        """`mailbox add` for `user` (by default the account's), INBOX and Sent; its id."""
        user = user or self.user
        self.server.append(user, [], folder="Sent")
        args = ["mailbox", "add", "--company", "Acme", "--imap-host", "127.0.0.1", "--port",
                str(self.server.port), "--tls", "none", "--user", user.name, *secret]  # fmt: skip
        code, out, err = self.cli(*args, "--folder", "INBOX", "--folder", "Sent")
        assert code == 0, err
        return int(out.split()[1])


@pytest.fixture
def account(db_url: str, dovecot: DovecotServer) -> CliAccount:
    ok(invoke("company", "add", "Acme", "--address", "support@acme.example", db=db_url))
    return CliAccount(db_url, dovecot, dovecot.new_user())


def test_add_list_and_sync_a_mailbox(monkeypatch: pytest.MonkeyPatch, account: CliAccount) -> None:
    monkeypatch.setenv("ACME_IMAP_PW", account.user.password)
    account.server.append(account.user, mails(5))
    mailbox_id = account.add_mailbox("--password-env", "ACME_IMAP_PW")

    code, out, _ = account.cli("mailbox", "list", "--json")
    [listed] = json.loads(out)
    assert (code, listed["id"], listed["secret_ref"]) == (0, mailbox_id, "env:ACME_IMAP_PW")
    assert [f["name"] for f in listed["folders"]] == ["INBOX", "Sent"]

    code, out, err = account.cli("sync", "--company", "Acme", "--json")
    report = json.loads(out)
    assert (code, err, report["new_messages"], report["errors"]) == (0, "", 5, [])
    assert report["bytes_downloaded"] > 0 and report["imap_round_trips"] > 0

    code, out, _ = account.cli("sync", "--mailbox", str(mailbox_id), "--json")
    assert (code, json.loads(out)["bytes_downloaded"]) == (0, 0)
    code, out, _ = account.cli("sync")
    assert code == 0 and "IMAP sync" in out


def test_a_wrong_password_exits_1_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, account: CliAccount
) -> None:
    monkeypatch.setenv("ACME_IMAP_PW", "definitely-wrong")
    mailbox_id = account.add_mailbox("--password-env", "ACME_IMAP_PW")
    code, out, err = account.cli("sync", "--json")
    assert code == 1
    assert err.splitlines() == [
        f"error: mailbox {mailbox_id}: {account.user.name}@127.0.0.1:{account.server.port}: "
        "the server refused the login (password rejected)"
    ]
    assert json.loads(out)["errors"] == [err.removeprefix("error: ").strip()]


def test_a_missing_secret_is_one_line_too(
    monkeypatch: pytest.MonkeyPatch, account: CliAccount
) -> None:
    monkeypatch.delenv("ACME_UNSET_PW", raising=False)
    account.add_mailbox("--password-env", "ACME_UNSET_PW")
    code, _, err = account.cli("sync")
    assert code == 1
    assert len(err.splitlines()) == 1 and "ACME_UNSET_PW is not set" in err


@pytest.mark.parametrize("kind", ["password", "oauth2"])
def test_secrets_never_reach_logs_reports_or_the_database(
    caplog: pytest.LogCaptureFixture,
    account: CliAccount,
    kind: str,
    tmp_path: Path,
) -> None:
    user = account.server.new_user(password="Tr0ub4dor-" + os.urandom(6).hex())
    account.server.append(user, mails(3))
    secret_file = f"{tmp_path}/secret"
    with open(secret_file, "w") as fh:
        fh.write(user.password + "\n")
    option = "--password-file" if kind == "password" else "--oauth2-token-file"
    caplog.set_level(logging.DEBUG)  # imapclient logs every protocol line at DEBUG
    account.add_mailbox(option, secret_file, user=user)
    _, out, err = account.cli("sync", "--json")
    assert json.loads(out)["new_messages"] == 3
    # A wrong secret too: its error must not echo it.
    with open(secret_file, "w") as fh:
        fh.write(user.password + "-wrong")
    account.server.append(user, mails(1, start=3))
    _, out2, err2 = account.cli("sync", "--json")
    assert "refused the login" in err2
    _, listed, _ = account.cli("mailbox", "list")

    assert "imapclient" in caplog.text  # the protocol really was logged
    haystack = caplog.text + out + err + out2 + err2 + listed + dump(account.db_url)
    sasl = f"user={user.name}\1auth=Bearer {user.password}\1\1".encode()
    for needle in (user.password, base64.b64encode(sasl).decode(), user.password[-8:]):
        assert needle not in haystack


def dump(db_url: str) -> str:
    """Every value of every table, as text."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return "\n".join(
                repr(tuple(row)) + "".join(
                    v.decode("latin-1") for v in row if isinstance(v, bytes)
                )
                for table in Base.metadata.sorted_tables
                for row in conn.execute(table.select())
            )  # fmt: skip
    finally:
        engine.dispose()


def test_two_syncs_of_one_mailbox_started_together_one_runs_one_is_busy(
    sessions: sessionmaker[Session], account: CliAccount
) -> None:
    account.server.append(account.user, mails(20))
    mailbox_id = account.add_mailbox("--password-env", "ACME_IMAP_PW")
    env = {"ACME_IMAP_PW": account.user.password, "INBOXSYNC_IMAP_TIMEOUT_SECONDS": "60"}
    # The link hangs mid-fetch until healed, so whichever sync wins the lease is still running
    # when the other one asks for it.
    with CuttingProxy(account.server.port, budget=3_000, stall=True) as proxy:
        with sessions.begin() as session:
            session.execute(update(Mailbox).values(imap_port=proxy.port))
        procs = [spawn("sync", "--json", db=account.db_url, env=env) for _ in range(2)]
        deadline = time.monotonic() + 60
        while all(p.poll() is None for p in procs) and time.monotonic() < deadline:
            time.sleep(0.05)
        proxy.heal()
        results = sorted((p.wait(timeout=60), *p.communicate()) for p in procs)
    (ok, ok_out, ok_err), (busy, busy_out, busy_err) = results
    assert (ok, ok_err, json.loads(ok_out)["new_messages"]) == (0, "", 20)
    assert busy == 1
    [line] = busy_err.splitlines()
    assert line.startswith(f"error: mailbox {mailbox_id} is busy: another sync holds its lease")
    assert json.loads(busy_out)["new_messages"] == 0


def test_watch_syncs_new_mail_on_idle_and_stops_cleanly_on_ctrl_c(account: CliAccount) -> None:
    account.server.append(account.user, mails(2))
    account.add_mailbox("--password-env", "ACME_IMAP_PW")
    env = {"ACME_IMAP_PW": account.user.password}
    # A long poll: only IDLE can bring the second sync in time.
    proc = spawn("watch", "--json", "--poll-seconds", "120", db=account.db_url, env=env)
    try:
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())
        assert first["new_messages"] == 2
        time.sleep(0.5)  # let the watcher enter IDLE
        account.server.append(account.user, mails(1, start=2))
        second = json.loads(proc.stdout.readline())
        assert second["new_messages"] == 1
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
        assert proc.stderr is not None and "stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
