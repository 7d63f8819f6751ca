"""The public address of a site: its registered domain with the configured scheme and port.

Absolute URLs in answers (media, documents, links) are built here and never from the request's
Host header, so an answer is the same whichever alias, case or port a client used, and a cached
answer cannot carry an address a client made up.
"""

from django.conf import settings

DEFAULT_PORTS = {"http": "80", "https": "443"}


def public_port() -> str:
    """The port readers reach the sites on ('' when it is the scheme's default)."""
    port = str(settings.CMS_PUBLIC_PORT or "")
    return "" if port == DEFAULT_PORTS[settings.CMS_PUBLIC_SCHEME] else port


def public_origin(host: str) -> str:
    """E.g. "http://zuoxie.localhost:8000" for host "zuoxie.localhost" when sites are served on port 8000."""
    port = public_port()
    return f"{settings.CMS_PUBLIC_SCHEME}://{host}{':' + port if port else ''}"
