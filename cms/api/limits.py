"""Caps on what one GraphQL request may ask for: size, depth, aliases, cost, time, introspection.

Each refusal is a GraphQL error that names the limit and its value.

Fragments are measured once each and their measure reused at every spread, so the work is linear in
the size of the document even when spreads repeat (`...F1 ...F1` in F0, `...F2 ...F2` in F1, ...);
what the query would expand to is counted in full, with arithmetic capped at COUNT_CAP.
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
    GraphQLList,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationRule,
    get_named_type,
    get_nullable_type,
)
from graphql.execution.values import get_argument_values
from graphql.utilities.type_info import get_field_def


@dataclass(frozen=True)
class Limits:
    max_query_chars: int
    max_depth: int
    max_aliases: int
    max_cost: int
    max_seconds: float


def current_limits() -> Limits:
    conf = settings.CMS_GRAPHQL_LIMITS
    return Limits(
        max_query_chars=conf["MAX_QUERY_CHARS"],
        max_depth=conf["MAX_DEPTH"],
        max_aliases=conf["MAX_ALIASES"],
        max_cost=conf["MAX_COST"],
        max_seconds=conf["MAX_SECONDS"],
    )


# Counts (aliases, cost) saturate here: a document of repeated spreads can describe 2**1000 fields,
# and big-integer arithmetic on such numbers is neither needed nor cheap.
COUNT_CAP = 10**12


def _capped(value: int) -> int:
    return value if value < COUNT_CAP else COUNT_CAP


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def _is_introspection(field: FieldNode) -> bool:
    return field.name.value.startswith("__")


class _PerFragment:
    """A measure of selection sets where each fragment's measure is computed once and reused.

    `measure(selection_set)` is given by `combine`; a spread of a fragment being measured (a cycle,
    which validation reports on its own) counts as nothing.
    """

    def __init__(self, document: DocumentNode):
        self.fragments = _fragments(document)
        self.memo: dict[str, int] = {}
        self.active: set[str] = set()

    def fragment(self, name: str) -> int:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.active:
            return 0
        self.active.add(name)
        try:
            value = self.measure(definition.selection_set)
        finally:
            self.active.discard(name)
        self.memo[name] = value
        return value

    def measure(self, selection_set: SelectionSetNode | None) -> int:  # pragma: no cover - abstract
        raise NotImplementedError


class _Depth(_PerFragment):
    """The deepest field below a selection set (fragments add no depth; introspection is not counted)."""

    def measure(self, selection_set):
        deepest = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if not _is_introspection(selection):
                    deepest = max(deepest, 1 + self.measure(selection.selection_set))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.measure(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, self.fragment(selection.name.value))
        return deepest


class _Aliases(_PerFragment):
    """The aliases of a selection set with every fragment spread expanded."""

    def measure(self, selection_set):
        count = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                count += (selection.alias is not None) + self.measure(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                count += self.measure(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                count += self.fragment(selection.name.value)
        return _capped(count)


class MaxDepthRule(ValidationRule):
    def enter_document(self, node: DocumentNode, *args):
        limit = current_limits().max_depth
        depth = _Depth(node)
        for operation in _operations(node):
            found = depth.measure(operation.selection_set)
            if found > limit:
                self.report_error(GraphQLError(f"Query depth {found} exceeds the maximum depth of {limit}.", operation))


class MaxAliasesRule(ValidationRule):
    def enter_document(self, node: DocumentNode, *args):
        limit = current_limits().max_aliases
        aliases = _Aliases(node)
        count = max((aliases.measure(operation.selection_set) for operation in _operations(node)), default=0)
        if count > limit:
            self.report_error(GraphQLError(f"Query uses {count} aliases; the maximum is {limit}."))


class NoIntrospectionRule(ValidationRule):
    def enter_field(self, node: FieldNode, *args):
        if node.name.value in {"__schema", "__type"}:
            self.report_error(
                GraphQLError("Introspection is disabled here; use the committed schema (cms/api/schema.graphql).", node)
            )


# Arguments that set how many items a list (or the `items` of a connection) returns, and the most any
# list returns: GitHub's 1 to 100 items a connection.
LIST_SIZE_ARGUMENTS = ("first", "limit")
MAX_LIST_SIZE = 100


def _unsized_page() -> int:
    """The page grapple's lists return when `limit` is left out (or 0): its PAGE_SIZE, at most MAX_LIST_SIZE."""
    return min(settings.GRAPPLE["PAGE_SIZE"], MAX_LIST_SIZE)


