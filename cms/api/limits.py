"""Caps on what one GraphQL request may ask for: size, depth, aliases, cost, introspection.

Each refusal is a GraphQL error that names the limit and its value.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
)


@dataclass(frozen=True)
class Limits:
    max_query_chars: int
    max_depth: int
    max_aliases: int
    max_cost: int
    default_list_size: int


def current_limits() -> Limits:
    conf = settings.CMS_GRAPHQL_LIMITS
    return Limits(
        max_query_chars=conf["MAX_QUERY_CHARS"], max_depth=conf["MAX_DEPTH"], max_aliases=conf["MAX_ALIASES"],
        max_cost=conf["MAX_COST"], default_list_size=conf["DEFAULT_LIST_SIZE"],
    )


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _fields(selection_set: SelectionSetNode | None, fragments: dict, seen: frozenset = frozenset()):
    """The fields of a selection set, looking through fragments (which add no depth)."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                yield from _fields(fragments[name].selection_set, fragments, seen | {name})


def _is_introspection(field: FieldNode) -> bool:
    return field.name.value.startswith("__")


class MaxDepthRule(ValidationRule):
    def enter_operation_definition(self, node: OperationDefinitionNode, *args):
        limit = current_limits().max_depth
        fragments = _fragments(self.context.document)

        def depth(selection_set, level):
            deepest = level
            for field in _fields(selection_set, fragments):
                if _is_introspection(field):
                    continue
                deepest = max(deepest, depth(field.selection_set, level + 1) if field.selection_set else level + 1)
            return deepest

        found = depth(node.selection_set, 0)
        if found > limit:
            self.report_error(GraphQLError(f"Query depth {found} exceeds the maximum depth of {limit}.", node))


class MaxAliasesRule(ValidationRule):
    def enter_document(self, node: DocumentNode, *args):
        limit = current_limits().max_aliases
        count = 0

        def walk(selection_set):
            nonlocal count
            if selection_set is None:
                return
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode) and selection.alias is not None:
                    count += 1
                walk(getattr(selection, "selection_set", None))

        for definition in node.definitions:
            walk(getattr(definition, "selection_set", None))
        if count > limit:
            self.report_error(GraphQLError(f"Query uses {count} aliases; the maximum is {limit}."))


class NoIntrospectionRule(ValidationRule):
    def enter_field(self, node: FieldNode, *args):
        if node.name.value in {"__schema", "__type"}:
            self.report_error(
                GraphQLError("Introspection is disabled here; use the committed schema (cms/api/schema.graphql).", node)
            )


LIST_SIZE_ARGUMENTS = ("first", "limit")
# grapple's lists that fall back to its default page size when no `limit` is given
UNSIZED_LISTS = {"pages", "images", "documents", "search"}
MAX_LIST_SIZE = 100


def estimate_cost(document: DocumentNode, operation_name: str | None, variables: dict | None) -> int:
    """1 per field; a list field multiplies its selection by its `first`/`limit` (or the default size)."""
    limits = current_limits()
    fragments = _fragments(document)
    variables = variables or {}

    def list_size(field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value in LIST_SIZE_ARGUMENTS:
                value = argument.value
                # Sizes outside 1..MAX_LIST_SIZE are refused by the resolvers with a clearer message.
                if isinstance(value, IntValueNode):
                    return min(max(int(value.value), 1), MAX_LIST_SIZE)
                if isinstance(value, VariableNode):
                    given = variables.get(value.name.value)
                    if isinstance(given, int):
                        return min(max(given, 1), MAX_LIST_SIZE)
        return 0

    def cost(selection_set) -> int:
        total = 0
        for field in _fields(selection_set, fragments):
            if _is_introspection(field):
                continue
            child = cost(field.selection_set) if field.selection_set else 0
            size = list_size(field)
            if size:
                total += 1 + size * child
            elif field.name.value in UNSIZED_LISTS and child:
                total += 1 + limits.default_list_size * child
            else:
                total += 1 + child
        return total

    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [d for d in operations if d.name and d.name.value == operation_name]
    return max((cost(operation.selection_set) for operation in operations), default=0)


def validation_rules(*, allow_introspection: bool) -> list[type[ValidationRule]]:
    rules: list[type[ValidationRule]] = [MaxDepthRule, MaxAliasesRule]
    if not allow_introspection:
        rules.append(NoIntrospectionRule)
    return rules
