"""The GraphQL endpoint of every site: limits, batch loading, answer caching, HTTP caching of GETs."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django_tenants.utils import get_public_schema_name
from graphene_django.views import GraphQLView, HttpError
from graphql import ArgumentNode, ExecutionResult, GraphQLError, OperationType, execute, get_operation_ast, visit
from graphql.language import Visitor

from .errors import CLIENT_ERRORS
from .execution import cached_response, parsed, remember_response, response_cache_key, validation_errors
from .limits import current_limits, estimate_cost
from cms.media.preload import media_store
from cms.network.index import current_network_version
from sites.middleware import database_unreachable, unavailable_response
from cms.media.origin import request_origin


def _error_response(status: int, message: str) -> HttpResponse:
    return HttpResponse(json.dumps({"errors": [{"message": message}]}), status=status, content_type="application/json")


class _TokenArgumentFinder(Visitor):
    found = False

    def enter_argument(self, node: ArgumentNode, *args):
        if node.name.value == "token":
            self.found = True


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
    words = ("network", "childrenFeed", "search") if central else ("childrenFeed",)
    return any(word in query for word in words)


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
        if request.content_type == "application/json" and request.body.lstrip()[:1] == b"[":
            return _error_response(400, "Batched queries are not accepted; send one query per request.")
        try:
            data = self.parse_body(request)
            query, variables, operation_name, _ = self.get_graphql_params(request, data)
        except HttpError as error:
            return _error_response(error.response.status_code, error.message or error.response.content.decode())
        limits = current_limits()
        if query and len(query) > limits.max_query_chars:
            return _error_response(
                400, f"Query is {len(query)} characters; the maximum query size is {limits.max_query_chars}."
            )
        request.cms_allow_introspection = self._allows_introspection(request)
        preview = bool(query and uses_preview_token(query))
        cache_key = None
        # The database cannot be reached (routed from the last route seen): cached answers only.
        degraded = getattr(request, "cms_database_unavailable", False)
        if query and not preview and settings.CMS_GRAPHQL_RESPONSE_CACHE_SECONDS:
            # Read with the site when the request was routed: no query of its own.
            version = request.tenant.content_version
            if reads_network(query, central=request.tenant.schema_name == get_public_schema_name()):
                if degraded:
                    return unavailable_response(request)
                version = f"{version}.{current_network_version()}"  # the index changes with every site's publishing
            cache_key = response_cache_key(
                version=version, origin=request_origin.get(), query=query, variables=variables, operation_name=operation_name,
                allow_introspection=request.cms_allow_introspection,
            )
        # A client may ask for a fresh answer (Cache-Control: no-cache), as with any HTTP cache.
        fresh = "no-cache" in request.headers.get("Cache-Control", "")
        result = cached_response(cache_key) if cache_key and not fresh else None
        if result is not None:
            status = 200
        elif degraded:
            return unavailable_response(request)
        else:
            try:
                with media_store():
                    result, status = self.get_response(request, data)
            except HttpError as error:
                return _error_response(error.response.status_code, error.message or error.response.content.decode())
            if cache_key and status == 200 and result and '"errors"' not in result:
                remember_response(cache_key, result)
        response = HttpResponse(result, status=status, content_type="application/json")
        if degraded:
            # As current as the moment the database went away: every change is written there first.
            response["Warning"] = '110 - "Response is stale: the database is unavailable"'
        if request.method == "GET":
            return self._cacheable(request, response, private=preview or status != 200)
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
        limit, cost = current_limits().max_cost, estimate_cost(document, operation_name, variables)
        if cost > limit:
            return ExecutionResult(errors=[GraphQLError(f"Query cost {cost} exceeds the maximum cost of {limit}.")])
        try:
            result = execute(
                schema, document, root_value=self.get_root_value(request), context_value=self.get_context(request),
                variable_values=variables, operation_name=operation_name, middleware=self.get_middleware(request),
            )
        except Exception as error:  # as graphene-django: an execution failure is reported, not raised
            if database_unreachable(error):
                raise
            return ExecutionResult(errors=[error])
        lost = next((e.original_error for e in result.errors or ()
                     if e.original_error is not None and database_unreachable(e.original_error)), None)
        if lost is not None:
            raise lost  # the database went away mid-query: a 503, not an answer naming database errors
        return result

    def get_response(self, request, data, show_graphiql=False):
        result, status = super().get_response(request, data, show_graphiql)
        if status == 200 and result and '"errors"' in result:
            errors = json.loads(result).get("errors") or []
            if errors and all((e.get("extensions") or {}).get("code") == "BAD_REQUEST" for e in errors):
                status = 400
        return result, status

    @staticmethod
    def format_error(error):
        formatted = GraphQLView.format_error(error)
        original = getattr(error, "original_error", None)
        if isinstance(error, CLIENT_ERRORS) or isinstance(original, CLIENT_ERRORS):
            formatted.setdefault("extensions", {})["code"] = "BAD_REQUEST"
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
