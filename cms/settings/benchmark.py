"""`cms benchmark graphql`: production settings plus the stock grapple endpoint and a query counter."""

from .production import *  # noqa: F403
from .production import MIDDLEWARE

CMS_BENCHMARK = True
MIDDLEWARE = ["cms.api.benchmark.CountQueriesMiddleware", *MIDDLEWARE]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
