"""The GraphQL endpoint of every site: limits, batch loading, answer caching, HTTP caching of GETs."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from contextlib import nullcontext
from functools import lru_cache
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django_tenants.utils import get_public_schema_name
from graphene_django.views import GraphQLView, HttpError
from graphql import ArgumentNode, ExecutionResult, GraphQLError, OperationType, execute, get_operation_ast, visit
from graphql.execution.values import get_variable_values
from graphql.language import Visitor

from cms.media.origin import request_origin
from cms.media.preload import media_store
from cms.network.index import current_network_version
from sites.middleware import database_unreachable, unavailable_response

from . import page_trees
from .core.errors import CLIENT_ERRORS, ClientError
from .execution import (
    Deadline,
    PageTreeExecutionContext,
    TimeLimitExceeded,
    cached_response,
    one_execution,
    parsed,
    remember_response,
    response_cache_key,
    statements_cancelled_at,
    validation_errors,
)
from .limits import COUNT_CAP, current_limits, estimate_cost
from .pages.lists import LIST_ARGUMENTS, check_list_arguments

logger = logging.getLogger(__name__)


def _error_response(status: int, message: str) -> HttpResponse:
    return HttpResponse(json.dumps({"errors": [{"message": message}]}), status=status, content_type="application/json")


_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_VARIABLES_NESTING = 32


def undecodable_part(request) -> str | None:
    """The part of the request (body or query string) that is not valid UTF-8, if any."""
    if request.content_type in ("application/json", "application/graphql"):
        try:
            request.body.decode("utf-8")
        except UnicodeDecodeError as error:
            return f"the body (byte 0x{request.body[error.start]:02x} at position {error.start})"
    query_string = request.META.get("QUERY_STRING", "")
    try:
        unquote_to_bytes(query_string.encode("iso-8859-1", "replace")).decode("utf-8")
    except UnicodeDecodeError:
        return "the query string"
    return None


# Resolver errors caused by a value the client sent, answered with a 400 and a plain message.
BAD_VALUE_ERRORS = (ValueError, TypeError, DataError, DjangoValidationError)


def text_problem(query, variables, operation_name) -> str | None:
    """Why the query, operation name or variables cannot be text (lone surrogates, too deep), if they cannot."""
    for name, value in (("query", query), ("operationName", operation_name)):
        if isinstance(value, str) and _SURROGATE.search(value):
            return f"`{name}` contains a lone surrogate (\\ud800-\\udfff), which is not text."
    stack = [(variables, 0)]
    while stack:  # iterative: a deeply nested value must not exhaust Python's stack
        value, depth = stack.pop()
        if depth > MAX_VARIABLES_NESTING:
            return f"`variables` nest more than {MAX_VARIABLES_NESTING} levels deep."
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return "`variables` contain a lone surrogate (\\ud800-\\udfff), which is not text."
            if "\x00" in value:
                return "`variables` contain a NUL character (\\u0000), which text fields cannot hold."
        elif isinstance(value, dict):
            stack.extend((key, depth + 1) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return None


class _TokenArgumentFinder(Visitor):
    found = False

    def enter_argument(self, node: ArgumentNode, *args):
        if node.name.value == "token":
            self.found = True


@lru_cache(maxsize=512)
def uses_preview_token(query: str) -> bool:
    try:
        finder = _TokenArgumentFinder()
        visit(parsed(query), finder)
        return finder.found
    except GraphQLError:
        return False


def reads_network(query: str, *, central: bool) -> bool:
    """Whether a query may read other sites' entries of the national index (a textual check: it may say
    yes too often, never too rarely). A site's own search reads only its own entries, which move its own
    content version; on the central host the network feeds and search read everyone's."""
    # (oversight's siteHealth and topContent move the network version when scores change)
    words = ("network", "childrenFeed", "search", "siteHealth", "topContent") if central else ("childrenFeed",)
    return any(word in query for word in words)


def reads_private(query: str) -> bool:
    """Whether a query reads what only some may see (the opinion watch): never cached, answered privately.
    Textual, as reads_network: a field's name is always in the query's text, whatever aliases it has."""
    return "watch" in query.lower()


