"""The request being served, for audit entries recorded deep inside services that are not given it
(a Wagtail log entry, a syndication step, a lexicon change): its user, address and user agent."""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest

_current: ContextVar[HttpRequest | None] = ContextVar("cms_audit_request", default=None)


def current_request() -> HttpRequest | None:
    return _current.get()


class CurrentRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(request)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


def client_address(request: HttpRequest) -> str:
    """The peer address; the header a trusted proxy sets (CMS_CLIENT_IP_HEADER, its last entry: the one the
    proxy added) only when the settings name one, so a client cannot forge its address with X-Forwarded-For."""
    header = settings.CMS_CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        forwarded = [part.strip() for part in value.split(",") if part.strip()]
        if forwarded:
            return forwarded[-1][:45]
    return (request.META.get("REMOTE_ADDR") or "")[:45]


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:512]
