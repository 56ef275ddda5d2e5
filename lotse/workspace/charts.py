"""Charts as inline SVG, drawn on the server: no JavaScript, no CDN, readable without colour.

Each chart is an `<svg role="img">` named by its `<title>` and described by a `<desc>` that
lists the numbers; labels and values are SVG text. Pages show the same numbers in a table next
to the chart. Every text is escaped here, so the result can be inserted as `Markup`.
"""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

Rows = list[tuple[str, int]]

FONT = 'font-family="system-ui, sans-serif"'
BAR_COLOUR = "#1f5f99"
AXIS_COLOUR = "#5b6670"
GRID_COLOUR = "#d8dee4"
TEXT_COLOUR = "#1b1f23"

# Horizontal bars (categories)
HBAR_WIDTH = 640
HBAR_LABEL_WIDTH = 250
HBAR_ROW = 26
HBAR_GAP = 6
HBAR_VALUE_SPACE = 50
HBAR_LABEL_CHARS = 30

# Columns (weeks)
COLUMN_WIDTH = 640
COLUMN_HEIGHT = 240
COLUMN_LEFT = 40
COLUMN_BOTTOM = 40
COLUMN_TOP = 20
COLUMN_MAX_LABELS = 13


def nice_max(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^n at or above `value` (at least 1): the axis maximum."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def ticks(maximum: int) -> list[int]:
    """Axis ticks from 0 to `maximum` (nice), at most 6, whole numbers."""
    top = nice_max(maximum)
    step = max(1, top // 5) if top >= 5 else 1
    return list(range(0, top + 1, step))


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _description(rows: Rows) -> str:
    return "; ".join(f"{name}: {count}" for name, count in rows) or "keine Daten"


def _open(chart_id: str, title: str, rows: Rows, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" preserveAspectRatio="xMinYMin meet" {FONT}>',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(_description(rows))}</desc>',
    ]


def bar_chart(chart_id: str, title: str, rows: Rows) -> Markup:
    """Horizontal bars, one per row: the label left, the count at the end of the bar."""
    height = max(1, len(rows)) * (HBAR_ROW + HBAR_GAP) + HBAR_GAP
    parts = _open(chart_id, title, rows, HBAR_WIDTH, height)
    plot = HBAR_WIDTH - HBAR_LABEL_WIDTH - HBAR_VALUE_SPACE
    top = nice_max(max((count for _, count in rows), default=0))
    if not rows:
        parts.append(f'<text x="0" y="20" font-size="13" fill="{AXIS_COLOUR}">keine Daten</text>')
    for index, (name, count) in enumerate(rows):
        y = HBAR_GAP + index * (HBAR_ROW + HBAR_GAP)
        middle = y + HBAR_ROW / 2 + 4.5
        length = plot * count / top if top else 0
        parts.append(
            f'<text x="{HBAR_LABEL_WIDTH - 8}" y="{middle:.1f}" font-size="12" '
            f'text-anchor="end" fill="{TEXT_COLOUR}">{escape(_short(name, HBAR_LABEL_CHARS))}'
            f"<title>{escape(name)}</title></text>"
        )
        parts.append(
            f'<rect x="{HBAR_LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{HBAR_ROW}" '
            f'fill="{BAR_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{HBAR_LABEL_WIDTH + length + 6:.1f}" y="{middle:.1f}" font-size="13" '
            f'font-weight="600" fill="{TEXT_COLOUR}">{count}</text>'
        )
    parts.append(
        f'<line x1="{HBAR_LABEL_WIDTH}" y1="0" x2="{HBAR_LABEL_WIDTH}" y2="{height}" '
        f'stroke="{AXIS_COLOUR}"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(chart_id: str, title: str, rows: Rows, axis_label: str = "Übergaben") -> Markup:
    """Vertical columns over time (weeks) with a y axis, grid lines and the count on each column.

    With many columns only every n-th x label is written (the table has all of them).
    """
    parts = _open(chart_id, title, rows, COLUMN_WIDTH, COLUMN_HEIGHT)
    plot_width = COLUMN_WIDTH - COLUMN_LEFT - 10
    plot_height = COLUMN_HEIGHT - COLUMN_TOP - COLUMN_BOTTOM
    base = COLUMN_TOP + plot_height
    axis = ticks(max((count for _, count in rows), default=0))
    top = axis[-1]
    for tick in axis:
        y = base - plot_height * tick / top
        parts.append(
            f'<line x1="{COLUMN_LEFT}" y1="{y:.1f}" x2="{COLUMN_WIDTH - 10}" y2="{y:.1f}" '
            f'stroke="{GRID_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{COLUMN_LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="{AXIS_COLOUR}">{tick}</text>'
        )
    parts.append(
        f'<text x="12" y="{COLUMN_TOP + plot_height / 2:.1f}" font-size="11" fill="{AXIS_COLOUR}" '
        f'text-anchor="middle" transform="rotate(-90 12 {COLUMN_TOP + plot_height / 2:.1f})">'
        f"{escape(axis_label)}</text>"
    )
    count_rows = max(1, len(rows))
    slot = plot_width / count_rows
    every = max(1, math.ceil(count_rows / COLUMN_MAX_LABELS))
    for index, (name, count) in enumerate(rows):
        x = COLUMN_LEFT + index * slot
        height = plot_height * count / top
        bar_width = max(1.0, slot * 0.7)
        parts.append(
            f'<rect x="{x + (slot - bar_width) / 2:.1f}" y="{base - height:.1f}" '
            f'width="{bar_width:.1f}" height="{height:.1f}" fill="{BAR_COLOUR}">'
            f"<title>{escape(name)}: {count}</title></rect>"
        )
        if count and slot >= 14:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{base - height - 4:.1f}" font-size="10" '
                f'text-anchor="middle" fill="{TEXT_COLOUR}">{count}</text>'
            )
        if index % every == 0:
            short = name.split("/")[0]  # "KW 47/2026" → "KW 47"
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{base + 16}" font-size="10" '
                f'text-anchor="middle" fill="{AXIS_COLOUR}">{escape(short)}</text>'
            )
    parts.append(
        f'<line x1="{COLUMN_LEFT}" y1="{base}" x2="{COLUMN_WIDTH - 10}" y2="{base}" '
        f'stroke="{AXIS_COLOUR}"/>'
    )
    parts.append(
        f'<text x="{COLUMN_LEFT + plot_width / 2:.1f}" y="{COLUMN_HEIGHT - 6}" font-size="11" '
        f'text-anchor="middle" fill="{AXIS_COLOUR}">Kalenderwoche</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
