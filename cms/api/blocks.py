"""GraphQL types for StreamField blocks that grapple leaves untyped."""

import graphene
from grapple.registry import registry
from grapple.types.streamfield import StreamFieldInterface
from wagtail.contrib.table_block.blocks import TableBlock


class TableBlockType(graphene.ObjectType):
    """A table: rows of cells (text), and which row/column are headers."""

    rows = graphene.List(graphene.NonNull(graphene.List(graphene.String)), required=True)
    first_row_is_header = graphene.Boolean(required=True)
    first_col_is_header = graphene.Boolean(required=True)
    caption = graphene.String()

    class Meta:
        name = "TableBlock"
        interfaces = (StreamFieldInterface,)

    def resolve_rows(self, info):
        return (self.value or {}).get("data") or []

    def resolve_first_row_is_header(self, info):
        return bool((self.value or {}).get("first_row_is_table_header"))

    def resolve_first_col_is_header(self, info):
        return bool((self.value or {}).get("first_col_is_header"))

    def resolve_caption(self, info):
        return (self.value or {}).get("table_caption") or None


def register_block_types() -> None:
    registry.streamfield_blocks[TableBlock] = TableBlockType
