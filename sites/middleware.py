import json

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseGone, HttpResponseNotFound, HttpResponsePermanentRedirect
from django.http.request import split_domain_port
from django_tenants.middleware.main import TenantMainMiddleware

from cms.media.origin import request_origin

from .models import Domain
from .origins import public_origin
from .selectors import site_for_host

NOT_FOUND_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>站点不存在</title></head>
<body><h1>站点不存在</h1><p>没有与此地址对应的网站。请检查网址是否正确。</p>
<p>No site is served at this address.</p></body></html>
"""


ARCHIVED_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>网站已归档</title></head>
<body><h1>网站已归档</h1><p>此网站已停止服务，内容已归档保存。</p><p>This site has been archived.</p></body></html>
"""


def _use_schema_of(site) -> None:
    """connection.set_tenant(site), without a second `SET search_path` when the pooled connection is
    already on this site's schema (set_tenant always forgets the path it set)."""
    if connection.schema_name == site.schema_name and connection.search_path_set_schemas:
        connection.tenant = site
    else:
        connection.set_tenant(site)


UNAVAILABLE_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>服务暂时不可用</title></head>
<body><h1>服务暂时不可用</h1><p>数据库暂时无法连接，系统正在自动恢复，请稍后刷新。</p></body></html>
"""
UNAVAILABLE_MESSAGE = "The database is unavailable; it is being restarted. Try again in a few seconds."
RETRY_AFTER_SECONDS = 5
# SQLSTATEs that mean the server is gone or going (connection exceptions; shut down, crashed, starting up),
# as opposed to a query that failed (a timeout, a deadlock), which must not read as an outage.
UNREACHABLE_STATES = ("08", "57P01", "57P02", "57P03")
# The last route seen for each host, used only while the database cannot be reached, so that the API
# can still answer from its cache. Never used while the registry can be read.
_last_known_sites: dict = {}
LAST_KNOWN_LIMIT = 10_000


def database_unreachable(error: BaseException) -> bool:
    """Whether an error means the database cannot be reached (then: 503 and heal) rather than a failed query."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    state = getattr(error.__cause__, "sqlstate", None)
    return state is None or state.startswith(UNREACHABLE_STATES)


def wants_json(request) -> bool:
    return (
        request.path.startswith("/graphql")
        or "json" in request.headers.get("Accept", "")
        or "json" in request.headers.get("Content-Type", "")
    )


def _json_error(status: int, message: str, code: str) -> HttpResponse:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    return HttpResponse(body, status=status, content_type="application/json")


def unavailable_response(request) -> HttpResponse:
    """503, in JSON for the API (as a GraphQL error) and as a plain Chinese page for people."""
    if wants_json(request):
        body = json.dumps({"errors": [{"message": UNAVAILABLE_MESSAGE, "extensions": {"code": "UNAVAILABLE"}}]})
        response = HttpResponse(body, status=503, content_type="application/json")
    else:
        response = HttpResponse(UNAVAILABLE_PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class PermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    status_code = 308


class TenantMiddleware(TenantMainMiddleware):
    """Routes each request to its site's schema by host.

    Hosts match case-insensitively and without a trailing dot. A host is served only as
    registered: `www.` + a registered domain, or a port other than the configured public
    one, is redirected to the site's canonical address; an unknown host gets a plain 404.
    """

    def process_request(self, request):
        # No `SET search_path` to public first: the routing query reads only public tables, which no
        # site's schema has, so it finds the same rows whatever schema the pooled connection is on.
        try:
            host, port = split_domain_port(request.get_host())
        except DisallowedHost:
            return self.no_tenant_found(request, "")
        try:
            site = site_for_host(host)
        except Domain.DoesNotExist:
            return self._redirect_www(request, host) or self.no_tenant_found(request, host)
        except (OperationalError, InterfaceError) as error:
            if not database_unreachable(error):
                raise
            connection.close()  # the next request reconnects
            site = _last_known_sites.get(host)
            if site is None:
                return unavailable_response(request)
            request.cms_database_unavailable = True  # answered from caches only; the rest gets 503
        else:
            if len(_last_known_sites) >= LAST_KNOWN_LIMIT:
                _last_known_sites.clear()
            _last_known_sites[host] = site
        if not self._on_public_port(request, port):
            return self._redirect(request, site.canonical_host)
        if site.archived_at is not None:
            if wants_json(request):
                return _json_error(410, "This site has been archived.", "ARCHIVED")
            return HttpResponseGone(ARCHIVED_PAGE, content_type="text/html; charset=utf-8")
        site.domain_url = host
        request.tenant = site
        _use_schema_of(site)
        self.setup_url_routing(request)
        request._cms_origin_token = request_origin.set(public_origin(site.canonical_host))
        return None

    def process_response(self, request, response):
        token = getattr(request, "_cms_origin_token", None)
        if token is not None:
            request_origin.reset(token)
        return response

    def process_exception(self, request, exception):
        """A view that loses the database answers 503 (JSON for the API), never a 500 or a traceback."""
        if database_unreachable(exception) or (
            isinstance(exception, DatabaseError) and getattr(request, "cms_database_unavailable", False)
        ):
            connection.close()
            return unavailable_response(request)
        return None

    def no_tenant_found(self, request, hostname):
        if wants_json(request):
            return _json_error(404, "No site is served at this host.", "NOT_FOUND")
        return HttpResponseNotFound(NOT_FOUND_PAGE, content_type="text/html; charset=utf-8")

    @staticmethod
    def _on_public_port(request, port: str) -> bool:
        if not settings.CMS_PUBLIC_PORT:  # not configured: any port (answers do not depend on it)
            return True
        used = port or ("443" if request.is_secure() else "80")
        return used == str(settings.CMS_PUBLIC_PORT)

    def _redirect_www(self, request, host: str):
        if not host.startswith("www."):
            return None
        try:
            site = site_for_host(host.removeprefix("www."))
        except Domain.DoesNotExist:
            return None
        return self._redirect(request, site.canonical_host)

    @staticmethod
    def _redirect(request, canonical_host: str):
        target = f"{public_origin(canonical_host)}{request.get_full_path()}"
        if request.method in ("GET", "HEAD"):
            return HttpResponsePermanentRedirect(target)
        return PermanentRedirectKeepingMethod(target)
