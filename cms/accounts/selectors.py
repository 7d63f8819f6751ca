"""Reads about users' logins: who must use two-factor login, who has it, which logins are locked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import get_public_schema_name

from .throttling import SITE_SEPARATOR


def site_requires_two_factor_for_everyone() -> bool:
    """The current site's own setting (网站设置 → 登录安全): every user, not only administrators."""
    site_settings = apps.get_model("pages", "SiteSettings")
    return bool(
        site_settings.objects.filter(site__is_default_site=True).values_list("require_two_factor", flat=True).first()
    )


def two_factor_required(*, user) -> bool:
    """Whether this user must have a second factor before the admin opens (on the current schema's site)."""
    if not settings.CMS_REQUIRE_2FA or not user.is_authenticated:
        return False
    if connection.schema_name == get_public_schema_name() or user.is_superuser:
        return True
    return site_requires_two_factor_for_everyone()


def has_second_factor(*, user) -> bool:
    """A confirmed device of any kind: such a user is always asked for a code, required or not."""
    return user_has_device(user, confirmed=True)


def has_authenticator(*, user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def remaining_recovery_codes(*, user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class LockedLogin:
    schema_name: str
    username: str
    ip_address: str | None
    failures: int
    last_attempt: datetime


def locked_logins(*, schema_names: list[str] | None = None) -> list[LockedLogin]:
    """Every (site, username, address) now refused for too many failures, newest first."""
    from axes.models import AccessAttempt

    rows = AccessAttempt.objects.all()
    if settings.AXES_COOLOFF_TIME:
        rows = rows.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    totals: dict[tuple[str, str | None], list] = {}
    for username, ip, failures, when in rows.values_list(
        "username", "ip_address", "failures_since_start", "attempt_time"
    ):
        entry = totals.setdefault((username or "", ip), [0, when])
        entry[0] += failures
        entry[1] = max(entry[1], when)
    locked = []
    for (username, ip), (failures, when) in totals.items():
        schema, _, name = username.partition(SITE_SEPARATOR)
        if failures >= settings.AXES_FAILURE_LIMIT and (schema_names is None or schema in schema_names):
            locked.append(
                LockedLogin(schema_name=schema, username=name, ip_address=ip, failures=failures, last_attempt=when)
            )
    return sorted(locked, key=lambda row: row.last_attempt, reverse=True)
