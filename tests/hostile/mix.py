"""The hostile mix: 300 good messages with every hostile class mixed in, laid out as a
Maildir (with its filesystem traps) or as one mbox file."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from tests.hostile.building import Expectation, HostileMessage, mail
from tests.hostile.messages import hostile_messages

from inboxsync.demo.synthetic import synthetic_messages

GOOD_MESSAGES = 300
# Small enough that the oversized message stays small, larger than every other message.
MAX_MESSAGE_BYTES = 512 * 1024
# Written only outside the Maildir: no row of the database may ever hold it.
SECRET = "SECRET-0b5e-outside-the-maildir"
MBOX_NAME = "hostile.mbox"
_HEADERS = BytesHeaderParser(policy=compat32)
_MBOX_FROM = re.compile(rb"^(>*From )", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Entry:
    """One message the importer must account for, by the `source_ref` it will carry."""

    ref: str
    kind: str  # "good", or the kind of a hostile message
    expect: Expectation
    hostile: HostileMessage | None = None
    message_id: str | None = None  # of a good message, as stored (no angle brackets)


@dataclass(frozen=True, slots=True)
class Mix:
    """What to import, and what the importer must make of it."""

    path: Path
    layout: str  # "maildir" or "mbox"
    entries: tuple[Entry, ...]
    # Entries the source must refuse and report as skipped (symbolic links, a FIFO).
    refused: tuple[str, ...] = ()

    @property
    def good_ids(self) -> set[str]:
        return {e.message_id for e in self.entries if e.message_id is not None}

    @property
    def repeated_deliveries(self) -> int:
        """Good files that repeat the Message-ID of another: duplicates, never a row."""
        return sum(1 for e in self.entries if e.kind == "good") - len(self.good_ids)


def good_mail() -> list[tuple[str, bytes]]:
    """The good messages: a shared inbox's mix (threads with In-Reply-To, newsletters,
    bounces, auto-replies, attachments, repeated deliveries), many senders."""
    return list(synthetic_messages(GOOD_MESSAGES, seed=8))


def message_id_of(raw: bytes) -> str:
    value = _HEADERS.parsebytes(raw.partition(b"\n\n")[0])["Message-ID"]
    return str(value).strip().strip("<>")


def _good_folder(index: int) -> str:
    """Spread good mail over cur/, new/ and a Maildir++ subfolder."""
    if index % 10 == 3:
        return "new"
    if index % 15 == 7:
        return ".Archive/cur"
    return "cur"


def build_maildir(root: Path, outside: Path) -> Mix:
    """Write the mix as a Maildir at `root`, with traps pointing at `outside` (which holds
    `SECRET`): a symbolic link in cur/ to a file there, a `.Leak` folder that is a link to a
    Maildir there, and a FIFO in cur/."""
    for folder in ("cur", "new", "tmp", ".Archive/cur", ".Archive/new", ".Archive/tmp"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    entries: list[Entry] = []
    for index, (name, raw) in enumerate(good_mail()):
        ref = f"{_good_folder(index)}/{name}"
        (root / ref).write_bytes(raw)
        entries.append(Entry(ref, "good", "stored", message_id=message_id_of(raw)))
    for index, message in enumerate(hostile_messages(MAX_MESSAGE_BYTES)):
        ref = f"cur/{1_780_000_000 + index}.hostile-{message.kind}:2,S"
        (root / ref).write_bytes(message.raw)
        entries.append(Entry(ref, message.kind, message.expect, hostile=message))
    refused = _lay_traps(root, outside)
    return Mix(root, "maildir", tuple(sorted(entries, key=lambda e: e.ref)), refused)


def _lay_traps(root: Path, outside: Path) -> tuple[str, ...]:
    secret = mail("outside", subject=SECRET, body=f"{SECRET}\n".encode())
    (outside / "leak" / "cur").mkdir(parents=True, exist_ok=True)
    (outside / "secret.eml").write_bytes(secret)
    (outside / "leak" / "cur" / "1780000000.leak:2,S").write_bytes(secret.replace(b"<", b"<leak."))
    links = {
        "cur/1780009999.symlink-out:2,S": outside / "secret.eml",
        ".Leak": outside / "leak",
    }
    for ref, target in links.items():
        (root / ref).symlink_to(target)
    fifo = "cur/1780009998.fifo:2,S"
    os.mkfifo(root / fifo)
    return (*links, fifo)


def build_mbox(path: Path) -> Mix:
    """Write the mix as one mboxrd file: good messages, then the hostile ones."""
    messages: list[tuple[str, Expectation, HostileMessage | None, bytes]] = [
        ("good", "stored", None, raw) for _, raw in good_mail()
    ]
    messages += [(m.kind, m.expect, m, m.raw) for m in hostile_messages(MAX_MESSAGE_BYTES)]
    entries: list[Entry] = []
    with path.open("wb") as mbox:
        for number, (kind, expect, hostile, raw) in enumerate(messages, start=1):
            mbox.write(b"From hostile@example.invalid Mon Jun  1 09:00:00 2026\n")
            mbox.write(_MBOX_FROM.sub(rb">\1", raw))
            # A blank line ends each message (an empty message is that line alone).
            mbox.write(b"\n" if raw.endswith(b"\n") or not raw else b"\n\n")
            message_id = message_id_of(raw) if hostile is None else None
            entries.append(Entry(f"{path.name}#{number}", kind, expect, hostile, message_id))
    return Mix(path, "mbox", tuple(entries))


def kinds(mix: Mix) -> Counter[str]:
    """How many entries of each kind the mix holds."""
    return Counter(entry.kind for entry in mix.entries)
