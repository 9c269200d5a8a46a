"""Secret references: parsed, resolved from the environment or a file, never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxsync.errors import ConfigError
from inboxsync.sources.secrets import Secret, make_ref, parse_ref, resolve


def test_references_name_their_kind_and_source(tmp_path: Path) -> None:
    assert str(parse_ref("env:IMAP_PW")) == "env:IMAP_PW"
    assert parse_ref("oauth2-env:TOKEN").kind == "oauth2"
    ref = parse_ref(f"file:{tmp_path}/pw")
    assert (ref.kind, ref.source, ref.location) == ("password", "file", f"{tmp_path}/pw")
    assert make_ref(oauth2_token_file=str(tmp_path / "t")).kind == "oauth2"


@pytest.mark.parametrize("bad", ["", "IMAP_PW", "vault:x", "env:", "password:hunter2"])
def test_anything_but_a_reference_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_ref(bad)


def test_exactly_one_secret_option_is_required() -> None:
    with pytest.raises(ConfigError):
        make_ref()
    with pytest.raises(ConfigError):
        make_ref(password_env="A", oauth2_token_env="B")


def test_values_come_from_the_environment_or_a_file(tmp_path: Path) -> None:
    assert resolve("env:PW", {"PW": "s3cret"}).reveal() == "s3cret"
    (tmp_path / "pw").write_text("from-file\n")
    assert resolve(f"file:{tmp_path}/pw").reveal() == "from-file"


def test_a_missing_secret_names_the_reference_not_a_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="IMAP_PW is not set"):
        resolve("env:IMAP_PW", {})
    with pytest.raises(ConfigError, match="cannot read the secret file"):
        resolve(f"file:{tmp_path}/absent")
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ConfigError, match="is empty"):
        resolve(f"file:{tmp_path}/empty")


def test_a_secret_never_shows_its_value() -> None:
    secret = Secret("hunter2")
    shown = f"{secret} {secret!r} {[secret]} { {'a': secret} }"
    assert "hunter2" not in shown
    assert secret.reveal() == "hunter2"
