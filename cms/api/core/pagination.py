"""Page sizes, opaque cursors and page info: one set of rules for every list of the API.

Lists take `first` (1 to MAX_PAGE_SIZE, as GitHub's connections) and `after` (an opaque cursor from an
earlier answer's `pageInfo.endCursor`); each list checks its own cursor kind and how deep it may go.
"""

from __future__ import annotations

import base64

import graphene

from .errors import ClientError

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_OFFSET = 10_000  # as grapple's `offset` (cms/api/pages/lists.py); deeper pages are for filters


class PageInfo(graphene.ObjectType):
    has_next_page = graphene.Boolean(required=True)
    end_cursor = graphene.String(description="Pass as `after` to get the next page; null when there is none.")


def first_argument() -> graphene.Int:
    return graphene.Int(default_value=DEFAULT_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}.")


def check_page_size(first: int) -> None:
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise ClientError(f"`first` must be between 1 and {MAX_PAGE_SIZE} (page size limit); got {first}.")


def bad_cursor(after: str) -> ClientError:
    return ClientError(f"`after` cursor '{after}' is not valid; use a pageInfo.endCursor from an earlier answer.")


def decode_cursor(after: str | None, kind: str = "offset") -> int:
    """The offset in an opaque `<kind>:<offset>` cursor (each list checks its own kind)."""
    if not after:
        return 0
    try:
        prefix, offset = base64.b64decode(after.encode(), validate=True).decode().split(":")
        if prefix != kind or int(offset) < 0:
            raise ValueError
        return int(offset)
    except (ValueError, UnicodeDecodeError):
        raise bad_cursor(after) from None


def encode_cursor(offset: int, kind: str = "offset") -> str:
    return base64.b64encode(f"{kind}:{offset}".encode()).decode()


def enum_value(argument):
    """graphene 3 passes enum arguments as Enum members."""
    return getattr(argument, "value", argument)
