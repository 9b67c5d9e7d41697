"""Formatting shared by every page: money and points are whole numbers, shown the Japanese way."""

from django import template

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
