"""django-axes hooks: which login a failure counts against, the client's address, the lockout page.

Failed logins of every site are kept in one table of the public schema. The username axes
records is prefixed with the schema of the site the login was tried on ("alpha:admin"), so a
lock on one site never locks the same username on another, and the central office sees all.
"""

from __future__ import annotations

import logging
import unicodedata

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger("cms.accounts")

SITE_SEPARATOR = ":"


def normalise_username(username: str) -> str:
    """The form of a username that failures are counted under: "Admin", " admin" and "ＡＤＭＩＮ" are one."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def site_username(schema_name: str, username: str) -> str:
    return f"{schema_name}{SITE_SEPARATOR}{normalise_username(username)}"


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    if username is None:
        return None
    return site_username(connection.schema_name, str(username))


def client_ip(request: HttpRequest) -> str | None:
    """The peer address, or the one a trusted proxy put in CMS_CLIENT_IP_HEADER (its last entry)."""
    header = settings.CMS_CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        forwarded = [part.strip() for part in value.split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else None
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "accounts/locked_out.html", context, status=429)


def log_lockout(sender, request, username, ip_address, **kwargs) -> None:
    logger.warning(
        "login locked: %s from %s on host %s after %s failures",
        username,
        ip_address,
        request.get_host() if request is not None else "-",
        settings.AXES_FAILURE_LIMIT,
    )
