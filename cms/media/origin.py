"""Public addresses: a site's registered domain with the configured public scheme and port.

Absolute URLs in answers (media, documents, links) are built here and never from the request's
Host header, so an answer is the same whichever alias, case or port a client used, and a cached
answer cannot carry an address a client made up.

`request_origin` is the public origin of the request being served (e.g. "http://zuoxie.localhost:8000"),
set by routing (sites.middleware) from the site's registered domain. Media URLs are absolute on it
during a request (front ends on other domains can use them as they are) and relative outside one.

Addresses that are kept (the national index, syndication records, a copy's provenance) are stored
*portable*: "//zuoxie.localhost/news/1/", the host and path without scheme or port, and completed with
the public scheme and port when they are read (`complete_url`). A run of `cms up` on another port (or
behind a proxy on https) then shows the right address without rewriting anything. An address on a
site's own registered front end (https://www.zuoxie.cn/...) is stored as it is and never changed.
"""

from contextvars import ContextVar
from urllib.parse import urlsplit

from django.conf import settings

request_origin: ContextVar[str | None] = ContextVar("cms_request_origin", default=None)

DEFAULT_PORTS = {"http": "80", "https": "443"}


def public_port() -> str:
    """The port readers reach the sites on ('' when it is the scheme's default)."""
    port = str(settings.CMS_PUBLIC_PORT or "")
    return "" if port == DEFAULT_PORTS[settings.CMS_PUBLIC_SCHEME] else port


def public_origin(host: str) -> str:
    """E.g. "http://zuoxie.localhost:8000" for host "zuoxie.localhost" when sites are served on port 8000."""
    port = public_port()
    return f"{settings.CMS_PUBLIC_SCHEME}://{host}{':' + port if port else ''}"


def portable_url(host: str, path: str) -> str:
    """The stored form of an address on one of the network's own hosts: "//host/path"."""
    return f"//{host}{path}"


def complete_url(url: str) -> str:
    """A stored address as readers use it: a portable one gets the public scheme and port, others stay."""
    if not url or not url.startswith("//"):
        return url or ""
    parts = urlsplit(url)
    rest = url[2 + len(parts.netloc) :]
    return f"{public_origin(parts.hostname or parts.netloc)}{rest}"


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""
