"""Settings of the openai provider pointed at the fake OpenAI-compatible server."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from inboxsync.config import Settings
from tests.support.fake_openai import FakeOpenAI


def fake_ai_settings(db: str, server: FakeOpenAI, **changes: Any) -> Settings:
    """Settings on database `db` whose AI is `server`; `changes` as `Settings.replace` takes
    them (an `ai` dict changes only the fields it names)."""
    settings = Settings(
        db=db,
        ai={
            "provider": "openai",
            "openai_api_key": SecretStr("sk-test"),
            "openai_base_url": server.url,
        },
    )
    return settings.replace(**changes) if changes else settings