def _list_size(field_def, node: FieldNode, variable_values: dict) -> int | None:
    """The size a list field (or a connection) is asked for, with its default; None if it takes no size.

    A size argument left out has no default in the schema only on grapple's lists (`limit`), whose
    resolver then returns its default page.
    """
    names = [name for name in LIST_SIZE_ARGUMENTS if name in field_def.args]
    if not names:
        return None
    try:
        arguments = get_argument_values(field_def, node, variable_values)
    except GraphQLError:  # left to execution to report
        arguments = {}
    given = arguments.get(names[0])
    if isinstance(given, int) and not isinstance(given, bool):
        # Sizes outside 1..MAX_LIST_SIZE are refused by the resolvers with a clearer message.
        return min(max(given, 1), MAX_LIST_SIZE) if given else _unsized_page()
    return _unsized_page()


def _is_list(type_) -> bool:
    return isinstance(get_nullable_type(type_), GraphQLList)


class _Cost:
    """1 for each field the answer can hold: a list field counts its selection once per item.

    Whether a field is a list comes from the schema (its type, NonNull unwrapped). A list's size is its
    `first`/`limit` argument (variables and defaults applied), grapple's default page when `limit` is left
    out, or for the lists of a connection (`contentPages(first: 5) { items }`) the size asked of the
    connection. Lists that take no size and sit in no connection (StreamField blocks, navigation, tags)
    hold what editors wrote, whatever the query: they are counted once.
    """

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variable_values: dict):
        self.schema, self.variable_values = schema, variable_values
        self.fragments = _fragments(document)
        self.memo: dict[tuple[str, int | None], int] = {}
        self.active: set[str] = set()

    def selection_set(self, selection_set, parent_type, connection_size: int | None) -> int:
        total = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent_type, connection_size)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                type_ = self.schema.get_type(condition.name.value) if condition else parent_type
                total += self.selection_set(selection.selection_set, type_, connection_size)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, connection_size)
            if total >= COUNT_CAP:
                return COUNT_CAP
        return total

    def fragment(self, name: str, connection_size: int | None) -> int:
        key = (name, connection_size)
        if key in self.memo:
            return self.memo[key]
        definition = self.fragments.get(name)
        if definition is None or name in self.active:
            return 0
        self.active.add(name)
        try:
            type_ = self.schema.get_type(definition.type_condition.name.value)
            value = self.selection_set(definition.selection_set, type_, connection_size)
        finally:
            self.active.discard(name)
        self.memo[key] = value
        return value

    def field(self, node: FieldNode, parent_type, connection_size: int | None) -> int:
        if _is_introspection(node):
            return 0
        field_def = get_field_def(self.schema, parent_type, node) if parent_type is not None else None
        if field_def is None:  # unknown field: validation reports it
            return 1
        if not node.selection_set:
            return 1
        size = _list_size(field_def, node, self.variable_values)
        is_list = _is_list(field_def.type)
        # A connection's size goes to the lists directly inside it.
        child = self.selection_set(
            node.selection_set,
            get_named_type(field_def.type),
            None if is_list else size,
        )
        if is_list:
            child *= size or connection_size or 1
        return _capped(1 + child)


def estimate_cost(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode | None, variable_values: dict
) -> int:
    """An upper bound of the fields the answer can hold (see _Cost), at most COUNT_CAP.

    `variable_values` are the operation's coerced variables (defaults included)."""
    if operation is None:
        return 0
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    return _Cost(schema, document, variable_values).selection_set(operation.selection_set, root, None)


def validation_rules(*, allow_introspection: bool) -> list[type[ValidationRule]]:
    rules: list[type[ValidationRule]] = [MaxDepthRule, MaxAliasesRule]
    if not allow_introspection:
        rules.append(NoIntrospectionRule)
    return rules
