"""The test suite: a real PostgreSQL (embedded unless DATABASE_URL is set)."""

from .base import *  # noqa: F403
from .base import STORAGES

DEBUG = False
SECRET_KEY = "test-only-not-a-secret"  # noqa: S105 - the test settings never serve real traffic
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
# The suite searches with PostgreSQL; the live Elasticsearch test reads $ELASTICSEARCH_URL itself.
ELASTICSEARCH_URL = ""
# The suite logs in to the admin in many places; the two-factor tests turn this on themselves.
CMS_REQUIRE_2FA = False
