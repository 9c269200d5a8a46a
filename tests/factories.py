"""Hand-made raw messages for tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from inboxsync.sources.base import RawBatch, RawMessage

BASE_DATE = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
WORDS = (
    "amber", "basil", "cedar", "delta", "ember", "fjord", "garnet", "harbor",
    "iris", "juniper", "kelp", "lotus", "maple", "nutmeg", "olive", "pepper",
)  # fmt: skip


def words(i: int, n: int = 4, base: int = 16) -> str:
    """`i` spelt as `n` words, a digit of base `base` (at most 16) each: distinct numbers give
    distinct texts even where digits do not count (the AI caches treat digits as a template)."""
    return " ".join(WORDS[i // base**k % base] for k in range(n))


def make_message(
    *,
    msgid: str | None,
    sender: str = "Alice Martin <alice@client.example>",
    to: str = "support@acme.example",
    subject: str = "Broken invoice export",
    body: str = "Hello, the export fails since Monday.",
    date: datetime | None = None,
    minutes: int = 0,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A simple text message; `minutes` shifts the date from BASE_DATE."""
    message = EmailMessage()
    if msgid is not None:
        message["Message-ID"] = msgid
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime((date or BASE_DATE) + timedelta(minutes=minutes))
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


def write_files(folder: Path, messages: dict[str, bytes]) -> Path:
    """Write messages as files of a directory tree; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, raw in messages.items():
        (folder / name).write_bytes(raw)
    return folder


class ListSource:
    """A source over raw messages held in memory, `ref` being each one's index."""

    def __init__(self, raws: list[bytes]) -> None:
        self.raws = raws

    def batches(self, batch_size: int) -> Iterator[RawBatch]:
        """The messages in batches of `batch_size`."""
        for start in range(0, len(self.raws), batch_size):
            chunk = self.raws[start : start + batch_size]
            yield RawBatch([RawMessage(str(start + i), raw) for i, raw in enumerate(chunk)])


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for running the `inboxsync` CLI in a test: this one, less our settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INBOXSYNC_", "OPENAI_"))}
    env.update(extra or {})
    return env
