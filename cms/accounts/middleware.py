"""Two-factor login: no admin page opens before the second step, and a half-logged-in session is anonymous elsewhere."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from . import selectors

ADMIN_PREFIX = "/admin/"
# The admin views a user between the password and the code may reach, by resolved name (not by path
# prefix, which "/admin/2fa/../pages/" would fool): logging in and out, the two-factor pages.
OPEN_ADMIN_VIEWS = frozenset(
    {
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "wagtailadmin_javascript_catalog",
        "wagtailadmin_password_reset",
        "wagtailadmin_password_reset_done",
        "wagtailadmin_password_reset_confirm",
        "wagtailadmin_password_reset_complete",
        "accounts_two_factor_verify",
        "accounts_two_factor_setup",
        "accounts_two_factor_recovery_codes",
    }
)


def second_step(user) -> str | None:
    """ "verify" if this signed-in user still owes a code, "enrol" if they must first set up a device, else None.

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
        if not request.path_info.startswith(ADMIN_PREFIX):
            user = request.user
            request.user = SimpleLazyObject(lambda: AnonymousUser() if second_step(user) else user)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path_info.startswith(ADMIN_PREFIX) or request.resolver_match.view_name in OPEN_ADMIN_VIEWS:
            return None
        step = second_step(request.user)
        if step is None:
            return None
        target = reverse("accounts_two_factor_verify" if step == "verify" else "accounts_two_factor_setup")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
