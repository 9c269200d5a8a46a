"""Charts the server draws as SVG: no script, no library, every text escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 720
HEIGHT = 240
# Room for the axis' labels: left (values), bottom (bar labels), top (the line's label).
_LEFT, _BOTTOM, _TOP, _RIGHT = 56, 28, 16, 8
_TICKS = 4


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label under the axis (may be empty), its value, and the tooltip."""

    label: str
    value: float
    title: str


@dataclass(frozen=True, slots=True)
class Line:
    """A horizontal line across the chart (a cap, a budget) and its label."""

    value: float
    label: str


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    line: Line | None = None,
    unit: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Markup:
    """An SVG bar chart of `bars` in order, one slot each (a bar only where the value is
    above zero), a value axis from 0 with a few ticks, and `line` if given."""
    top = max([b.value for b in bars] + ([line.value] if line else []) + [0.0])
    scale_max = _nice_ceiling(top)
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM

    def y(value: float) -> float:
        return _TOP + plot_h - plot_h * value / scale_max

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(_TICKS + 1):
        value = scale_max * i / _TICKS
        parts.append(
            f'<g class="tick"><line x1="{_LEFT}" x2="{width - _RIGHT}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}"/><text x="{_LEFT - 4}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{escape(unit)}{_number(value)}</text></g>'
        )
    slot = plot_w / max(len(bars), 1)
    for i, bar in enumerate(bars):
        x = _LEFT + i * slot
        if bar.value > 0:
            top_y = y(bar.value)
            parts.append(
                f'<rect class="bar" x="{x + slot * 0.15:.1f}" y="{top_y:.1f}" '
                f'width="{slot * 0.7:.1f}" height="{_TOP + plot_h - top_y:.1f}">'
                f"<title>{escape(bar.title)}</title></rect>"
            )
        if bar.label:
            parts.append(
                f'<text class="label" x="{x + slot / 2:.1f}" y="{height - _BOTTOM + 16}" '
                f'text-anchor="middle">{escape(bar.label)}</text>'
            )
    parts.append(
        f'<line class="axis" x1="{_LEFT}" x2="{width - _RIGHT}" y1="{_TOP + plot_h}" '
        f'y2="{_TOP + plot_h}"/>'
    )
    if line is not None:
        parts.append(
            f'<g class="cap"><line x1="{_LEFT}" x2="{width - _RIGHT}" y1="{y(line.value):.1f}" '
            f'y2="{y(line.value):.1f}"/><text x="{width - _RIGHT}" y="{y(line.value) - 4:.1f}" '
            f'text-anchor="end">{escape(line.label)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten at or above `value` (1 for 0)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return float(next(step * power for step in (1, 2, 2.5, 5, 10) if value <= step * power))


def _number(value: float) -> str:
    """A tick's value, short: no trailing zeros."""
    return f"{value:.4f}".rstrip("0").rstrip(".")
