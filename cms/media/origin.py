"""The public origin of the request being served (e.g. "http://zuoxie.localhost:8000"), set by routing.

Media URLs are absolute on it during a request (front ends on other domains can use them as they
are) and relative outside one. Routing (sites.middleware) sets it from the site's registered domain
and the configured public scheme and port, never from the request's Host header.
"""

from contextvars import ContextVar

request_origin: ContextVar[str | None] = ContextVar("cms_request_origin", default=None)
