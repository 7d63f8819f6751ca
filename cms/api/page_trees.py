"""A cache of each published page's resolved GraphQL subtree, per site and content version.

Most of an executed front-page query is graphql-core walking the ~60 fields of each article (its
StreamField blocks, renditions, document links): about 1,100 fields for 20 articles. The answer to
one page's part of a query depends only on

- the page as published (its id and live revision),
- everything else the site's content version moves with (images, documents, settings, other pages:
  every save or delete in the site moves it), and the site itself (schema and registry id),
- the part of the query under the page (its selection set, the fragments and the values of the
  variables it uses; aliases and directives included),
- the public origin its absolute URLs are built on, today's date (a notice's `isExpired`) and whether
  introspection was allowed.

So the completed subtree is kept under exactly that key, in this process (bounded by size, least
recently used first out), and the next request that completes the same page at a position with the same
selection uses it instead of walking the fields: a list of 20 articles then costs its one SQL query and
the fields around the list. The key names the schema, so one site never reads another's subtrees; an
old content version's entries are never read again and age out.

Not cached: preview (a draft is not the live revision), mutations, a subtree whose completion added an
error, and anything when `CMS_GRAPHQL_PAGE_CACHE_MB` is 0. Media for the pages that were not cached are
loaded in one batch before they are completed (`preload_media`), as the list resolvers do without it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLSchema,
    VariableNode,
    is_abstract_type,
    is_object_type,
    print_ast,
)
from graphql.language import Visitor, visit
from wagtail.models import Page

from cms.media.origin import request_origin
from cms.media.preload import preload_media

PAGE_INTERFACE = "PageInterface"


class _Store:
    """Completed subtrees, least recently used first out, bounded by an estimate of their memory."""

    def __init__(self):
        self._entries: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple, *, count: bool = True):
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += count
                return None
            self._entries.move_to_end(key)
            self.hits += count
            return found[0]

    def put(self, key: tuple, value, size: int, limit: int) -> None:
        if size > limit // 8:  # one huge page must not push out everything else
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > limit and self._entries:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def stats(self) -> dict:
        with self._lock:
            return {"entries": len(self._entries), "bytes": self._bytes, "hits": self.hits, "misses": self.misses}


_store = _Store()


def clear() -> None:
    """Forget every subtree of this process (tests roll the database back under it)."""
    _store.clear()


def stats() -> dict:
    return _store.stats()


def limit_bytes() -> int:
    return int(settings.CMS_GRAPHQL_PAGE_CACHE_MB * 1024 * 1024)


class _VariableFinder(Visitor):
    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self.spreads: set[str] = set()

    def enter_variable(self, node: VariableNode, *args):
        self.names.add(node.name.value)

    def enter_fragment_spread(self, node: FragmentSpreadNode, *args):
        self.spreads.add(node.name.value)


def _selection_signature(field_nodes: list[FieldNode], fragments: dict) -> tuple[str, tuple[str, ...]]:
    """A digest of the selection under a page (with every fragment it spreads, transitively) and the names
    of the variables it uses."""
    finder = _VariableFinder()
    parts = []
    for node in field_nodes:
        if node.selection_set is not None:
            parts.append(print_ast(node.selection_set))
            visit(node.selection_set, finder)
    seen: set[str] = set()
    pending = list(finder.spreads)
    while pending:
        name = pending.pop()
        if name in seen or name not in fragments:
            continue
        seen.add(name)
        parts.append(print_ast(fragments[name]))
        inner = _VariableFinder()
        visit(fragments[name], inner)
        finder.names |= inner.names
        pending.extend(inner.spreads)
    digest = hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:32]
    return digest, tuple(sorted(finder.names))


_signatures: OrderedDict[tuple, tuple[str, tuple[str, ...]]] = OrderedDict()
_signatures_lock = threading.Lock()
_SIGNATURES_KEPT = 1024


def selection_signature(query: str, path_key: tuple, field_nodes: list[FieldNode], fragments: dict):
    """_selection_signature, remembered per query text and position (the same query's nodes print alike)."""
    memo_key = (query, path_key)
    with _signatures_lock:
        found = _signatures.get(memo_key)
    if found is None:
        found = _selection_signature(field_nodes, fragments)
        with _signatures_lock:
            _signatures[memo_key] = found
            while len(_signatures) > _SIGNATURES_KEPT:
                _signatures.popitem(last=False)
    return found


_page_types_by_schema: dict[int, frozenset] = {}


def page_types(schema: GraphQLSchema) -> frozenset:
    """The GraphQL types a page completes as: PageInterface and every page type implementing it."""
    found = _page_types_by_schema.get(id(schema))
    if found is None:
        interface = schema.get_type(PAGE_INTERFACE)
        found = frozenset([interface, *schema.get_possible_types(interface)]) if interface is not None else frozenset()
        _page_types_by_schema[id(schema)] = found
    return found


@dataclass
class PageTrees:
    """What a request's page subtrees are keyed by, besides the page and the selection."""

    site: tuple  # (schema name, registry id, content version)
    origin: str | None
    today: str
    allow_introspection: bool
    query: str

    def key(self, *, page: Page, field_nodes: list[FieldNode], path, fragments: dict, variables: dict) -> tuple:
        """`variables` as execution coerced them (defaults applied)."""
        path_key = tuple(part for part in path.as_list() if isinstance(part, str))
        digest, names = selection_signature(self.query, path_key, field_nodes, fragments)
        used = json.dumps([variables.get(name) for name in names], sort_keys=True, default=str) if names else ""
        revision = (page.live_revision_id, page.last_published_at)
        return (*self.site, self.origin, self.today, self.allow_introspection, page.pk, revision, digest, used)


def for_request(request, *, query: str, preview: bool, is_query: bool) -> PageTrees | None:
    """The page-tree keys of one request, or None when its subtrees are not to be cached."""
    if preview or not is_query or not query or settings.CMS_GRAPHQL_PAGE_CACHE_MB <= 0:
        return None
    tenant = getattr(request, "tenant", None)
    if tenant is None or getattr(tenant, "schema_name", None) != connection.schema_name:
        return None
    return PageTrees(
        site=(tenant.schema_name, tenant.pk, tenant.content_version),
        origin=request_origin.get(),
        today=timezone.localdate().isoformat(),
        allow_introspection=bool(getattr(request, "cms_allow_introspection", False)),
        query=query,
    )


def is_page_type(schema: GraphQLSchema, return_type) -> bool:
    return (is_abstract_type(return_type) or is_object_type(return_type)) and return_type in page_types(schema)


def cached_tree(trees: PageTrees, *, page: Page, field_nodes, path, fragments, variables):
    key = trees.key(page=page, field_nodes=field_nodes, path=path, fragments=fragments, variables=variables)
    return key, _store.get(key)


# Python's objects of a completed subtree take about four times the characters of its JSON (measured on the
# typical front page's articles: dicts, short strings, Chinese text at two bytes a character).
MEMORY_PER_JSON_CHARACTER = 4


def remember_tree(key: tuple, completed) -> None:
    limit = limit_bytes()
    if limit > 0:
        size = len(json.dumps(completed, ensure_ascii=False, default=str)) * MEMORY_PER_JSON_CHARACTER
        _store.put(key, completed, size, limit)


def preload_missing(trees: PageTrees, *, pages: list, field_nodes, path, fragments, variables) -> None:
    """Batch-load the media of the listed pages whose subtree is not cached (the rest need none)."""
    missing = [
        page
        for index, page in enumerate(pages)
        if isinstance(page, Page)
        and _store.get(
            trees.key(
                page=page,
                field_nodes=field_nodes,
                path=path.add_key(index, None),
                fragments=fragments,
                variables=variables,
            ),
            count=False,
        )
        is None
    ]
    if missing:
        preload_media(missing)


def active(request) -> bool:
    """Whether this request caches page subtrees (then lists preload only the pages not cached)."""
    return getattr(request, "cms_page_trees", None) is not None
