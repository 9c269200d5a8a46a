"""Settings from the environment (prefix INBOXSYNC_), with defaults that work offline."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of inboxsync. Read once by the CLI and passed down explicitly."""

    model_config = SettingsConfigDict(env_prefix="INBOXSYNC_", extra="ignore")

    db: str = Field("sqlite:///inboxsync.db", description="SQLAlchemy URL of the database.")
    batch_size: int = Field(500, ge=1, le=5000, description="Messages per pipeline batch.")
    thread_window_days: int = Field(
        30, ge=0, description="Subject threading only joins conversations active this recently."
    )
    max_message_bytes: int = Field(
        25 * 1024 * 1024, description="Larger messages are quarantined with their headers only."
    )
    sync_concurrency: int = Field(4, ge=1, description="Mailboxes synced at once.")
    lease_seconds: int = Field(60, ge=5, description="A dead sync's mailbox lease expires after this.")
    redis_url: str | None = Field(None, description="Redis for the cache and the Celery broker.")
