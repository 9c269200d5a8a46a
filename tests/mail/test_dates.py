from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from inboxsync.mail.dates import message_date, parse_date_header, to_utc

RECEIVED = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)


def test_date_header_is_converted_to_utc() -> None:
    date = parse_date_header("Sun, 10 Mar 2024 09:30:00 -0500")
    assert date == datetime(2024, 3, 10, 14, 30, tzinfo=UTC)
    assert date is not None and date.utcoffset() == timedelta(0)


def test_date_without_zone_is_taken_as_utc() -> None:
    assert parse_date_header("10 Mar 2024 09:30:00") == datetime(2024, 3, 10, 9, 30, tzinfo=UTC)


def test_folded_date_header_is_parsed() -> None:
    assert parse_date_header("Sun, 10 Mar 2024\r\n 09:30:00 +0100") == datetime(
        2024, 3, 10, 8, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "value", [None, "", "yesterday", "Mon, 31 Feb 2024 10:00:00 +0000", "Thu, 1 Jan 1900 0:0:0"]
)
def test_unparseable_dates_are_none(value: str | None) -> None:
    assert parse_date_header(value) is None


def test_missing_date_falls_back_to_received_at() -> None:
    assert message_date(None, RECEIVED) == RECEIVED


def test_garbage_date_falls_back_to_received_at_in_utc() -> None:
    paris = RECEIVED.astimezone(timezone(timedelta(hours=1)))
    result = message_date("not a date", paris)
    assert result == RECEIVED
    assert result.tzinfo == UTC


def test_naive_received_at_is_taken_as_utc() -> None:
    assert message_date(None, datetime(2024, 3, 10, 12, 0)) == RECEIVED


def test_date_more_than_a_day_after_receipt_falls_back_to_received_at() -> None:
    assert message_date("Tue, 12 Mar 2024 12:00:00 +0000", RECEIVED) == RECEIVED


def test_date_slightly_after_receipt_is_kept() -> None:
    assert message_date("Sun, 10 Mar 2024 20:00:00 +0000", RECEIVED) == datetime(
        2024, 3, 10, 20, 0, tzinfo=UTC
    )


def test_old_date_is_kept() -> None:
    assert message_date("Mon, 1 Jan 2001 00:00:00 +0000", RECEIVED).year == 2001


def test_without_received_at_now_is_the_fallback() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert message_date(None, None, now=now) == now
    assert message_date("Fri, 1 Jan 2100 00:00:00 +0000", None, now=now) == now


def test_to_utc_converts_aware_datetimes() -> None:
    tokyo = datetime(2024, 3, 10, 21, 0, tzinfo=timezone(timedelta(hours=9)))
    assert to_utc(tokyo) == RECEIVED
