"""`cms benchmark graphql`: production settings plus the stock grapple endpoint and a query counter."""

from .production import *  # noqa: F403
from .production import MIDDLEWARE

CMS_BENCHMARK = True
MIDDLEWARE = ["benchmarks.graphql.CountQueriesMiddleware", *MIDDLEWARE]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
# The admin (used by `cms loadtest`'s editors) served from the apps' static folders without collectstatic:
# the throwaway benchmark server has no collected static files.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
