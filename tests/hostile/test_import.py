"""Issue 8's acceptance: the hostile mix imported through the CLI, on SQLite and PostgreSQL,
as a Maildir and as an mbox file. One bad message never costs the others."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

import pytest
from tests.hostile.databases import DATABASES
from tests.hostile.dump import MessageRow, QuarantineRow, refs
from tests.hostile.mix import Entry
from tests.hostile.runs import HostileImports, HostileRun

LAYOUTS = ("maildir", "mbox")
CEILING_SECONDS = 120.0
_SHOWN = 12


@pytest.fixture(
    params=[(db, layout) for layout in LAYOUTS for db in DATABASES],
    ids=lambda param: "-".join(param),
)
def run(request: pytest.FixtureRequest, hostile: HostileImports) -> HostileRun:
    database, layout = request.param
    return hostile.run(database, layout)


@pytest.fixture(params=DATABASES)
def maildir_run(request: pytest.FixtureRequest, hostile: HostileImports) -> HostileRun:
    return hostile.run(request.param, "maildir")


def _listing(problems: list[str], run: HostileRun) -> str:
    shown = "\n".join(problems[:_SHOWN])
    more = f"\n… and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
    return f"{len(problems)} problems:\n{shown}{more}\n{run.first.describe()}"


def _problems_per_entry(
    run: HostileRun, check: Callable[[Entry, int, int], str | None]
) -> list[str]:
    """`check(entry, message rows, quarantine rows)` of every hostile entry, as problems."""
    messages = Counter(refs(run.after_first.messages))
    quarantined = Counter(refs(run.after_first.quarantine))
    problems = []
    for entry in run.mix.entries:
        if entry.hostile is None:
            continue
        problem = check(entry, messages[entry.ref], quarantined[entry.ref])
        if problem is not None:
            problems.append(f"{entry.kind}: {problem}")
    return problems


def _reason(run: HostileRun, ref: str) -> str:
    return next((q.reason for q in run.after_first.quarantine if q.source_ref == ref), "")


def _row(run: HostileRun, ref: str) -> MessageRow | None:
    return next((m for m in run.after_first.messages if m.source_ref == ref), None)


def test_import_exits_0_without_a_traceback(run: HostileRun) -> None:
    for command in (run.first, run.second):
        assert command.returncode == 0, command.describe()
        assert "Traceback" not in command.stderr, command.describe()


def test_every_good_message_is_stored(run: HostileRun) -> None:
    stored = {m.message_id for m in run.after_first.messages}
    missing = sorted(run.mix.good_ids - stored)
    assert not missing, (
        f"{len(missing)} of {len(run.mix.good_ids)} good messages are not stored, "
        f"e.g. {missing[:3]}\n{run.first.describe()}"
    )


def test_every_file_is_one_message_or_one_quarantine_row(run: HostileRun) -> None:
    report = run.first.report()
    rows, quarantine = run.after_first.messages, run.after_first.quarantine
    accounted = report["new_messages"] + report["duplicates"] + report["quarantined"]
    assert report["fetched"] == len(run.mix.entries), report
    assert accounted == report["fetched"], report
    assert (len(rows), len(quarantine)) == (report["new_messages"], report["quarantined"])
    assert report["duplicates"] == run.mix.repeated_deliveries, report

    def exactly_one(entry: Entry, messages: int, quarantined: int) -> str | None:
        if messages + quarantined == 1:
            return None
        return f"{messages} message rows and {quarantined} quarantine rows"

    problems = _problems_per_entry(run, exactly_one)
    by_id: defaultdict[str | None, list[str]] = defaultdict(list)
    for entry in run.mix.entries:
        by_id[entry.message_id].append(entry.ref)
    stored_refs = Counter(refs(rows))
    for message_id, group in by_id.items():
        if message_id is not None and sum(stored_refs[ref] for ref in group) != 1:
            problems.append(f"good {message_id}: {len(group)} files, not exactly one row")
    known = {entry.ref for entry in run.mix.entries}
    problems += [
        f"a row for {ref!r}, which is no file of the mix" for ref in set(refs(rows)) - known
    ]
    problems += [
        f"a quarantine row for {ref!r}, which is no file of the mix"
        for ref in set(refs(quarantine)) - known
    ]
    assert not problems, _listing(problems, run)


def test_each_hostile_message_is_stored_or_quarantined_as_its_class_requires(
    run: HostileRun,
) -> None:
    def as_required(entry: Entry, messages: int, quarantined: int) -> str | None:
        if entry.expect == "stored" and messages != 1:
            why = f"quarantined ({_reason(run, entry.ref)!r})" if quarantined else "no row"
            return f"{why}, should be stored"
        if entry.expect == "quarantined" and quarantined != 1:
            return f"{messages} message rows, should be quarantined"
        return None

    problems = _problems_per_entry(run, as_required)
    assert not problems, _listing(problems, run)


def test_oversized_message_is_quarantined_with_its_headers_only(run: HostileRun) -> None:
    [entry] = [e for e in run.mix.entries if e.kind == "oversized"]
    rows: list[QuarantineRow] = [q for q in run.after_first.quarantine if q.source_ref == entry.ref]
    assert [q.headers_only for q in rows] == [True], run.first.describe()
    assert rows[0].raw_size < len(entry.hostile.raw if entry.hostile else b"") // 10


def test_two_auto_submitted_headers_make_a_notification(run: HostileRun) -> None:
    pinned = [e for e in run.mix.entries if e.hostile and e.hostile.notification is not None]
    assert pinned
    for entry in pinned:
        row = _row(run, entry.ref)
        assert row is not None, f"{entry.kind} is not stored: {_reason(run, entry.ref)!r}"
        assert entry.hostile is not None
        assert row.is_notification is entry.hostile.notification, entry.kind


def test_auto_reply_recipient_is_only_ever_the_one_sender_address(run: HostileRun) -> None:
    problems = []
    for entry in run.mix.entries:
        if entry.hostile is None or entry.hostile.reply_addresses is None:
            continue
        row = _row(run, entry.ref)
        if row is None:
            problems.append(f"{entry.kind}: not stored ({_reason(run, entry.ref)!r})")
        elif (
            row.reply_address is not None and row.reply_address not in entry.hostile.reply_addresses
        ):
            problems.append(f"{entry.kind}: reply address {row.reply_address!r}")
    problems += [
        f"{m.source_ref}: reply address {m.reply_address!r}"
        for m in run.after_first.messages
        if m.reply_address is not None
        and ("evil.example" in m.reply_address.split("@")[-1] or not m.reply_address.isprintable())
    ]
    assert not problems, _listing(problems, run)


def test_symbolic_links_and_fifos_are_refused_and_reported(maildir_run: HostileRun) -> None:
    report = maildir_run.first.report()
    listed = report.get("skipped_entries", [])
    unnamed = [ref for ref in maildir_run.mix.refused if not any(ref in line for line in listed)]
    assert report.get("skipped") == len(maildir_run.mix.refused), report
    assert not unnamed, listed


def test_nothing_from_outside_the_maildir_is_read_or_stored(maildir_run: HostileRun) -> None:
    report = maildir_run.first.report()
    assert report["fetched"] == len(maildir_run.mix.entries), f"files outside were read: {report}"
    assert maildir_run.secret_columns == (), maildir_run.first.describe()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_both_databases_end_with_the_same_rows(layout: str, hostile: HostileImports) -> None:
    sqlite, postgresql = (hostile.run(database, layout) for database in DATABASES)
    for run in (sqlite, postgresql):  # else two empty databases would compare equal
        stored = {m.message_id for m in run.after_first.messages}
        assert run.mix.good_ids <= stored, f"{run.database} lost good mail: {run.first.describe()}"
    differences = sqlite.after_first.differences(postgresql.after_first)
    assert not differences, "first: SQLite, second: PostgreSQL\n" + "\n".join(differences)


def test_second_import_adds_nothing(run: HostileRun) -> None:
    first, second = run.first.report(), run.second.report()
    added = {
        name: second[name]
        for name in ("new_messages", "new_conversations", "new_clients", "quarantined")
    }
    assert added == dict.fromkeys(added, 0), second
    assert second["fetched"] == first["fetched"], second
    assert second["duplicates"] == second["fetched"], second
    differences = run.after_first.differences(run.after_second)
    assert not differences, "first: after one import, second: after two\n" + "\n".join(differences)


def test_whole_mix_imports_in_seconds(
    run: HostileRun, record_property: Callable[[str, object], None]
) -> None:
    record_property("first_import_seconds", round(run.first.seconds, 2))
    record_property("second_import_seconds", round(run.second.seconds, 2))
    assert run.first.seconds < CEILING_SECONDS, run.first.describe()
    assert run.second.seconds < CEILING_SECONDS, run.second.describe()
