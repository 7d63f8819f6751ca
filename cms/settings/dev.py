"""Local development and the demo network of `cms up`."""

import os

from .base import *  # noqa: F403
from .base import DATA_DIR, GRAPPLE

DEBUG = os.environ.get("DEBUG", "1") == "1"
if not SECRET_KEY:  # noqa: F405
    from cms.dbserver import DataDir

    SECRET_KEY = DataDir(DATA_DIR).secret_key()
GRAPPLE = {**GRAPPLE, "EXPOSE_GRAPHIQL": True}
CMS_GRAPHQL_INTROSPECTION = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
