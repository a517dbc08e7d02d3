"""Bar charts drawn on the server: the geometry of an inline SVG, for the templates to draw.

No JavaScript library and nothing from a CDN: the profile page and the admin's report draw
activations per day with `templates/includes/bar_chart.html`.
"""

from dataclasses import dataclass
from datetime import date

from invites.selectors import DayCount


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    date: date
    count: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    highest: int
    total: int
    first: date
    last: date


def bar_chart(days: list[DayCount], *, width: int = 600, height: int = 120) -> BarChart:
    """One bar per day, as tall as its count against the highest (a day with none gets a
    1-unit stub, so every day is visible). Coordinates are in the SVG's viewBox units."""
    highest = max((day.count for day in days), default=0)
    slot = width / max(len(days), 1)
    gap = min(2.0, slot * 0.2)
    bars = []
    for n, day in enumerate(days):
        bar_height = max(height * day.count / highest, 1.0) if highest else 1.0
        bars.append(
            Bar(
                x=round(n * slot + gap / 2, 2),
                y=round(height - bar_height, 2),
                width=round(slot - gap, 2),
                height=round(bar_height, 2),
                date=day.date,
                count=day.count,
            )
        )
    return BarChart(
        width=width,
        height=height,
        bars=bars,
        highest=highest,
        total=sum(day.count for day in days),
        first=days[0].date,
        last=days[-1].date,
    )
