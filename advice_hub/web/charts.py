"""Bar charts drawn on the server as SVG, readable without a script or colour: every bar
carries its label and its value as text, the chart has a role, a title and a description
for assistive technology, and each page shows the same figures in a table beside it.

The markup is built here rather than in a template so that the geometry (where each bar and
label falls) is arithmetic in one place; every piece of text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720
LABEL_WIDTH = 230
VALUE_WIDTH = 150
ROW_HEIGHT = 34
BAR_HEIGHT = 20
TOP = 30  # room for the reference line's label
BAR_COLOUR = "#1d70b8"  # GOV.UK blue: 5.2:1 against white
TEXT_COLOUR = "#0b0c0c"
TRACK_COLOUR = "#f3f2f1"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to show (the text says why)
    text: str  # the value as people read it, e.g. "45%" or "No advice due"


@dataclass(frozen=True)
class Reference:
    """A line drawn across the bars at ``value``, e.g. the national figure."""

    value: float
    text: str


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    maximum: float,
    reference: Reference | None = None,
) -> Markup:
    """A horizontal bar chart; ``maximum`` is the value a full-width bar stands for."""
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP + ROW_HEIGHT * max(len(bars), 1) + 10
    scale = area / maximum if maximum > 0 else 0.0
    parts = [
        f'<svg class="app-chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'font-family="inherit" font-size="16" fill="{TEXT_COLOUR}">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    for index, bar in enumerate(bars):
        y = TOP + index * ROW_HEIGHT
        middle = y + BAR_HEIGHT / 2 + 5
        parts.append(
            f'<text x="{LABEL_WIDTH - 10}" y="{middle:.1f}" text-anchor="end">'
            f"{escape(bar.label)}</text>"
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{area}" height="{BAR_HEIGHT}" '
            f'fill="{TRACK_COLOUR}"/>'
        )
        length = 0.0
        if bar.value is not None and bar.value > 0:
            length = min(bar.value, maximum) * scale
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{BAR_COLOUR}"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + area + 10}" y="{middle:.1f}" font-weight="bold">'
            f"{escape(bar.text)}</text>"
        )
    if reference is not None and maximum > 0:
        x = LABEL_WIDTH + min(reference.value, maximum) * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height - 6}" '
            f'stroke="{TEXT_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{TOP - 12}" text-anchor="middle">{escape(reference.text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every piece of text above is escaped)


def percent(share: float | None, empty: str = "No figures") -> str:
    """A share from 0 to 1 as a whole percentage, the way the tables show it."""
    return empty if share is None else f"{share * 100:.0f}%"
