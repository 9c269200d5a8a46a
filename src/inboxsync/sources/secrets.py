"""Secret references (`env:VAR`, `file:PATH`, `oauth2-env:VAR`, `oauth2-file:PATH`), resolved.

The database stores only the reference; the value is read when a connection is made and lives in
a `Secret`, whose repr never shows it, so it cannot leak into a log line, a report or an error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from inboxsync.errors import ConfigError

SecretKind = Literal["password", "oauth2"]

# prefix → (kind, where the value lives)
_PREFIXES: dict[str, tuple[SecretKind, Literal["env", "file"]]] = {
    "env": ("password", "env"),
    "file": ("password", "file"),
    "oauth2-env": ("oauth2", "env"),
    "oauth2-file": ("oauth2", "file"),
}


class Secret:
    """A secret value that refuses to be shown: `str()`/`repr()` print a mask."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value itself: pass it straight to the server, never to a message or a log."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A parsed reference: the kind of credential and where its value is read from."""

    kind: SecretKind
    source: Literal["env", "file"]
    location: str

    def __str__(self) -> str:
        prefix = "oauth2-" if self.kind == "oauth2" else ""
        return f"{prefix}{self.source}:{self.location}"


def parse_ref(ref: str) -> SecretRef:
    """Parse `env:VAR`, `file:PATH`, `oauth2-env:VAR` or `oauth2-file:PATH` (else ConfigError)."""
    prefix, sep, location = ref.partition(":")
    if not sep or prefix not in _PREFIXES or not location.strip():
        raise ConfigError(
            "a secret reference is env:VAR, file:PATH, oauth2-env:VAR or oauth2-file:PATH"
        )
    kind, source = _PREFIXES[prefix]
    location = location.strip()
    if source == "file":
        location = str(Path(location).expanduser().resolve())
    return SecretRef(kind=kind, source=source, location=location)


def make_ref(
    *,
    password_env: str | None = None,
    password_file: str | None = None,
    oauth2_token_env: str | None = None,
    oauth2_token_file: str | None = None,
) -> SecretRef:
    """The reference for exactly one of the CLI's secret options (else ConfigError)."""
    given = [
        (prefix, value)
        for prefix, value in (
            ("env", password_env),
            ("file", password_file),
            ("oauth2-env", oauth2_token_env),
            ("oauth2-file", oauth2_token_file),
        )
        if value
    ]
    if len(given) != 1:
        raise ConfigError(
            "give exactly one of --password-env, --password-file, --oauth2-token-env, "
            "--oauth2-token-file"
        )
    prefix, value = given[0]
    return parse_ref(f"{prefix}:{value}")


def resolve(ref: SecretRef | str, environ: Mapping[str, str] | None = None) -> Secret:
    """Read the secret a reference points at; ConfigError (naming only the reference) if absent."""
    parsed = parse_ref(ref) if isinstance(ref, str) else ref
    if parsed.source == "env":
        env = os.environ if environ is None else environ
        value = env.get(parsed.location)
        if not value:
            raise ConfigError(f"the environment variable {parsed.location} is not set or empty")
    else:
        try:
            value = Path(parsed.location).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot read the secret file {parsed.location}: {exc.strerror}"
            ) from None
        # A trailing newline is an editor's, not part of the password.
        value = value.rstrip("\r\n")
        if not value:
            raise ConfigError(f"the secret file {parsed.location} is empty")
    return Secret(value)
