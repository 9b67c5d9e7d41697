"""Formatting shared by every page: money and points are whole numbers, shown the Japanese way."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def yen(value: int | None) -> str:
    """12345 → ¥12,345 (the same in Japanese and English)."""
    if value is None or value == "":
        return ""
    value = int(value)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,}"


@register.filter
def points(value: int | None) -> str:
    """12345 → 12,345 (points are integers; the unit is named by the page)."""
    if value is None or value == "":
        return ""
    return f"{int(value):,}"


@register.simple_tag
def chart_bars(bars) -> str:
    """The 12-month chart's rectangles: a hundred of them, joined here rather than by a template loop
    (the dashboard's single biggest rendering cost otherwise)."""
    # Integers are formatted as such and every text is escaped, so the joined markup is safe.
    return mark_safe(  # noqa: S308
        "".join(
            f'<rect x="{b.x:d}" y="{b.y:d}" width="24" height="{b.height:d}" fill="{escape(b.colour)}">'
            f"<title>{escape(b.label)} {escape(b.program)} {b.points:d}</title></rect>"
            for b in bars
        )
    )
