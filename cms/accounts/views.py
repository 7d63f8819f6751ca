"""The second step of the admin login: enrol an authenticator, enter a code, keep recovery codes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from wagtail.models import Site

from . import selectors, services

LOGIN_URL = "wagtailadmin_login"


def _next(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("wagtailadmin_home")


def _to(name: str, next_url: str):
    return redirect(f"{reverse(name)}?{urlencode({'next': next_url})}")


def _issuer(request) -> str:
    site = Site.find_for_request(request) or Site.objects.filter(is_default_site=True).first()
    return (site.site_name if site and site.site_name else request.get_host().split(":")[0]) or "CMS"


@never_cache
@csrf_protect
@login_required(login_url=LOGIN_URL)
def verify(request):
    user = request.user
    if user.is_verified():
        return HttpResponseRedirect(_next(request))
    if not selectors.has_second_factor(user=user):
        return _to("accounts_two_factor_setup", _next(request))
    error = None
    if request.method == "POST":
        try:
            device = services.verify_second_factor(user=user, code=request.POST.get("code", ""))
        except services.TooManyAttempts as wait:
            error = f"验证码错误次数过多，请 {wait.seconds} 秒后再试。"
        else:
            if device is not None:
                otp_login(request, device)
                return HttpResponseRedirect(_next(request))
            error = "验证码不正确、已过期或已使用，请重新输入。"
    return render(
        request, "accounts/verify.html", {"next": _next(request), "error": error}, status=200 if error is None else 400
    )


@never_cache
@csrf_protect
@login_required(login_url=LOGIN_URL)
def setup(request):
    user = request.user
    if selectors.has_second_factor(user=user):
        if not user.is_verified():
            return _to("accounts_two_factor_verify", _next(request))
        if selectors.has_authenticator(user=user):
            return render(
                request, "accounts/already_enabled.html", {"remaining": selectors.remaining_recovery_codes(user=user)}
            )
    device = services.begin_authenticator_enrolment(user=user)
    error = None
    if request.method == "POST":
        if services.confirm_authenticator(device=device, code=request.POST.get("code", "")):
            otp_login(request, device)
            codes = services.issue_recovery_codes(user=user)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)})
        error = "验证码不正确，请确认手机时间准确后，输入应用中当前显示的 6 位验证码。"
    uri = services.provisioning_uri(device=device, issuer=_issuer(request))
    context = {
        "qr_svg": services.qr_code_svg(data=uri),
        "secret": services.secret_text(device=device),
        "next": _next(request),
        "error": error,
        "required": selectors.two_factor_required(user=user),
    }
    return render(request, "accounts/setup.html", context, status=200 if error is None else 400)


@never_cache
@csrf_protect
@login_required(login_url=LOGIN_URL)
def recovery_codes(request):
    """New recovery codes, for a user who has passed the second step in this session."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_verified():
        return _to("accounts_two_factor_verify", reverse("accounts_two_factor_setup"))
    codes = services.issue_recovery_codes(user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("wagtailadmin_home")})
