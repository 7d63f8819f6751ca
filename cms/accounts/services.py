"""Writes about users' logins: password rules for administrators, unlocking, two-factor devices."""

from __future__ import annotations

import logging
from base64 import b32encode
from urllib.parse import quote, urlencode

import segno
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.password_validation import get_default_password_validators, validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cms.audit.services import record as audit_record

from .throttling import SITE_SEPARATOR, normalise_username
from .validators import MinimumLengthValidator

logger = logging.getLogger("cms.accounts")

ADMIN_PASSWORD_MIN_LENGTH = 12
RECOVERY_CODE_COUNT = 10


# --- passwords ---


def validate_admin_password(*, username: str, password: str, email: str = "") -> None:
    """Django's password validators, with at least 12 characters, for a site's administrator.

    Raises one ValidationError whose messages are in Chinese."""
    if not password:
        raise ValidationError("管理员密码不能为空。", code="password_required")
    configured = get_default_password_validators()
    length_check = password_validation.MinimumLengthValidator
    validators = [v for v in configured if not isinstance(v, length_check)]
    floor = max([ADMIN_PASSWORD_MIN_LENGTH] + [v.min_length for v in configured if isinstance(v, length_check)])
    validators.append(MinimumLengthValidator(min_length=floor))
    try:
        validate_password(
            password, user=get_user_model()(username=username, email=email), password_validators=validators
        )
    except ValidationError as error:
        raise ValidationError("管理员密码不符合要求：" + "".join(error.messages), code="password_invalid") from None


# --- login throttling ---


def unlock_logins(*, schema_names: list[str] | None, username: str | None = None, ip_address: str | None = None) -> int:
    """Forget the failed logins of these sites (None: every site), optionally of one username and/or address.

    Returns how many records were removed; the logins they locked work again at once."""
    from axes.models import AccessAttempt

    rows = AccessAttempt.objects.all()
    if schema_names is not None:
        prefixes = [f"{schema}{SITE_SEPARATOR}" for schema in schema_names]
        if username is not None:
            rows = rows.filter(username__in=[prefix + normalise_username(username) for prefix in prefixes])
        else:
            from django.db.models import Q

            match = Q(pk__in=[])
            for prefix in prefixes:
                match |= Q(username__startswith=prefix)
            rows = rows.filter(match)
    elif username is not None:
        rows = rows.filter(username__endswith=f"{SITE_SEPARATOR}{normalise_username(username)}")
    if ip_address:
        rows = rows.filter(ip_address=ip_address)
    count, _ = rows.delete()
    logger.warning(
        "logins unlocked: %s record(s) (sites=%s username=%s address=%s)",
        count,
        ",".join(schema_names) if schema_names is not None else "all",
        username or "*",
        ip_address or "*",
    )
    return count


# --- two-factor devices (in the current schema, beside the user) ---


def begin_authenticator_enrolment(*, user) -> TOTPDevice:
    """The user's authenticator-to-be: made once and kept until confirmed, so the QR code stays the same."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)


def provisioning_uri(*, device: TOTPDevice, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    issuer = issuer.replace(":", "")
    label = quote(f"{issuer}:{device.user.get_username()}")
    params = urlencode(
        {
            "secret": secret_text(device=device),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": device.digits,
            "period": device.step,
        }
    )
    return f"otpauth://totp/{label}?{params}"


def secret_text(*, device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode().rstrip("=")


def qr_code_svg(*, data: str) -> str:
    """The QR code as inline SVG, drawn here: nothing is fetched from outside."""
    return segno.make(data, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def confirm_authenticator(*, device: TOTPDevice, code: str) -> bool:
    """Confirm the device with a code it produced; any other authenticator of the user is dropped."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=False)
        # No throttling before confirmation: whoever sees this page already has the secret.
        device.throttle_reset(commit=False)
        if not device.verify_token(_digits(code)):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    logger.warning("two-factor enabled for %s", device.user.get_username())
    return True


def issue_recovery_codes(*, user, count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """New one-time recovery codes; the old ones stop working."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(count)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


class TooManyAttempts(Exception):
    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


def verify_second_factor(*, user, code: str) -> Device | None:
    """The device that accepts this code (an authenticator's code, or a recovery code, used up), or None.

    Raises TooManyAttempts while the user's devices are throttled after wrong codes."""
    code = (code or "").strip().replace(" ", "").replace("-", "")
    if not code:
        return None
    is_authenticator_code = code.isdigit() and len(code) == 6  # recovery codes have 8 characters
    model = TOTPDevice if is_authenticator_code else StaticDevice
    candidate = code if is_authenticator_code else code.lower()
    with transaction.atomic():
        devices = list(model.objects.select_for_update().filter(user=user, confirmed=True))
        waits = []
        for device in devices:
            allowed, details = device.verify_is_allowed()
            if not allowed:
                waits.append(_seconds_left(details))
                continue
            if device.verify_token(candidate):
                audit_record("auth.second_factor", user=user, detail={"kind": model.__name__})
                return device
    if waits and len(waits) == len(devices):
        audit_record("auth.second_factor_failed", user=user, detail={"throttled": True})
        raise TooManyAttempts(max(waits))
    logger.warning("wrong two-factor code for %s", user.get_username())
    audit_record("auth.second_factor_failed", user=user)
    return None


def reset_two_factor(*, username: str) -> int:
    """Remove every device of this user of the current schema: they enrol again at the next login."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationError(f"没有用户名为“{username}”的用户。")
    count = 0
    for model in (TOTPDevice, StaticDevice):
        removed, _ = model.objects.filter(user=user).delete()
        count += removed
    logger.warning("two-factor reset for %s (%s record(s) removed)", username, count)
    return count


def _digits(code: str) -> str:
    return (code or "").strip().replace(" ", "")


def _seconds_left(details) -> int:
    from django.utils import timezone

    until = (details or {}).get("locked_until")
    if until is None:
        return 1
    return max(1, int((until - timezone.now()).total_seconds()) + 1)
