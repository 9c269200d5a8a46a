"""Reading what an OpenAI-compatible endpoint answered: token usage and its cost, the text
of the answer, and what a failed request means (worth retrying, and after how long)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from inboxsync.ai.types import Outcome
from inboxsync.errors import MalformedAnswer

log = logging.getLogger(__name__)

# More than any call reports; a bigger count is garbage (and would overflow the ledger).
MAX_REPORTED_TOKENS = 100_000_000


def cost_usd(prices: dict[str, list[float]], model: str, inp: int, cached: int, out: int) -> float:
    """USD of one call from the price table ([input, cached input, output] per 1M tokens)."""
    price = prices.get(model)
    if not price:
        return 0.0
    p_in, p_cached, p_out = [*price, 0.0, 0.0, 0.0][:3]
    return round(((inp - cached) * p_in + cached * p_cached + out * p_out) / 1e6, 8)


def _count(value: object) -> int:
    """A token count as the server reported it when it is a sane one, else 0."""
    return value if type(value) is int and 0 <= value <= MAX_REPORTED_TOKENS else 0


def read_usage(response: object) -> tuple[int, int, int]:
    """(input, output, cached input) tokens of a response, each checked for its type."""
    usage = getattr(response, "usage", None)
    details = getattr(usage, "prompt_tokens_details", None)
    inp = _count(getattr(usage, "prompt_tokens", None))
    cached = min(inp, _count(getattr(details, "cached_tokens", None)))
    return inp, _count(getattr(usage, "completion_tokens", None)), cached


def read_content(response: object) -> str:
    """The text of a response's first choice; MalformedAnswer when it has none to use.

    The SDK does not validate what it parses, so every part is checked for its type."""
    choices = getattr(response, "choices", None)
    choice = choices[0] if isinstance(choices, list) and choices else None
    message = getattr(choice, "message", None)
    if message is None:
        raise MalformedAnswer("no choice in the answer")
    if getattr(message, "refusal", None):
        raise MalformedAnswer("the model refused")
    if getattr(choice, "finish_reason", None) == "length":
        raise MalformedAnswer("answer cut at max tokens")
    content = getattr(message, "content", None)
    if not isinstance(content, str):
        raise MalformedAnswer("no text in the answer")
    return content


def classify_error(exc: Exception) -> tuple[Outcome, str, float | None, bool]:
    """(ledger outcome, reason without secrets, Retry-After seconds, worth retrying)."""
    import openai

    if not isinstance(exc, openai.APIError):
        log.warning("unexpected AI client error: %s", type(exc).__name__)
        return "error", f"client error ({type(exc).__name__})", None, False
    if isinstance(exc, openai.APITimeoutError):
        return "timeout", "timed out", None, True
    if isinstance(exc, openai.APIConnectionError):
        return "error", "connection failed", None, True
    if not isinstance(exc, openai.APIStatusError):
        return "error", f"bad answer ({type(exc).__name__})", None, False
    status = exc.status_code
    retry_after = retry_after_seconds(exc.response.headers if exc.response else None)
    if status == 429:
        return "rate_limited", "rate limited (429)", retry_after, True
    if status >= 500 or status in (408, 409):
        return "server_error", f"server error ({status})", retry_after, True
    return "error", f"refused ({status})", None, False


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The wait a server asked for (`retry-after-ms` or `retry-after` in seconds), if any."""
    if not headers:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(str(value)) / divisor)
        except ValueError:
            continue
    return None
