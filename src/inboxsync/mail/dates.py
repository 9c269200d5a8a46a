"""The date of a message: its Date header when believable, else when it was received."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_tz

# A Date this far after the time the message was received is a broken clock or spam.
MAX_CLOCK_SKEW = timedelta(days=1)
_EARLIEST_YEAR = 1970


def to_utc(moment: datetime) -> datetime:
    """Return `moment` as an aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_date_header(value: str | None) -> datetime | None:
    """Return an RFC 5322 Date header value as an aware UTC datetime, or None if unparseable."""
    if not value:
        return None
    try:
        parsed = parsedate_tz(" ".join(value.split()))
        if parsed is None:
            return None
        offset = parsed[9] or 0
        moment = datetime(*parsed[:6], tzinfo=timezone(timedelta(seconds=offset)))
        moment = moment.astimezone(UTC)
    except (ValueError, TypeError, OverflowError, IndexError):
        return None
    return moment if moment.year >= _EARLIEST_YEAR else None


def message_date(
    value: str | None, received_at: datetime | None, now: datetime | None = None
) -> datetime:
    """Return the message's date in UTC.

    The Date header wins unless it is missing, unparseable or more than a day after
    `received_at` (or `now` when that is unknown); then `received_at`, then `now`.
    """
    fallback = to_utc(received_at) if received_at else to_utc(now or datetime.now(UTC))
    date = parse_date_header(value)
    if date is None or date > fallback + MAX_CLOCK_SKEW:
        return fallback
    return date
