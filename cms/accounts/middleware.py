"""Two-factor login: no admin page opens before the second step, and a half-logged-in session is anonymous elsewhere."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from . import selectors

ADMIN_PREFIX = "/admin/"
# What a user between the password and the code may reach: the two-factor pages, logging out, the login page.
OPEN_ADMIN_PATHS = ("/admin/login/", "/admin/logout/", "/admin/password_reset/", "/admin/jsi18n/", "/admin/2fa/")


def second_step(user) -> str | None:
    """"verify" if this signed-in user still owes a code, "enrol" if they must first set up a device, else None.

    Decided from the session alone (django-otp's verified device), so a login that skipped the
    password form (force_login, a session made elsewhere) is held like any other."""
    if not user.is_authenticated or user.is_verified():
        return None
    if selectors.has_second_factor(user=user):
        return "verify"
    if selectors.two_factor_required(user=user):
        return "enrol"
    return None


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware. Admin pages redirect to the second step until it is done;
    on every other path (GraphQL, documents) such a user counts as anonymous."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(ADMIN_PREFIX):
            if not path.startswith(OPEN_ADMIN_PATHS):
                step = second_step(request.user)
                if step is not None:
                    target = reverse("accounts_two_factor_verify" if step == "verify" else "accounts_two_factor_setup")
                    return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        else:
            user = request.user
            request.user = SimpleLazyObject(lambda: AnonymousUser() if second_step(user) else user)
        return self.get_response(request)
