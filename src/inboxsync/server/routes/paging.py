"""The query parameters every paged list takes: an opaque `cursor` and a `limit`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from inboxsync.db.listing import MAX_PAGE

Cursor = Annotated[
    str | None, Query(max_length=200, description="A next_cursor, passed back as it came.")
]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")]
