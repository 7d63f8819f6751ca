from django.http import HttpResponseNotFound
from django_tenants.middleware.main import TenantMainMiddleware

NOT_FOUND_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>站点不存在</title></head>
<body><h1>站点不存在</h1><p>没有与此地址对应的网站。请检查网址是否正确。</p>
<p>No site is served at this address.</p></body></html>
"""


class TenantMiddleware(TenantMainMiddleware):
    """Routes each request to its site's schema by host; an unknown host gets a plain 404."""

    def no_tenant_found(self, request, hostname):
        return HttpResponseNotFound(NOT_FOUND_PAGE, content_type="text/html; charset=utf-8")
