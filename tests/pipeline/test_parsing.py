"""The parse workers: a time budget per message that the parent enforces, workers reused
across batches and replaced when killed, in-process parsing when none can start, workers
that never outlive their parent, and the parent's heap left shared with them."""

from __future__ import annotations

import gc
import logging
import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.demo.synthetic import synthetic_messages, write_maildir_files
from inboxsync.mail import parse_message
from inboxsync.mail.types import ParsedMessage
from inboxsync.pipeline.parsing import BatchParser, ParseFunction, ParseItem, ParseResult

CONSOLE_SCRIPT = Path(sys.executable).with_name("inboxsync")
# Long enough that a plain message never reaches it on a loaded machine (a CI run beside
# other work once did at 0.5 s), short enough for the slow cases below.
BUDGET = 2.0
# Exponential backtracking inside one C call (re.match): about 15 s on this machine, far
# beyond the budget, and beyond the reach of any signal handler.
CATASTROPHE = (r"(a+)+$", "a" * 29 + "b")


def _message(n: int, marker: str = "") -> bytes:
    return (
        f"From: client{n}@client.example\r\nTo: support@acme.example\r\n"
        f"Subject: question {n} {marker}\r\nMessage-ID: <m{n}@client.example>\r\n\r\n"
        f"body {n}\r\n"
    ).encode()


def _items(count: int, slow: frozenset[int] = frozenset(), marker: str = "SLOW") -> list[ParseItem]:
    return [(_message(n, marker if n in slow else ""), None) for n in range(count)]


def _keys(results: list[ParseResult]) -> list[str]:
    return [r.message_key if isinstance(r, ParsedMessage) else r for r in results]


def _children() -> set[int]:
    """The live child processes of this process (any of its threads may have forked them)."""
    found: set[int] = set()
    for task in os.listdir("/proc/self/task"):
        try:
            children = Path(f"/proc/self/task/{task}/children").read_text().split()
        except FileNotFoundError:  # the thread ended since the listing
            continue
        found.update(int(pid) for pid in children if _alive(int(pid)))
    return found


@pytest.fixture
def new_children() -> Callable[[], set[int]]:
    """The child processes started since the test began (session fixtures' servers, such as
    Dovecot, are children of this process too)."""
    before = _children()
    return lambda: _children() - before


