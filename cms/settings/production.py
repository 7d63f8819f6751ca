"""Production: every secret from the environment, nothing guessed."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env_list

DEBUG = False
SECRET_KEY = SECRET_KEY.strip()
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production "
        "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "*")


def env_flag(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


# HTTPS. CMS_HTTPS=0 serves plain HTTP (an intranet without TLS): no redirect, no HSTS, cookies not secure.
# Behind a proxy that terminates TLS, set CMS_PROXY_SSL_HEADER to the header it sets (X-Forwarded-Proto);
# it is trusted only when set, since a client could send it too. (HTTPS is the old name of CMS_HTTPS.)
HTTPS = env_flag("CMS_HTTPS", env_flag("HTTPS", True))
SECURE_SSL_REDIRECT = env_flag("CMS_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_flag("CMS_SECURE_COOKIES", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("CMS_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("CMS_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_flag("CMS_HSTS_PRELOAD", True)
_proxy_header = os.environ.get("CMS_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
# Nothing of ours is framed; Wagtail marks its own preview views SAMEORIGIN view by view.
X_FRAME_OPTIONS = "DENY"
# Two-factor login is required in production unless explicitly turned off (CMS_REQUIRE_2FA=0).
CMS_REQUIRE_2FA = env_flag("CMS_REQUIRE_2FA", True)
