"""SMTP in its three TLS modes against a real server, with its failures told apart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxsync.errors import ConfigError, DeliveryUnknown, SmtpError
from inboxsync.outbound.smtp import SmtpSession, SmtpSettings
from tests.support.smtp_server import SmtpServer

RAW = b"From: support@acme.example\r\nTo: alice@client.example\r\nSubject: hi\r\n\r\nhello\r\n"


@pytest.fixture(params=["starttls", "ssl"])
def tls_server(
    request: pytest.FixtureRequest, smtp_cert: tuple[Path, Path]
) -> Iterator[SmtpServer]:
    server = SmtpServer(tls=request.param, cert=smtp_cert, users={"acme": "s3cret"}).start()
    yield server
    server.stop()


def send(settings: SmtpSettings, ca_file: str | None = None, timeout: float = 5.0) -> None:
    with SmtpSession(settings, timeout=timeout, ca_file=ca_file) as session:
        session.open()
        session.envelope("support@acme.example", "alice@client.example")
        session.data(RAW)


def test_plain_smtp_delivers(smtp: SmtpServer) -> None:
    send(SmtpSettings("127.0.0.1", smtp.port, "none"))
    assert [r.rcpt_tos for r in smtp.received] == [["alice@client.example"]]


def test_tls_modes_verify_the_server_and_log_in(
    tls_server: SmtpServer, smtp_cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_SMTP_PASSWORD", "s3cret")
    settings = SmtpSettings(
        "127.0.0.1", tls_server.port, tls_server.tls, "acme", "ACME_SMTP_PASSWORD"
    )
    send(settings, ca_file=str(smtp_cert[0]))
    assert len(tls_server.received) == 1


def test_an_untrusted_certificate_is_refused(tls_server: SmtpServer) -> None:
    settings = SmtpSettings("127.0.0.1", tls_server.port, tls_server.tls)
    with pytest.raises(SmtpError):
        send(settings)  # the system CAs do not know the test certificate
    assert tls_server.received == []


def test_a_wrong_password_fails_and_is_not_echoed(
    tls_server: SmtpServer, smtp_cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_SMTP_PASSWORD", "wrong-secret-value")
    settings = SmtpSettings(
        "127.0.0.1", tls_server.port, tls_server.tls, "acme", "ACME_SMTP_PASSWORD"
    )
    with pytest.raises(SmtpError) as failure:
        send(settings, ca_file=str(smtp_cert[0]))
    assert "wrong-secret-value" not in str(failure.value)


def test_a_missing_password_variable_names_the_variable_only(smtp: SmtpServer) -> None:
    settings = SmtpSettings("127.0.0.1", smtp.port, "none", "acme", "NO_SUCH_VARIABLE_SET")
    with pytest.raises(ConfigError, match="NO_SUCH_VARIABLE_SET"):
        send(settings)


@pytest.mark.parametrize(
    ("fault", "transient"),
    [("rcpt:451", True), ("rcpt:550", False), ("data:451", True), ("data:554", False)],
)
def test_refusals_are_transient_or_permanent_by_code(
    smtp: SmtpServer, fault: str, transient: bool
) -> None:
    smtp.fail(fault)
    with pytest.raises(SmtpError) as failure:
        send(SmtpSettings("127.0.0.1", smtp.port, "none"))
    assert failure.value.transient is transient
    assert smtp.received == []


def test_a_connection_refused_is_transient() -> None:
    from tests.support.smtp_server import free_port

    with pytest.raises(SmtpError) as failure:
        send(SmtpSettings("127.0.0.1", free_port(), "none"))
    assert failure.value.transient


def test_no_answer_to_data_means_delivery_unknown(smtp: SmtpServer) -> None:
    smtp.fail("data:hang")
    with pytest.raises(DeliveryUnknown):
        send(SmtpSettings("127.0.0.1", smtp.port, "none"), timeout=0.5)
    smtp.release()
    assert len(smtp.received) == 1  # the server did get it: that is why we never resend


def test_bad_tls_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        SmtpSettings("127.0.0.1", 25, "tls")
