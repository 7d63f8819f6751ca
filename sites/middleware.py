from django.http import HttpResponseGone, HttpResponseNotFound
from django_tenants.middleware.main import TenantMainMiddleware

from .selectors import tenant_for_host
from .storage import request_origin

NOT_FOUND_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>站点不存在</title></head>
<body><h1>站点不存在</h1><p>没有与此地址对应的网站。请检查网址是否正确。</p>
<p>No site is served at this address.</p></body></html>
"""


ARCHIVED_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>网站已归档</title></head>
<body><h1>网站已归档</h1><p>此网站已停止服务，内容已归档保存。</p><p>This site has been archived.</p></body></html>
"""


class TenantMiddleware(TenantMainMiddleware):
    """Routes each request to its site's schema by host; an unknown host gets a plain 404."""

    def get_tenant(self, domain_model, hostname):
        return tenant_for_host(hostname)

    def process_request(self, request):
        response = super().process_request(request)
        if response is None and request.tenant.archived_at is not None:
            return HttpResponseGone(ARCHIVED_PAGE, content_type="text/html; charset=utf-8")
        if response is None:
            request._cms_origin_token = request_origin.set(f"{request.scheme}://{request.get_host()}")
        return response

    def process_response(self, request, response):
        token = getattr(request, "_cms_origin_token", None)
        if token is not None:
            request_origin.reset(token)
        return response

    def no_tenant_found(self, request, hostname):
        return HttpResponseNotFound(NOT_FOUND_PAGE, content_type="text/html; charset=utf-8")
