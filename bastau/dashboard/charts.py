"""Charts drawn on the server as inline SVG: no JavaScript, no files to fetch, no style attributes (CSP).

The SVG scales with its container (viewBox, width 100% in app.css) and prints; its numbers are also in the
table next to it, and the chart itself has a <title> and <desc> for screen readers.
"""
from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 600
LINE = 58       # height of one row: a label line and a bar
BAR = 20
LEFT = 4


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def trained_vs_plan(rows, title: str, description: str, label) -> Markup:
    """A horizontal bar per row: trained (filled) against the plan (an outlined bar of the plan's length).

    rows: objects with .name, .figures["trained"], .plan, .over_plan; label(row) -> the text over the bar.
    """
    rows = list(rows)
    biggest = max([1] + [r.figures["trained"] for r in rows] + [r.plan or 0 for r in rows])
    scale = (WIDTH - 2 * LEFT) / biggest
    height = max(LINE, LINE * len(rows)) + 4
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg" '
             f'preserveAspectRatio="xMinYMin meet">',
             f'<title id="chart-title">{escape(title)}</title>',
             f'<desc id="chart-desc">{escape(description)}</desc>']
    for index, row in enumerate(rows):
        top = index * LINE
        trained = row.figures["trained"]
        klass = "bar over" if row.over_plan else "bar"
        parts.append(f'<g class="chart-row{" over" if row.over_plan else ""}">')
        parts.append(f'<text x="{LEFT}" y="{top + 22}" class="chart-label" font-size="22">{escape(label(row))}</text>')
        if row.plan:
            parts.append(f'<rect class="plan" x="{LEFT}" y="{top + 30}" width="{_num(row.plan * scale)}" '
                         f'height="{BAR}" fill="none" stroke="#59636e" stroke-width="2" stroke-dasharray="6 3"/>')
        if trained:
            parts.append(f'<rect class="{klass}" x="{LEFT}" y="{top + 33}" width="{_num(max(trained * scale, 2))}" '
                         f'height="{BAR - 6}" fill="{"#8a5a00" if row.over_plan else "#0b6e4f"}"/>')
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