def _alive(pid: int) -> bool:
    """Whether `pid` runs: it exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _recording(log_dir: Path) -> ParseFunction:
    """A parse function that notes which process parsed each message, and spins in one C
    call on messages marked SLOW."""

    def parse(raw: bytes, received_at: datetime | None) -> ParsedMessage:
        if b"SLOW" in raw:
            (log_dir / f"slow-{os.getpid()}").touch()
            re.match(*CATASTROPHE)
        (log_dir / f"worker-{os.getpid()}").touch()
        return parse_message(raw, received_at)

    return parse


def _pids(log_dir: Path, kind: str) -> set[int]:
    return {int(path.name.split("-")[1]) for path in log_dir.glob(f"{kind}-*")}


@pytest.fixture
def parser(tmp_path: Path) -> Iterator[BatchParser]:
    parser = BatchParser(2, BUDGET, parse=_recording(tmp_path))
    yield parser
    parser.close()


def test_a_message_over_the_budget_times_out_and_the_rest_of_the_batch_is_parsed(
    parser: BatchParser, tmp_path: Path
) -> None:
    items = _items(200, slow=frozenset({3, 150}))
    results = parser.submit(items)()
    expected = [f"m{n}@client.example" for n in range(200)]
    expected[3] = expected[150] = f"parse timeout: over {BUDGET:g} s"
    assert _keys(results) == expected
    # Each slow message was killed with the worker parsing it; that worker is gone.
    slow_workers = _pids(tmp_path, "slow")
    assert len(slow_workers) == 2
    assert not any(_alive(pid) for pid in slow_workers)


def test_a_killed_worker_is_replaced_and_the_pool_serves_the_next_batches(
    parser: BatchParser, tmp_path: Path, new_children: Callable[[], set[int]]
) -> None:
    parser.submit(_items(100))()
    first = new_children()
    assert len(first) == 2
    parser.submit(_items(100, slow=frozenset({50})))()
    (killed,) = _pids(tmp_path, "slow")
    assert killed in first
    # The next batch runs on the surviving worker and a new one.
    later = [parser.submit(_items(100)) for _ in range(3)]
    assert all(len(wait()) == 100 for wait in later)
    now = new_children()
    assert len(now) == 2
    assert killed not in now
    assert now & first == first - {killed}
    assert _pids(tmp_path, "worker") == first | now


def test_batches_are_parsed_one_ahead_and_keep_their_order(parser: BatchParser) -> None:
    waits = [parser.submit(_items(n)) for n in (300, 1, 0, 57)]
    results = [wait() for wait in waits]
    assert [len(r) for r in results] == [300, 1, 0, 57]
    assert _keys(results[0]) == [f"m{n}@client.example" for n in range(300)]


def test_a_worker_that_dies_costs_only_its_message(tmp_path: Path) -> None:
    def parse(raw: bytes, received_at: datetime | None) -> ParsedMessage:
        if b"DIE" in raw:
            os.kill(os.getpid(), signal.SIGKILL)
        return parse_message(raw, received_at)

    parser = BatchParser(2, 10.0, parse=parse)
    try:
        results = parser.submit(_items(80, slow=frozenset({10}), marker="DIE"))()
    finally:
        parser.close()
    assert _keys(results)[10] == "parse failed: worker died (signal 9)"
    assert sum(isinstance(r, ParsedMessage) for r in results) == 79


def test_an_unexpected_parser_error_is_that_message_s_result() -> None:
    def parse(raw: bytes, received_at: datetime | None) -> ParsedMessage:
        if b"BUG" in raw:
            raise KeyError("defect")
        return parse_message(raw, received_at)

    parser = BatchParser(1, 10.0, parse=parse)
    try:
        results = parser.submit(_items(5, slow=frozenset({2}), marker="BUG"))()
    finally:
        parser.close()
    assert _keys(results)[2] == "parse failed: KeyError"
    assert _keys(results)[3] == "m3@client.example"


# With no descriptor left, the pool itself cannot start; with two, its thread starts but
# no worker's pipe can be made. Either way the start fails for real.
@pytest.mark.parametrize("spare_descriptors", [0, 2])
def test_messages_are_parsed_in_process_when_no_worker_can_start(
    caplog: pytest.LogCaptureFixture, spare_descriptors: int, new_children: Callable[[], set[int]]
) -> None:
    parser = BatchParser(2, BUDGET)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # listdir's own descriptor is counted and closed again.
    open_files = len(os.listdir("/proc/self/fd")) - 1
    resource.setrlimit(resource.RLIMIT_NOFILE, (open_files + spare_descriptors, hard))
    try:
        with caplog.at_level(logging.WARNING, logger="inboxsync.pipeline"):
            results = [parser.submit(_items(20))() for _ in range(2)]
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        parser.close()
    assert [_keys(r) for r in results] == [[f"m{n}@client.example" for n in range(20)]] * 2
    assert "parse workers could not start" in caplog.text
    assert not new_children()


def _collected(obj: object) -> bool:
    """Whether the collector traverses `obj` (gc.get_objects leaves out frozen objects)."""
    return any(tracked is obj for tracked in gc.get_objects())


def test_the_parent_s_objects_stay_out_of_its_collections_until_its_last_pool_closes() -> None:
    # A collection that traverses the objects the workers were forked with writes to their
    # pages, which the parent then holds twice (its copy and the workers' original).
    assert gc.get_freeze_count() == 0
    forked_with: list[int] = []
    first, second = BatchParser(1, BUDGET), BatchParser(1, BUDGET)
    try:
        assert len(first.submit(_items(5))()) == 5
        assert not _collected(forked_with)
        assert len(second.submit(_items(5))()) == 5
        first.close()
        assert not _collected(forked_with)
    finally:
        first.close()
        second.close()
    assert gc.get_freeze_count() == 0
    assert _collected(forked_with)


def test_a_freeze_made_before_the_pool_is_left_in_place() -> None:
    frozen_by_the_application: list[int] = []
    gc.freeze()
    try:
        parser = BatchParser(1, BUDGET)
        try:
            assert len(parser.submit(_items(5))()) == 5
        finally:
            parser.close()
        assert not _collected(frozen_by_the_application)
    finally:
        gc.unfreeze()
    assert _collected(frozen_by_the_application)


def test_kill_9_of_an_import_leaves_no_parse_worker_alive(tmp_path: Path) -> None:
    maildir = tmp_path / "maildir"
    write_maildir_files(maildir, synthetic_messages(5_000, 7))
    db = f"sqlite:///{tmp_path / 'inbox.db'}"
    inbox = Inbox.initialise(Settings(db=db))
    inbox.add_company("Acme", ["support@acme.example"])
    inbox.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INBOXSYNC_", "OPENAI_"))}
    importer = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "--db", db, "import", str(maildir), "--company", "Acme", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**env, "INBOXSYNC_PARSE_WORKERS": "2"},
    )
    workers: set[int] = set()
    try:
        workers = _wait_for_children(importer.pid, count=2, seconds=60)
        assert len(workers) == 2, "the import never started its parse workers"
        os.kill(importer.pid, signal.SIGKILL)
        importer.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if _alive(pid)], "parse workers outlived the import"
    finally:
        importer.kill()
        importer.wait()
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)  # a failed run leaves nothing behind


def _wait_for_children(pid: int, count: int, seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    found: set[int] = set()
    while len(found) < count and time.monotonic() < deadline:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            break
        for task in tasks:
            try:
                children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
            except OSError:
                continue
            found.update(int(child) for child in children if _alive(int(child)))
        time.sleep(0.01)
    return found