@method_decorator(csrf_exempt, name="dispatch")
class SiteGraphQLView(GraphQLView):
    """graphene-django's view with our limits; one query per request; cached answers; cacheable GETs.

    Unlike the stock view it sets no CSRF cookie: a response that sets cookies cannot be
    cached by a CDN, and the endpoint takes no cookie-authenticated writes.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ("GET", "POST"):
            response = _error_response(405, "GraphQL is served over GET and POST only.")
            response["Allow"] = "GET, POST"
            return response
        limits = current_limits()
        request.cms_graphql_deadline = Deadline(limits.max_seconds)
        try:
            bad_part = undecodable_part(request)
            if bad_part:
                return _error_response(400, f"The request is not valid UTF-8: {bad_part}.")
            if request.content_type == "application/json" and request.body.lstrip()[:1] == b"[":
                return _error_response(400, "Batched queries are not accepted; send one query per request.")
            data = self.parse_body(request)
            query, variables, operation_name, _ = self.get_graphql_params(request, data)
        except HttpError as error:
            return _error_response(error.response.status_code, error.message or error.response.content.decode())
        except RequestDataTooBig:
            return _error_response(
                413, f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
            )
        except SuspiciousOperation as error:
            return _error_response(400, f"The request was refused: {error}")
        except RecursionError:
            return _error_response(400, "The request's JSON nests too deeply.")
        if not isinstance(query, (str, type(None))) or not isinstance(operation_name, (str, type(None))):
            return _error_response(400, "`query` and `operationName` must be strings.")
        if not isinstance(variables, (dict, type(None))):
            return _error_response(400, "`variables` must be a JSON object.")
        problem = text_problem(query, variables, operation_name)
        if problem:
            return _error_response(400, problem)
        if query and len(query) > limits.max_query_chars:
            return _error_response(
                400, f"Query is {len(query)} characters; the maximum query size is {limits.max_query_chars}."
            )
        request.cms_allow_introspection = self._allows_introspection(request)
        preview = bool(query and (uses_preview_token(query) or reads_private(query)))
        # Opinions (form tokens, lookups by code, submissions) are never answered from a cache.
        volatile = bool(query and ("opinion" in query.lower() or "mutation" in query))
        request.cms_graphql_preview = preview
        cache_key = None
        # The database cannot be reached (routed from the last route seen): cached answers only.
        degraded = getattr(request, "cms_database_unavailable", False)
        if query and not preview and not volatile and settings.CMS_GRAPHQL_RESPONSE_CACHE_SECONDS:
            # Read with the site when the request was routed: no query of its own.
            version = request.tenant.content_version
            if reads_network(query, central=request.tenant.schema_name == get_public_schema_name()):
                if degraded:
                    return unavailable_response(request)
                version = f"{version}.{current_network_version()}"  # the index changes with every site's publishing
            cache_key = response_cache_key(
                site_id=request.tenant.pk,
                version=version,
                origin=request_origin.get(),
                query=query,
                variables=variables,
                operation_name=operation_name,
                allow_introspection=request.cms_allow_introspection,
            )
        # A client may ask for a fresh answer (Cache-Control: no-cache), as with any HTTP cache.
        fresh = "no-cache" in request.headers.get("Cache-Control", "")
        result = cached_response(cache_key) if cache_key and not fresh else None
        from_cache = result is not None
        if from_cache:
            status = 200
        elif degraded:
            return unavailable_response(request)
        else:
            # A client that asked for a fresh answer gets an execution of its own.
            coalesced = (
                one_execution(cache_key, wait_seconds=request.cms_graphql_deadline.remaining())
                if cache_key and not fresh
                else nullcontext()
            )
            with coalesced as executed_meanwhile:
                if executed_meanwhile is not None:
                    result, status = executed_meanwhile, 200  # waited for another request's execution
                else:
                    try:
                        with media_store():
                            result, status = self.get_response(request, data)
                    except HttpError as error:
                        return _error_response(
                            error.response.status_code, error.message or error.response.content.decode()
                        )
                    if cache_key and status == 200 and result and '"errors"' not in result:
                        remember_response(cache_key, result)
        response = HttpResponse(result, status=status, content_type="application/json")
        if cache_key and settings.CMS_GRAPHQL_CACHE_STATUS_HEADER:
            # Whether the answer cache answered (as CDNs say it), so `cms loadtest` can hold cached answers and
            # executed ones to their own targets. Off by default: it would tell anyone which queries (search
            # words included) other visitors asked in the last minutes.
            response["X-Cache"] = "HIT" if from_cache else "MISS"
        if degraded:
            # As current as the moment the database went away: every change is written there first.
            response["Warning"] = '110 - "Response is stale: the database is unavailable"'
        if request.method == "GET":
            return self._cacheable(request, response, private=preview or volatile or status != 200)
        return response

    @staticmethod
    def _allows_introspection(request) -> bool:
        return settings.CMS_GRAPHQL_INTROSPECTION or bool(getattr(request, "user", None) and request.user.is_staff)

    def execute_graphql_request(self, request, data, query, variables, operation_name, show_graphiql=False):
        """graphene-django's execution, with the parsed and validated document reused across requests."""
        if not query:
            raise HttpError(HttpResponse(status=400), "Must provide query string.")
        schema = self.schema.graphql_schema
        try:
            document = parsed(query)
        except GraphQLError as error:
            return ExecutionResult(errors=[error])
        operation = get_operation_ast(document, operation_name)
        if request.method == "GET" and operation is not None and operation.operation != OperationType.QUERY:
            raise HttpError(HttpResponse(status=405), "Only queries can be sent with GET; use POST.")
        errors = validation_errors(schema, query, request.cms_allow_introspection)
        if errors:
            return ExecutionResult(errors=list(errors))
        # Variables as execution will see them (defaults applied); invalid ones are left to execution to report.
        coerced = get_variable_values(schema, operation.variable_definitions, variables or {}) if operation else {}
        if isinstance(coerced, dict):
            limit, cost = current_limits().max_cost, estimate_cost(schema, document, operation, coerced)
            if cost > limit:
                shown = f"over {COUNT_CAP}" if cost >= COUNT_CAP else str(cost)
                return ExecutionResult(
                    errors=[GraphQLError(f"Query cost {shown} exceeds the maximum cost of {limit}.")]
                )
            try:
                if any(name in query for name in LIST_ARGUMENTS):  # textual: may say yes too often, never too rarely
                    check_list_arguments(schema=schema, document=document, variable_values=coerced)
            except ClientError as error:
                return ExecutionResult(errors=[error])
        deadline = request.cms_graphql_deadline
        request.cms_page_trees = page_trees.for_request(
            request,
            query=query,
            preview=getattr(request, "cms_graphql_preview", True),
            is_query=operation is not None and operation.operation == OperationType.QUERY,
        )
        try:
            with statements_cancelled_at(deadline):
                result = execute(
                    schema,
                    document,
                    root_value=self.get_root_value(request),
                    context_value=self.get_context(request),
                    variable_values=variables,
                    operation_name=operation_name,
                    middleware=self.get_middleware(request),
                    execution_context_class=PageTreeExecutionContext,
                )
        except Exception as error:  # as graphene-django: an execution failure is reported, not raised
            if database_unreachable(error):
                raise
            result = ExecutionResult(errors=[error])
        if deadline.passed:
            logger.warning(
                "GraphQL request stopped at the time limit of %gs: query sha256 %s, %d characters, host %s",
                deadline.seconds,
                hashlib.sha256(query.encode()).hexdigest()[:16],
                len(query),
                request.get_host(),
            )
            return ExecutionResult(errors=[TimeLimitExceeded(deadline.seconds)])
        lost = next(
            (
                e.original_error
                for e in result.errors or ()
                if e.original_error is not None and database_unreachable(e.original_error)
            ),
            None,
        )
        if lost is not None:
            raise lost  # the database went away mid-query: a 503, not an answer naming database errors
        return result

    def get_response(self, request, data, show_graphiql=False):
        result, status = super().get_response(request, data, show_graphiql)
        if result and '"errors"' in result:
            errors = json.loads(result).get("errors") or []
            codes = [(e.get("extensions") or {}).get("code") for e in errors]
            http_statuses = [(e.get("extensions") or {}).get("httpStatus") for e in errors]
            if "TIME_LIMIT" in codes:
                status = 503
            elif status == 200 and errors and all(isinstance(s, int) for s in http_statuses):
                status = http_statuses[0]  # a refusal that names its own status (e.g. 404, 413, 429)
            elif status == 200 and errors and all(code == "BAD_REQUEST" for code in codes):
                status = 400
        return result, status

    @staticmethod
    def format_error(error):
        formatted = GraphQLView.format_error(error)
        original = getattr(error, "original_error", None)
        if isinstance(error, CLIENT_ERRORS) or isinstance(original, CLIENT_ERRORS):
            formatted.setdefault("extensions", {})["code"] = "BAD_REQUEST"
        elif original is not None and not isinstance(original, GraphQLError):
            # A resolver failed, on a value the client sent (a NUL character, an id that is not a number) or
            # on a mistake of ours: its text names database and Python internals, so it is logged, not shown.
            where = ".".join(str(part) for part in formatted.get("path") or []) or "the query"
            logger.warning("GraphQL resolver failed at %s: %r", where, original)
            if isinstance(original, BAD_VALUE_ERRORS):
                formatted["message"] = (
                    f"A value given for {where} was not accepted (wrong type, or characters such as NUL)."
                )
                formatted.setdefault("extensions", {})["code"] = "BAD_REQUEST"
            else:
                formatted["message"] = f"Resolving {where} failed; the error has been logged."
                formatted.setdefault("extensions", {})["code"] = "INTERNAL_SERVER_ERROR"
        return formatted

    @staticmethod
    def _cacheable(request, response: HttpResponse, *, private: bool) -> HttpResponse:
        if private:
            patch_cache_control(response, private=True, no_store=True)
            return response
        etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        response["ETag"] = etag
        patch_cache_control(response, public=True, max_age=settings.CMS_GRAPHQL_CACHE_SECONDS)
        patch_vary_headers(response, ["Accept-Encoding"])
        if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            not_modified = HttpResponseNotModified()
            for header in ("ETag", "Cache-Control", "Vary"):
                not_modified[header] = response[header]
            return not_modified
        return response
