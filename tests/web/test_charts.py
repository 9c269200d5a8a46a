"""The server's SVG bar chart: one bar per value above zero, an axis from 0, the line, and
every text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from inboxsync.web.charts import Bar, Line, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def test_one_bar_per_value_above_zero_heights_in_proportion() -> None:
    bars = [Bar("1", 1.0, "a"), Bar("", 0.0, "b"), Bar("3", 2.0, "c")]
    svg = parse(bar_chart(bars, title="Spend"))
    rects = svg.findall(f"{SVG}rect")
    assert len(rects) == 2
    heights = [float(r.get("height", "0")) for r in rects]
    assert heights[1] == 2 * heights[0]
    # The second bar is in the third slot: its x is past the middle of the chart.
    assert float(rects[1].get("x", "0")) > float(rects[0].get("x", "0")) * 2
    assert [t.text for t in svg.findall(f"{SVG}text[@class='label']")] == ["1", "3"]


def test_axis_reaches_a_round_value_at_or_above_the_top() -> None:
    svg = parse(bar_chart([Bar("", 0.37, "")], title="t", unit="$"))
    ticks = [t.text for t in svg.findall(f"{SVG}g[@class='tick']/{SVG}text")]
    assert ticks[0] == "$0" and ticks[-1] == "$0.5"


def test_the_line_is_drawn_and_scales_the_axis_when_above_every_bar() -> None:
    svg = parse(bar_chart([Bar("", 1.0, "")], title="t", line=Line(4.0, "cap")))
    cap = svg.find(f"{SVG}g[@class='cap']")
    assert cap is not None
    assert cap.findtext(f"{SVG}text") == "cap"
    ticks = [t.text for t in svg.findall(f"{SVG}g[@class='tick']/{SVG}text")]
    assert ticks[-1] == "5"
    bar_top = float(svg.find(f"{SVG}rect").get("y", "0"))  # type: ignore[union-attr]
    line_y = float(cap.find(f"{SVG}line").get("y1", "0"))  # type: ignore[union-attr]
    assert line_y < bar_top  # higher on screen


def test_no_bars_is_an_empty_chart_not_a_division_by_zero() -> None:
    svg = parse(bar_chart([], title="none"))
    assert svg.findall(f"{SVG}rect") == []


def test_every_text_is_escaped() -> None:
    hostile = '<script>alert(1)</script>" onload="x'
    markup = bar_chart(
        [Bar(hostile, 1.0, hostile)], title=hostile, line=Line(1.0, hostile), unit="<"
    )
    assert "<script" not in markup and 'onload="' not in markup
    svg = parse(markup)  # still well-formed XML
    assert svg.get("aria-label") == hostile
    assert svg.findtext(f"{SVG}title") == hostile
