"""Parsing and validating a query once, not on every request; caching whole answers per content version;
a time limit on executing one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from contextlib import contextmanager
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from graphql import ExecutionContext, GraphQLError, get_named_type, parse, specified_rules, validate
from wagtail.models import Page

from . import page_trees
from .limits import validation_rules

log = logging.getLogger(__name__)


@lru_cache(maxsize=512)
def parsed(query: str):
    """The document of a query; a syntax error is raised as GraphQLError (and not cached)."""
    return parse(query)


@lru_cache(maxsize=512)
def validation_errors(schema, query: str, allow_introspection: bool) -> tuple[GraphQLError, ...]:
    rules = [*specified_rules, *validation_rules(allow_introspection=allow_introspection)]
    return tuple(validate(schema, parsed(query), rules))


def response_cache_key(
    *,
    site_id: int,
    version: int | str,
    origin: str | None,
    query: str,
    variables,
    operation_name,
    allow_introspection: bool,
) -> str:
    """Everything an answer depends on: the site (its schema, added by the cache's key function, and its
    registry row: a site deleted and made again, or restored, under the same schema starts its content version
    at 0 again and must not find the answers of the one before), its content version, the public origin its
    absolute URLs are built on, the query and who may introspect."""
    digest = hashlib.sha256(
        json.dumps(
            [origin, query, variables, operation_name, allow_introspection], sort_keys=True, default=str
        ).encode()
    ).hexdigest()
    # The cache's key function adds the schema: one site never reads another's answers.
    return f"cms:graphql:{site_id}:{version}:{digest}"


def cached_response(key: str) -> str | None:
    return cache.get(key)


def remember_response(key: str, result: str) -> None:
    cache.set(key, result, settings.CMS_GRAPHQL_RESPONSE_CACHE_SECONDS)


# The answers being executed in this process, by full cache key: a request that finds no answer while
# another thread is already executing the same one waits for it instead of executing it again.
_executing: dict[str, threading.Event] = {}
_executing_lock = threading.Lock()


@contextmanager
def one_execution(key: str, *, wait_seconds: float):
    """Coalesce the misses of one answer in this process (after a publish, every request for a busy page
    would otherwise execute it at once). Yields the answer if another request put it in the cache meanwhile
    (the caller waited for it, at most `wait_seconds`), or None: then the caller executes and remembers it
    before leaving the block, and the requests for the same key that arrive meanwhile wait for it. A waiter
    whose wait ends with nothing cached (the execution failed or ran long) executes on its own."""
    full_key = cache.make_key(key)  # with the site's schema, as the cache stores it
    with _executing_lock:
        running = _executing.get(full_key)
        if running is None:
            running = _executing[full_key] = threading.Event()
            first = True
        else:
            first = False
    if not first:
        running.wait(max(wait_seconds, 0.0))
        yield cached_response(key)
        return
    try:
        yield cached_response(key)  # an execution that ended just before this one began
    finally:
        with _executing_lock:
            _executing.pop(full_key, None)
        running.set()


class TimeLimitExceeded(GraphQLError):
    """The request ran past CMS_GRAPHQL_LIMITS["MAX_SECONDS"]: answered with HTTP 503."""

    def __init__(self, seconds: float):
        super().__init__(
            f"The query ran past the time limit of {seconds:g} seconds and was stopped; ask for fewer items or fields.",
            extensions={"code": "TIME_LIMIT"},
        )


class Deadline:
    """The moment a request's work must end, set when the request arrives."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends_at = time.monotonic() + seconds
        self.passed = False  # set once work was stopped for it

    def remaining(self) -> float:
        return self.ends_at - time.monotonic()

    def check(self) -> None:
        if self.passed or time.monotonic() >= self.ends_at:
            self.passed = True
            raise TimeLimitExceeded(self.seconds)


class DeadlineExecutionContext(ExecutionContext):
    """graphql-core's execution, checking the request's deadline (``context_value.cms_graphql_deadline``)
    before resolving each field. Once passed, every field still to resolve fails at once, so execution
    ends quickly; the view answers with the one time-limit error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline: Deadline | None = getattr(self.context_value, "cms_graphql_deadline", None)

    def execute_field(self, parent_type, source, field_nodes, path):
        if self.deadline is not None:
            self.deadline.check()
        return super().execute_field(parent_type, source, field_nodes, path)


class PageTreeExecutionContext(DeadlineExecutionContext):
    """With the deadline, a published page's completed subtree taken from (or kept in) the page-tree cache
    (cms/api/page_trees.py) when the request has one (``context_value.cms_page_trees``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.page_trees: page_trees.PageTrees | None = getattr(self.context_value, "cms_page_trees", None)

    def complete_value(self, return_type, field_nodes, info, path, result):
        trees = self.page_trees
        if trees is None or not isinstance(result, Page) or not page_trees.is_page_type(self.schema, return_type):
            return super().complete_value(return_type, field_nodes, info, path, result)
        key, tree = page_trees.cached_tree(
            trees,
            page=result,
            field_nodes=field_nodes,
            path=path,
            fragments=self.fragments,
            variables=self.variable_values,
        )
        if tree is not None:
            return tree
        errors_before = len(self.collected_errors.errors)
        completed = super().complete_value(return_type, field_nodes, info, path, result)
        if (
            completed is not None
            and len(self.collected_errors.errors) == errors_before
            and not self.is_awaitable(completed)
            and not (self.deadline is not None and self.deadline.passed)
        ):
            page_trees.remember_tree(key, completed)
        return completed

    def complete_list_value(self, return_type, field_nodes, info, path, result):
        trees = self.page_trees
        if (
            trees is not None
            and isinstance(result, list)
            and page_trees.is_page_type(self.schema, get_named_type(return_type.of_type))
        ):
            page_trees.preload_missing(
                trees,
                pages=result,
                field_nodes=field_nodes,
                path=path,
                fragments=self.fragments,
                variables=self.variable_values,
            )
        return super().complete_list_value(return_type, field_nodes, info, path, result)


@contextmanager
def statements_cancelled_at(deadline: Deadline, using: str = DEFAULT_DB_ALIAS):
    """Cancels the SQL statement running on this thread's connection when the deadline passes.

    A field is checked before it is resolved; a slow statement inside one resolver is stopped here,
    by PostgreSQL's cancel request from a timer thread. Nothing is sent to the database unless the
    deadline passes (a `SET statement_timeout` and its reset would cost two statements a request).
    A cancel that arrives between statements is ignored by PostgreSQL; the lock makes sure none is
    sent once the block has ended.
    """
    wrapper = connections[using]  # this thread's connection; the timer thread only reads it
    lock, armed = threading.Lock(), [True]

    def cancel():
        with lock:
            if not armed[0]:
                return
            deadline.passed = True
            raw = wrapper.connection
            if raw is not None and not raw.closed:
                try:
                    raw.cancel_safe(timeout=2)
                except Exception:  # a failed cancel leaves the per-field check to stop the work
                    log.warning("Could not cancel the statement of a request past its time limit", exc_info=True)

    timer = threading.Timer(max(deadline.remaining(), 0), cancel)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            armed[0] = False
        timer.cancel()
