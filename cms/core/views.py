import json
import posixpath
import sys

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.html import format_html, format_html_join
from django.views.static import serve

from cms.audit.receivers import record_refusal
from sites.middleware import database_unreachable, unavailable_response, wants_json
from sites.models import Association


def healthz(request):
    """Up means the site's schema answers: a probe sees the database too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "site": connection.schema_name})


SERVER_ERROR_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>服务器错误</title></head>
<body><h1>服务器错误</h1><p>处理请求时出错，已记录。请稍后再试。</p></body></html>
"""


def server_error(request):
    """Django's handler500: JSON for API clients, a plain Chinese page for people; no traceback either way.
    A lost database is 503 (it heals by itself), anything else 500."""
    error = sys.exc_info()[1]
    if error is not None and database_unreachable(error):
        return unavailable_response(request)
    if wants_json(request):
        body = json.dumps(
            {
                "errors": [
                    {
                        "message": "Internal server error; it has been logged.",
                        "extensions": {"code": "INTERNAL_SERVER_ERROR"},
                    }
                ]
            }
        )
        return HttpResponse(body, status=500, content_type="application/json")
    return HttpResponse(SERVER_ERROR_PAGE, status=500, content_type="text/html; charset=utf-8")


# Images and their renditions only. Documents are served by Wagtail's document view, which checks
# their collection's privacy; serving their files here would bypass it.
PUBLIC_MEDIA_FOLDERS = ("original_images/", "images/")


def tenant_media(request, path):
    """Serve an image only from the folder of the site this host belongs to."""
    if not posixpath.normpath(path).lstrip("/").startswith(PUBLIC_MEDIA_FOLDERS):  # as serve() will see it
        raise Http404("文件不存在")
    try:
        return serve(request, path, document_root=default_storage.location)
    except SuspiciousFileOperation:
        raise Http404("文件不存在") from None


def central_home(request):
    sites = Association.objects.exclude(kind=Association.Kind.CENTRAL).prefetch_related("domains")
    rows = format_html_join(
        "", "<li>{}（{}）：{}</li>", ((s.name, s.get_kind_display(), s.primary_domain or "—") for s in sites)
    )
    return HttpResponse(
        format_html(
            "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>文联网站群管理中心</title></head>"
            "<body><h1>文联网站群管理中心</h1><p><a href='/admin/'>进入管理后台</a></p><ul>{}</ul></body></html>",
            rows,
        )
    )


ERROR_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{text}</p></body></html>
"""
CLIENT_ERRORS = {
    400: ("请求有误", "请求的格式或内容有误，请检查后重试。", "Bad request."),
    403: ("没有权限", "您没有访问此页面的权限，或表单已过期（请刷新页面后重新提交）。", "Forbidden."),
    404: ("页面不存在", "您访问的页面或文件不存在，请检查网址是否正确。", "Not found."),
}


def _client_error(request, status: int) -> HttpResponse:
    """Django's error handlers in Chinese for people, JSON for API clients."""
    title, text, message = CLIENT_ERRORS[status]
    if wants_json(request):
        return HttpResponse(
            json.dumps({"errors": [{"message": message}]}), status=status, content_type="application/json"
        )
    return HttpResponse(
        ERROR_PAGE.format(title=title, text=text), status=status, content_type="text/html; charset=utf-8"
    )


def bad_request(request, exception=None):
    return _client_error(request, 400)


def permission_denied(request, exception=None):
    record_refusal(request)
    return _client_error(request, 403)


def page_not_found(request, exception=None):
    return _client_error(request, 404)


def csrf_failure(request, reason=""):
    record_refusal(request, why="csrf")
    return _client_error(request, 403)
