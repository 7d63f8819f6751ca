"""What the audit log hears without being called: logins, failed logins and logouts (Django's signals),
every Wagtail log entry (publish, unpublish, workflow decisions, settings edits, ...; Wagtail writes them
with `log_action` in the action's own transaction), and Wagtail's admin permission refusals."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_save
from wagtail.models import BaseLogEntry

from . import services

# Wagtail's log data can hold a whole comment; the audit entry keeps this much of it.
MAX_WAGTAIL_DATA_CHARS = 4000


def on_login(sender, request, user, **kwargs) -> None:
    services.record("auth.login", user=user, request=request, object_type="user", object_id=user.pk)


def on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        services.record("auth.logout", user=user, request=request, object_type="user", object_id=user.pk)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    from django.contrib.auth import get_user_model

    field = get_user_model().USERNAME_FIELD
    attempted = str(credentials.get(field) or credentials.get("username") or "")[:150]
    # Axes refuses a locked-out login before any password is checked; Django still reports it as failed.
    detail = {"locked_out": True} if getattr(request, "axes_locked_out", False) else None
    services.record("auth.login_failed", request=request, username=attempted, object_type="user", detail=detail)


def on_wagtail_log_entry(sender, instance, created, raw=False, **kwargs) -> None:
    """Mirror each of Wagtail's log entries, with the address and user agent Wagtail does not keep."""
    if not created or raw or not isinstance(instance, BaseLogEntry):
        return
    user = None
    if instance.user_id is not None:
        user = instance.user  # one query; the request's user is usually the same, but not always
    data = instance.data or {}
    detail = {"wagtail_log": instance.pk}
    if data:
        text = str(data)
        detail["data"] = data if len(text) <= MAX_WAGTAIL_DATA_CHARS else text[:MAX_WAGTAIL_DATA_CHARS]
    revision_id = getattr(instance, "revision_id", None)
    if revision_id:
        detail["revision"] = revision_id
    content_type = ContentType.objects.get_for_id(instance.content_type_id) if instance.content_type_id else None
    services.record(
        instance.action,
        user=user,  # none (scheduled publishing, a site being built): the request's user if there is one
        object_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        object_id=instance.object_id,
        object_label=instance.label,
        detail=detail,
    )


def _record_refusal(request, why: str) -> None:
    services.record(
        "permission.denied", request=request, object_type="url", object_label=request.path[:255], detail={"why": why}
    )


def install() -> None:
    user_logged_in.connect(on_login, dispatch_uid="cms.audit.login")
    user_logged_out.connect(on_logout, dispatch_uid="cms.audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="cms.audit.login_failed")
    post_save.connect(on_wagtail_log_entry, dispatch_uid="cms.audit.wagtail_log")
    _watch_wagtail_refusals()


def _watch_wagtail_refusals() -> None:
    """Wagtail's admin turns a refusal into a redirect with a message (`wagtail.admin.auth.permission_denied`,
    called by `require_admin_access` for a PermissionDenied raised in any admin view and by `user_passes_test`),
    and a logged-in user without admin access into `reject_request`: neither reaches Django's 403 handler.
    Both are module globals looked up at call time, so wrapping them here records every such refusal."""
    from wagtail.admin import auth

    if getattr(auth.permission_denied, "audited", False):
        return
    original_denied, original_reject = auth.permission_denied, auth.reject_request

    def permission_denied(request):
        _record_refusal(request, "wagtail")
        return original_denied(request)

    def reject_request(request):
        if request.user.is_authenticated:
            _record_refusal(request, "no_admin_access")
        return original_reject(request)

    permission_denied.audited = reject_request.audited = True
    auth.permission_denied, auth.reject_request = permission_denied, reject_request


def record_refusal(request, *, why: str = "forbidden") -> None:
    """For Django's 403 handlers (cms.core.views): a request refused outright."""
    _record_refusal(request, why)
