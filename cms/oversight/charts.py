"""Small server-rendered SVG charts for the dashboard (no script, no CDN)."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def bars(
    values: list[int], *, width: int = 96, height: int = 24, colour: str = "#b22222", label: str = ""
) -> SafeString:
    """A bar per value (oldest first), scaled to the largest; the title lists the values for a tooltip."""
    values = list(values or [])
    if not values:
        return mark_safe("")  # noqa: S308 (a constant)
    top = max(values) or 1
    step = width / len(values)
    rects = "".join(
        f'<rect x="{index * step + 1:.1f}" y="{height - max(value / top * height, 1 if value else 0):.1f}" '
        f'width="{max(step - 2, 1):.1f}" height="{max(value / top * height, 1 if value else 0):.1f}" fill="{colour}"/>'
        for index, value in enumerate(values)
    )
    title = f"{label}：" + " / ".join(str(value) for value in values)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        "<title>{}</title>{}</svg>",
        width,
        height,
        width,
        height,
        title,
        title,
        mark_safe(rects),  # noqa: S308 (numbers and our colour only)
    )
