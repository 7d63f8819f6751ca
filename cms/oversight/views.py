"""The reach beacon: POST /beacon/ with a published page's id, on the site's own host."""

from __future__ import annotations

import json

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_tenants.utils import get_public_schema_name

from . import reach


def _page_id(request) -> int | None:
    raw = request.POST.get("page") or request.GET.get("page")
    if raw is None and request.body:
        try:
            raw = json.loads(request.body.decode("utf-8")).get("page")
        except (ValueError, AttributeError, UnicodeDecodeError):
            return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@csrf_exempt
@require_POST
def beacon(request):
    """Count a view; 204 whatever happened to it (a beacon's caller does not wait for an answer),
    except 400 for a request that names no page. navigator.sendBeacon's text/plain JSON is accepted."""
    site = getattr(request, "tenant", None)
    if site is None or site.schema_name == get_public_schema_name():
        return JsonResponse({"error": "统计请求须发送到各网站自己的域名。"}, status=404)
    page_id = _page_id(request)
    if page_id is None:
        return JsonResponse({"error": "缺少页面编号：请以 page=<页面ID> 发送。"}, status=400)
    user_agent = request.headers.get("User-Agent", "")
    purpose = request.headers.get("Sec-Purpose", "") or request.headers.get("Purpose", "")
    if not reach.is_bot(user_agent=user_agent, purpose=purpose):
        reach.record_view(site=site, page_id=page_id)
    response = HttpResponse(status=204)
    response["Cache-Control"] = "no-store"
    return response
