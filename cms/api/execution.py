"""Parsing and validating a query once, not on every request; caching whole answers per content version."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from graphql import GraphQLError, parse, specified_rules, validate

from .limits import validation_rules


@lru_cache(maxsize=512)
def parsed(query: str):
    """The document of a query; a syntax error is raised as GraphQLError (and not cached)."""
    return parse(query)


@lru_cache(maxsize=512)
def validation_errors(schema, query: str, allow_introspection: bool) -> tuple[GraphQLError, ...]:
    rules = [*specified_rules, *validation_rules(allow_introspection=allow_introspection)]
    return tuple(validate(schema, parsed(query), rules))


def response_cache_key(*, version: int | str, origin: str | None, query: str, variables, operation_name,
                       allow_introspection: bool) -> str:
    """Everything an answer depends on: the site (added by the cache's key function), its content version,
    the public origin its absolute URLs are built on, the query and who may introspect."""
    digest = hashlib.sha256(
        json.dumps([origin, query, variables, operation_name, allow_introspection], sort_keys=True, default=str).encode()
    ).hexdigest()
    # The cache's key function adds the schema: one site never reads another's answers.
    return f"cms:graphql:{version}:{digest}"


def cached_response(key: str) -> str | None:
    return cache.get(key)


def remember_response(key: str, result: str) -> None:
    cache.set(key, result, settings.CMS_GRAPHQL_RESPONSE_CACHE_SECONDS)
