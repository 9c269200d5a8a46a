"""Hostile local sources built on the real filesystem, and what a source makes of them."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from inboxsync.sources import RawBatch, RawMessage, Source
from tests.factories import make_message

SECRET = b"SECRET-4f1c9e-outside-the-root"
NOBODY = 65534


@dataclass
class Seen:
    """Everything a source yielded, by ref, plus the batches themselves."""

    batches: list[RawBatch] = field(default_factory=list)
    messages: dict[str, RawMessage] = field(default_factory=dict)
    failures: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def assert_secret_absent(self) -> None:
        for raw in [m.raw for m in self.messages.values()] + [r for _, r in self.failures.values()]:
            assert SECRET not in raw


def read_all(source: Source, batch_size: int = 50) -> Seen:
    """Run `source` to the end, within a deadline so that a blocking open fails the test."""
    seen = Seen()
    with deadline(20):
        for batch in source.batches(batch_size):
            seen.batches.append(batch)
            seen.messages.update((m.source_ref, m) for m in batch.messages)
            seen.failures.update((ref, (why, raw)) for ref, why, raw in batch.failures)
            seen.skipped.update(batch.skipped)
    return seen


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in the block after `seconds`, even inside a blocking open()."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def message(n: int, body: str = "Hello, the export fails since Monday.") -> bytes:
    return make_message(msgid=f"<{n}@client.example>", subject=f"Case {n}", body=body)


def outside_secrets(base: Path) -> tuple[Path, Path]:
    """A file and a folder of mail outside any source root, holding SECRET."""
    folder = base / "outside"
    (folder / "cur").mkdir(parents=True)
    (folder / "new").mkdir()
    secret = make_message(msgid="<secret@evil.example>", body=SECRET.decode())
    (folder / "secret.eml").write_bytes(secret)
    (folder / "cur" / "secret.eml").write_bytes(secret)
    (folder / "new" / "secret.eml").write_bytes(secret)
    return folder / "secret.eml", folder


def make_special(path: Path, kind: str) -> None:
    """Create a FIFO, a socket or a character device (like /dev/null) at `path`."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(path))
    else:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))


def as_nobody(work: Callable[[], Any]) -> Any:
    """Run `work` in a forked child that dropped to an unprivileged uid; returns its JSON result.

    Root reads every file, so permission errors are only real without it.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(read_end)
        code = 0
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            payload = json.dumps({"result": work()})
        except BaseException:
            payload, code = json.dumps({"error": traceback.format_exc()}), 1
        with os.fdopen(write_end, "w") as out:
            out.write(payload)
        os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        answer = json.loads(pipe.read() or '{"error": "no answer"}')
    os.waitpid(pid, 0)
    assert "error" not in answer, answer.get("error")
    return answer["result"]


def summary(source: Any) -> dict[str, Any]:
    """What a source yields, as JSON-able data (for a child process to hand back)."""
    seen = read_all(source)
    return {
        "count": source.count(),
        "messages": list(seen.messages),
        "failures": {ref: [why, raw.hex()] for ref, (why, raw) in seen.failures.items()},
        "skipped": seen.skipped,
    }
