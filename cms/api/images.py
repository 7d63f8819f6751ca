"""Renditions only from the allow-list, each under the pixel cap, with errors that name the problem."""

import re

from django.conf import settings
from django.core.checks import Error, register
from grapple.types.images import ImageObjectType, rendition_allowed

from cms.media.preload import batching_active, rendition_for

from .core.errors import ClientError

_stock_resolve_rendition = ImageObjectType.resolve_rendition


def allowed_filters() -> list[str]:
    return list(settings.GRAPPLE["ALLOWED_IMAGE_FILTERS"])


def resolve_rendition(instance, info, **kwargs):
    """grapple's rendition resolver, with a clear message for a filter outside the allow-list."""
    # The same spec grapple builds from the arguments.
    filters = "|".join(f"{key}-{value}" for key, value in kwargs.items() if key != "preserve_svg")
    if not rendition_allowed(filters):
        raise ClientError(
            f"Rendition filter '{filters}' is not allowed. Allowed filters: {', '.join(allowed_filters())}."
        )
    if instance.is_svg() or not batching_active():
        # grapple's own path: SVG-safe handling, and the stock endpoint of the benchmark
        return _stock_resolve_rendition(instance, info, **kwargs)
    return rendition_for(instance, filters)


# grapple has no hook for this; the generated image types inherit the resolver from here.
ImageObjectType.resolve_rendition = staticmethod(resolve_rendition)


def filter_pixels(spec: str) -> int:
    """The most pixels a filter spec can produce (width-N is bounded by N x N)."""
    largest = 1
    for operation in spec.split("|"):
        numbers = [int(n) for n in re.findall(r"\d+", operation.split("-", 1)[-1])] if "-" in operation else []
        name = operation.split("-", 1)[0]
        if name in {"fill", "max", "min"} and len(numbers) >= 2:
            largest = max(largest, numbers[0] * numbers[1])
        elif name in {"width", "height", "scale"} and numbers:
            largest = max(largest, numbers[0] * numbers[0])
    return largest


@register()
def check_rendition_filters(app_configs, **kwargs):
    cap = settings.CMS_RENDITION_MAX_PIXELS
    return [
        Error(
            f"Rendition filter '{spec}' can produce {filter_pixels(spec)} pixels, over the cap of {cap}.", id="cms.E001"
        )
        for spec in allowed_filters()
        if filter_pixels(spec) > cap
    ]
