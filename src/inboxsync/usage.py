"""AI usage: calls, tokens and cost, the one type every layer reports AI work in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AiUsage:
    """AI calls made for a run, summed from the cost ledger."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, other: AiUsage) -> None:
        self.calls += other.calls
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cached_tokens += other.cached_tokens
        self.cost_usd += other.cost_usd
