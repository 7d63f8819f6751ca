"""The arguments of grapple's lists (`pages`, `children`, `images`, `documents`, ...): `order`, `offset`, `limit`.

grapple passes `order` straight to Django's `order_by` (so `owner__password` orders by a private
field of a related model, and a bad name lists every field of the model) and `offset` straight to
a slice (so a huge one reaches PostgreSQL). The request is checked before anything runs: `order`
takes only the fields below, `offset` 0 to MAX_OFFSET, `limit` 1 to MAX_LIMIT.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
    is_abstract_type,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Undefined
from graphql.utilities.type_info import get_field_def
from grapple.types.structures import PositiveInt

from cms.api.core.errors import ClientError
from cms.api.core.pagination import MAX_OFFSET
from cms.api.core.pagination import MAX_PAGE_SIZE as MAX_LIMIT

LIST_ARGUMENTS = ("order", "offset", "limit")

PAGE_ORDER_FIELDS = ("id", "title", "first_published_at", "last_published_at", "latest_revision_created_at")
MEDIA_ORDER_FIELDS = ("id", "title", "created_at")
ORDER_FIELDS_BY_TYPE = {
    "PageInterface": PAGE_ORDER_FIELDS,
    "SiteImage": MEDIA_ORDER_FIELDS,
    "SiteDocument": MEDIA_ORDER_FIELDS,
    "TagObjectType": ("id", "name"),
    "CollectionObjectType": ("id", "name"),
}
OTHER_ORDER_FIELDS = ("id",)


def order_fields(schema: GraphQLSchema, item_type) -> tuple[str, ...]:
    """The fields a list of `item_type` may be ordered by (each also with a leading `-`)."""
    named = get_named_type(item_type)
    if named.name in ORDER_FIELDS_BY_TYPE:
        return ORDER_FIELDS_BY_TYPE[named.name]
    page_interface = schema.get_type("PageInterface")
    if (
        page_interface is not None
        and not is_abstract_type(named)
        and page_interface in getattr(named, "interfaces", ())
    ):
        return PAGE_ORDER_FIELDS  # a list of one page type
    return OTHER_ORDER_FIELDS


def _is_grapple_list(field_def) -> bool:
    """grapple's QuerySetList: paged by `limit`/`offset` of its PositiveInt type."""
    return any(
        name in field_def.args and get_named_type(field_def.args[name].type).name == PositiveInt._meta.name
        for name in ("limit", "offset")
    )


def check_arguments(*, field_name: str, arguments: dict, allowed_order: tuple[str, ...]) -> None:
    """Raises ClientError for an `order`, `offset` or `limit` outside what grapple's lists accept here."""
    offset = arguments.get("offset")
    if offset is not None and not 0 <= offset <= MAX_OFFSET:
        raise ClientError(f"`offset` of `{field_name}` must be between 0 and {MAX_OFFSET}; got {offset}.")
    limit = arguments.get("limit")
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise ClientError(
            f"`limit` of `{field_name}` must be between 1 and {MAX_LIMIT} (page size limit); got {limit}."
        )
    order = arguments.get("order")
    if order is not None:
        terms = [term.strip() for term in order.split(",")]
        wrong = [term for term in terms if term.removeprefix("-") not in allowed_order]
        if wrong:
            raise ClientError(
                f"`order` of `{field_name}` cannot be '{wrong[0]}'. Allowed: {', '.join(allowed_order)}, "
                "each optionally with a leading '-' for descending, several separated by commas."
            )


def check_list_arguments(*, schema: GraphQLSchema, document: DocumentNode, variable_values: dict) -> None:
    """Checks every grapple list of the document's operations and fragments, with the request's variables.

    Raises ClientError for the first argument out of bounds. Each fragment is walked once."""
    walked: set[str] = set()
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def walk(selection_set, parent_type):
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                field_def = get_field_def(schema, parent_type, selection) if parent_type is not None else None
                if field_def is None:
                    continue
                if selection.arguments and _is_grapple_list(field_def):
                    try:
                        arguments = get_argument_values(field_def, selection, variable_values)
                    except GraphQLError:  # a missing or invalid variable: execution reports it
                        arguments = {}
                    check_arguments(
                        field_name=selection.name.value,
                        arguments=arguments,
                        allowed_order=order_fields(schema, field_def.type),
                    )
                if selection.selection_set:
                    walk(selection.selection_set, get_named_type(field_def.type))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                walk(selection.selection_set, schema.get_type(condition.name.value) if condition else parent_type)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in walked and name in fragments:
                    walked.add(name)
                    walk(fragments[name].selection_set, schema.get_type(fragments[name].type_condition.name.value))

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = {
                OperationType.QUERY: schema.query_type,
                OperationType.MUTATION: schema.mutation_type,
                OperationType.SUBSCRIPTION: schema.subscription_type,
            }[definition.operation]
            walk(definition.selection_set, root)


def _non_negative_integer(value):
    """PositiveInt without graphene Int's 32-bit bound: a huge `offset` reaches check_arguments, which
    names the allowed range, instead of failing in graphene with a Python TypeError."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return Undefined
    return value


def _parse_literal(ast, _variables=None):
    return _non_negative_integer(int(ast.value)) if isinstance(ast, IntValueNode) else Undefined


def patch_positive_int() -> None:
    """Before grapple builds its schema (cms/api/apps.py)."""
    PositiveInt.parse_literal = staticmethod(_parse_literal)
    PositiveInt.parse_value = staticmethod(_non_negative_integer)
