"""AI usage: calls, tokens and cost, the one type every layer reports AI work in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AiUsage:
    """AI calls made for a run, summed from the cost ledger."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: AiUsage) -> AiUsage:
        """The usage of both."""
        return AiUsage(
            self.calls + other.calls,
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cached_tokens + other.cached_tokens,
            round(self.cost_usd + other.cost_usd, 8),
        )
