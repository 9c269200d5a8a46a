"""Tables of people's threading decisions: merges and splits that later replies obey, and
notification marks that win over the detector."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inboxsync.db.models import Base, utcnow


class ThreadOverrideRow(Base):
    """A merge or a split made by a person: `message_ids` moved from `source_id` into
    `conversation_id` (a merge's survivor, a split's new conversation).

    The conversation ids carry no foreign key: a merged conversation is deleted, and revived
    from `snapshot` (its columns and outbox rows, JSON) when the merge is undone. An active
    split (`undone_at` NULL) keeps its two conversations apart in the pipeline's threading.
    """

    __tablename__ = "thread_overrides"
    __table_args__ = (
        Index("ix_thread_overrides_conversation", "company_id", "conversation_id"),
        Index("ix_thread_overrides_source", "company_id", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    # "merge" or "split".
    kind: Mapped[str] = mapped_column(String(10))
    conversation_id: Mapped[int] = mapped_column(Integer)
    source_id: Mapped[int] = mapped_column(Integer)
    # Space-separated inbox_messages ids.
    message_ids: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)


class NotificationMark(Base):
    """A person's word on whether a conversation is a notification: the pipeline keeps it
    when later messages would make the detector say otherwise."""

    __tablename__ = "notification_marks"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    is_notification: Mapped[bool] = mapped_column(Boolean)
    set_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
