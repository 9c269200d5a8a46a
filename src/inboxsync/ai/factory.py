"""Choosing and building the provider from the settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from inboxsync.config import Settings

if TYPE_CHECKING:
    from inboxsync.ai.local_provider import LocalProvider
    from inboxsync.ai.openai_provider import OpenAIProvider

ProviderKind = Literal["openai", "local"]


def provider_kind(settings: Settings) -> ProviderKind:
    """`INBOXSYNC_AI_PROVIDER` if set; else openai when an API key is set, else local."""
    if settings.ai.provider == "openai":
        return "openai"
    if settings.ai.provider == "local":
        return "local"
    return "openai" if settings.ai.openai_api_key else "local"


def make_provider(
    settings: Settings, kind: ProviderKind | None = None
) -> OpenAIProvider | LocalProvider:
    """The provider the settings ask for (or `kind`)."""
    # Each provider's modules (tenacity and the HTTP client; numpy) load when it is chosen.
    if (kind or provider_kind(settings)) == "openai":
        from inboxsync.ai.openai_provider import OpenAIProvider

        return OpenAIProvider(settings)
    from inboxsync.ai.local_provider import LocalProvider

    return LocalProvider(settings)


def cache_sources(kind: ProviderKind) -> tuple[str, ...]:
    """Cache entries a provider trusts: the local model's own guesses never stop the AI."""
    return ("user", "ai") if kind == "openai" else ("user", "ai", "local")
