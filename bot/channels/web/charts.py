"""Bar charts drawn on the server as SVG: no chart library, no script, nothing from elsewhere.

Every text that goes into a chart (labels, series names, titles) is escaped here, so the markup
can be marked safe for the page (templating.svg). Colours come from classes in console.css (the
CSP allows no inline style).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 34


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per label; None: nothing to draw (no data, not zero)
    css: str  # "s1" … "s6": its colour in console.css


def nice_ceiling(value: float) -> float:
    """The axis' top: 1, 2 or 5 times a power of ten, at least the highest bar."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(float(step * power) for step in (1, 2, 5, 10) if step * power >= value)


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    unit: str = "",
    stacked: bool = False,
    width: int = WIDTH,
) -> Markup:
    """Bars per label: side by side, or stacked (then the totals set the axis).

    width: of the drawing, in the page's pixels where it is shown at its size; a chart drawn wide
    and shown in a narrow card shrinks its text with it, past reading."""
    count = max(1, len(labels))
    if stacked:
        tops = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    else:
        tops = [max((s.values[i] or 0 for s in series), default=0) for i in range(len(labels))]
    top = nice_ceiling(max(tops, default=0))
    plot_w, plot_h = width - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + plot_h - value / top * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in (0.0, top / 2, top):
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{width - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>')
        parts.append(
            f'<text class="tick" x="{LEFT - 4}" y="{y(tick) + 4:.1f}" text-anchor="end">{_number(tick)}</text>'
        )
    group = plot_w / count
    every = max(1, math.ceil(count / max(2, width // 52)))  # labels under the axis that fit side by side
    for i, label in enumerate(labels):
        x0 = LEFT + i * group
        if stacked:
            base = 0.0
            for s in series:
                stacked_value = s.values[i] or 0.0
                if stacked_value:
                    top_y, bottom_y = y(base + stacked_value), y(base)
                    parts.append(_bar(x0 + group * 0.15, group * 0.7, top_y, bottom_y, s, label, stacked_value, unit))
                base += stacked_value
        else:
            bar_w = group * 0.8 / max(1, len(series))
            for j, s in enumerate(series):
                value = s.values[i]
                if value is not None:  # a zero is a figure (a reply within the minute): a hairline
                    parts.append(_bar(x0 + group * 0.1 + j * bar_w, bar_w, y(value), y(0), s, label, value, unit))
        if i % every == 0:
            parts.append(
                f'<text class="label" x="{x0 + group / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _bar(x: float, width: float, top: float, bottom: float, s: Series, label: str, value: float, unit: str) -> str:
    hint = escape(f"{label} · {s.name}: {_number(value)}{(' ' + unit) if unit else ''}")
    return (
        f'<rect class="{escape(s.css)}" x="{x:.1f}" y="{top:.1f}" width="{max(width, 1):.1f}" '
        f'height="{max(bottom - top, 0.5):.1f}"><title>{hint}</title></rect>'
    )
