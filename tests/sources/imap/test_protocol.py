"""The IMAP protocol layer against a real Dovecot: TLS modes, logins, read-only fetches, IDLE,
faults."""

from __future__ import annotations

import logging

import pytest

from inboxsync.errors import AuthError, ImapConnectionError, SourceError
from inboxsync.sources.imap import (
    ImapConnection,
    ImapEndpoint,
    ImapFolder,
    TlsMode,
    supports_idle,
    wait_for_change,
)
from inboxsync.sources.imap.connection import IMAPLIB_LOGGER
from inboxsync.sources.imap.responses import uid_set
from inboxsync.sources.secrets import Secret
from tests.factories import make_message
from tests.support.dovecot import DovecotServer, ImapUser, free_port
from tests.support.imap import crlf, mails


def endpoint(
    server: DovecotServer, user: ImapUser, tls: TlsMode = "none", **kw: object
) -> ImapEndpoint:
    port = server.ssl_port if tls == "ssl" else server.port
    return ImapEndpoint("127.0.0.1", port, tls, user.name, ca_file=str(server.cert), timeout=10,
                        **kw)  # type: ignore[arg-type]  # fmt: skip


@pytest.mark.parametrize("tls", ["ssl", "starttls", "none"])
def test_logs_in_with_each_tls_mode(
    dovecot: DovecotServer, imap_user: ImapUser, tls: TlsMode
) -> None:
    with ImapConnection.open(endpoint(dovecot, imap_user, tls), Secret(imap_user.password)) as conn:
        assert ImapFolder.examine(conn, "INBOX").status.exists == 0
        assert conn.condstore


def test_logs_in_with_an_xoauth2_token(dovecot: DovecotServer, imap_user: ImapUser) -> None:
    # The fixture's passdb checks the bearer token like a password.
    ep = endpoint(dovecot, imap_user, oauth2=True)
    with ImapConnection.open(ep, Secret(imap_user.password)) as conn:
        assert ImapFolder.examine(conn, "INBOX").status.uidvalidity > 0


def test_a_refused_login_is_an_auth_error_without_the_secret(
    dovecot: DovecotServer, imap_user: ImapUser
) -> None:
    for oauth2 in (False, True):
        with pytest.raises(AuthError) as err:
            ImapConnection.open(endpoint(dovecot, imap_user, oauth2=oauth2), Secret("wrong-s3cret"))
        assert "refused the login" in str(err.value)
        assert "wrong-s3cret" not in str(err.value)


def test_an_untrusted_certificate_is_refused(dovecot: DovecotServer, imap_user: ImapUser) -> None:
    ep = ImapEndpoint("127.0.0.1", dovecot.ssl_port, "ssl", imap_user.name, timeout=10)
    with pytest.raises(Exception, match="certificate") as err:
        ImapConnection.open(ep, Secret(imap_user.password))
    assert not isinstance(err.value, ImapConnectionError)  # not worth a retry


def test_connection_refused_is_transient(imap_user: ImapUser) -> None:
    ep = ImapEndpoint("127.0.0.1", free_port(), "none", imap_user.name, timeout=5)
    with pytest.raises(ImapConnectionError, match="connection refused"):
        ImapConnection.open(ep, Secret("x"))


def test_headers_first_then_bodies_and_nothing_is_flagged(
    dovecot: DovecotServer, imap_user: ImapUser
) -> None:
    no_id = crlf(make_message(msgid=None, subject="No id"))
    messages = [*mails(3), no_id]
    dovecot.append(imap_user, messages)
    with ImapConnection.open(endpoint(dovecot, imap_user), Secret(imap_user.password)) as conn:
        folder = ImapFolder.examine(conn, "INBOX")
        assert (folder.status.exists, folder.status.uidnext) == (4, 5)
        assert folder.uids_after(0) == [1, 2, 3, 4]
        assert folder.uids_after(4) == []
        peeks = folder.peek([1, 2, 3, 4, 99])
        assert [(p.uid, p.size, p.message_id) for p in peeks] == [
            (1, len(messages[0]), "m-0@client.example"),
            (2, len(messages[1]), "m-1@client.example"),
            (3, len(messages[2]), "m-2@client.example"),
            (4, len(no_id), None),
        ]
        headers_bytes = conn.stats.bytes_downloaded
        dates = {p.uid: p.internaldate for p in peeks}
        bodies = folder.bodies([4, 2, 77], dates)
        assert [(b.uid, b.raw) for b in bodies] == [(4, no_id), (2, messages[1])]
        assert bodies[1].internaldate == dates[2] and dates[2] is not None
        assert dates[2].tzinfo is None
        assert conn.stats.bytes_downloaded == headers_bytes + len(messages[1]) + len(no_id)
        assert folder.headers([3])[3].startswith(b"Message-ID: <m-2@client.example>")
    with dovecot.client(imap_user) as client:
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags([1, 2, 3, 4])
    assert all(b"\\Seen" not in f for f in flags.values())


def test_a_missing_folder_is_a_source_error(dovecot: DovecotServer, imap_user: ImapUser) -> None:
    secret = Secret(imap_user.password)
    with (
        ImapConnection.open(endpoint(dovecot, imap_user), secret) as conn,
        pytest.raises(SourceError, match="EXAMINE Nope") as err,
    ):
        ImapFolder.examine(conn, "Nope")
    assert not isinstance(err.value, ImapConnectionError)


def test_idle_wakes_up_when_mail_arrives(dovecot: DovecotServer, imap_user: ImapUser) -> None:
    import threading

    with ImapConnection.open(endpoint(dovecot, imap_user), Secret(imap_user.password)) as conn:
        assert supports_idle(conn)
        folder = ImapFolder.examine(conn, "INBOX")
        timer = threading.Timer(0.5, dovecot.append, args=(imap_user, mails(1)))
        timer.start()
        assert wait_for_change(folder, 20)
        timer.join()
        assert not wait_for_change(folder, 0.5)


def test_uid_sets_are_compact() -> None:
    assert uid_set([3, 1, 2, 7, 9, 10, 10]) == "1:3,7,9:10"
    assert uid_set([5]) == "5"


def test_imaplib_traces_the_protocol_only_when_its_logger_keeps_debug_lines(
    dovecot: DovecotServer, imap_user: ImapUser, caplog: pytest.LogCaptureFixture
) -> None:
    # The trace formats every response, bodies included: off unless someone reads it.
    secret = Secret(imap_user.password)
    for level, traced in ((logging.INFO, False), (logging.DEBUG, True)):
        caplog.clear()
        with (
            caplog.at_level(level, logger=IMAPLIB_LOGGER),
            ImapConnection.open(endpoint(dovecot, imap_user), secret) as conn,
        ):
            ImapFolder.examine(conn, "INBOX")
            assert (conn.client._imap.debug > 0) is traced
        assert any(r.name == IMAPLIB_LOGGER for r in caplog.records) is traced
