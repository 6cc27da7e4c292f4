"""Bar charts as geometry for an inline SVG, with the same numbers as a table.

``bar_chart`` lays the bars out in Python; ``templates/dashboard/chart.html``
only draws them. Colours come from the stylesheet (``.series-0`` ...), so the
page needs no inline style and no script.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 12, 40
MAX_X_LABELS = 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str  # the bar's tooltip: label, series and value


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    width: int
    height: int
    plot_left: int
    plot_bottom: float
    plot_right: int
    bars: list[Bar]
    x_labels: list[Tick]
    y_ticks: list[Tick]
    legend: list[tuple[int, str]]
    headers: list[str]
    rows: list[list[str]]
    values: dict[str, dict[str, float | Decimal]]  # series → label → value, for export and tests
    empty: bool


def plain(value: float | Decimal) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def dollars(value: float | Decimal) -> str:
    return f"${value:,.4f}" if 0 < abs(value) < 1 else f"${value:,.2f}"


def _nice_top(value: float) -> float:
    """The axis top: the value rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if value <= step * magnitude)


def bar_chart(
    *,
    id: str,
    title: str,
    label_header: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | Decimal]]],
    number: Callable[[float | Decimal], str] = plain,
    table_only: Sequence[str] = (),
    newest_first: bool = False,
) -> Chart:
    """Grouped vertical bars: one group per label, one bar per series (but those named in table_only), and a
    table with one row per label (days: newest_first) and a column per series."""
    table = series
    series = [(name, values) for name, values in series if name not in table_only]
    top = _nice_top(max((float(v) for _, values in series for v in values), default=0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    group = plot_width / max(len(labels), 1)
    bar_width = max(group * 0.8 / max(len(series), 1), 1)
    bars = []
    for position, label in enumerate(labels):
        for index, (name, values) in enumerate(series):
            value = float(values[position])
            height = plot_height * value / top
            bars.append(
                Bar(
                    x=round(LEFT + group * position + group * 0.1 + bar_width * index, 2),
                    y=round(TOP + plot_height - height, 2),
                    width=round(bar_width, 2),
                    height=round(height, 2),
                    series=index,
                    title=f"{label} · {name}: {number(values[position])}",
                )
            )
    every = max(1, -(-len(labels) // MAX_X_LABELS))
    room = max(3, int(group * every / 6.5))  # characters that fit under a group at the axis font size
    x_labels = [
        Tick(round(LEFT + group * position + group / 2, 2), label if len(label) <= room else label[: room - 1] + "…")
        for position, label in enumerate(labels)
        if position % every == 0
    ]
    y_ticks = [Tick(round(TOP + plot_height * (1 - share), 2), number(top * share)) for share in (0, 0.5, 1)]
    return Chart(
        id=id,
        title=title,
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_bottom=TOP + plot_height,
        plot_right=WIDTH - RIGHT,
        bars=bars,
        x_labels=x_labels,
        y_ticks=y_ticks,
        legend=[(index, name) for index, (name, _) in enumerate(series)] if len(series) > 1 else [],
        headers=[label_header, *(name for name, _ in table)],
        rows=[
            [label, *(number(values[position]) for _, values in table)]
            for position, label in (reversed(list(enumerate(labels))) if newest_first else enumerate(labels))
        ],
        values={name: dict(zip(labels, values, strict=True)) for name, values in table},
        empty=not any(float(v) for _, values in series for v in values),
    )
