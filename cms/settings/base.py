"""Settings shared by every environment. Values come from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import lazy

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("CMS_DATA_DIR", BASE_DIR / "var")).resolve()


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Tenancy: apps in the public schema (the network) and in each site's schema ---

WAGTAIL_APPS = [
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
]

# Each schema, the public one included, is a full Wagtail site: its own users,
# groups, pages, images and documents. The public schema is the central office.
CONTENT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "cms.accounts",
    # Two-factor devices belong to users, so they live in each schema beside them.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "cms.media",
    "cms.pages",
    "cms.api",
    "cms.feedback",  # the opinions channel: personal data stays in the site's own schema
    "wagtail_headless_preview",
    *WAGTAIL_APPS,
    # The review steps of each site's workflow (cms/review/workflow): beside Wagtail's tasks.
    "cms.review.workflow",
]

SHARED_APPS = [
    "django_tenants",
    "sites",
    "django_tasks",
    "django_tasks_db",
    # Failed logins of every site in one table of the public schema, each username prefixed with
    # its site's schema (see cms/accounts/throttling.py): a lock on one site never touches another.
    "axes",
    *CONTENT_APPS,
    "django.contrib.staticfiles",
    "cms.core",
    # One append-only audit log for the network, each entry under its site's schema (cms/audit).
    "cms.audit",
    "cms.network",
    "cms.search",
    "cms.review",
    "cms.watch",  # public-opinion watch: the central office's, in the public schema
    "cms.feedback.receipts",  # opinions as the network sees them (no personal data): code lookups, figures
    "cms.oversight",
    "graphene_django",
    "graphene_django_graphiql_static",  # GraphiQL's scripts and styles, served locally (no CDN)
    "grapple",
]
TENANT_APPS = list(CONTENT_APPS)
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
# wagtail.users with the 姓名 user forms (its app name stays "wagtail.users" for the tenancy lists above).
INSTALLED_APPS[INSTALLED_APPS.index("wagtail.users")] = "cms.accounts.users_app.UsersConfig"
# No models: only its translations (Wagtail's "Sent to 初审 7 seconds ago" uses humanize's naturaltime).
INSTALLED_APPS.append("django.contrib.humanize")

TENANT_MODEL = "sites.Association"
TENANT_DOMAIN_MODEL = "sites.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "cms.urls_public"
ROOT_URLCONF = "cms.urls_tenant"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# One `SET search_path` per connection and schema switch, not one per cursor.
TENANT_LIMIT_SET_CALLS = True

MIDDLEWARE = [
    "sites.middleware.TenantMiddleware",
    "cms.audit.context.CurrentRequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cms.accounts.middleware.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cms.review.middleware.RefusalMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

# --- Database ---

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Run `cms up` (it starts the embedded PostgreSQL) "
        "or set DATABASE_URL=postgres://user:password@host:5432/name."
    )
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: keys always carry the schema (django-tenants' key function) ---

CACHE_KEY_FUNCTION = "django_tenants.cache.make_key"
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_FUNCTION": CACHE_KEY_FUNCTION,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_FUNCTION": CACHE_KEY_FUNCTION,
        }
    }

# --- Background tasks: one queue in the public schema, each task run in its tenant's schema ---

# Where readers reach the sites: absolute URLs are the site's registered domain with this scheme and
# port, never the request's Host header. With a port set, requests on another port are redirected.
CMS_PUBLIC_SCHEME = os.environ.get("CMS_PUBLIC_SCHEME", "http")
CMS_PUBLIC_PORT = os.environ.get("CMS_PUBLIC_PORT", "")
if CMS_PUBLIC_SCHEME not in ("http", "https"):
    raise ImproperlyConfigured(f"CMS_PUBLIC_SCHEME must be http or https, not {CMS_PUBLIC_SCHEME!r}.")
if CMS_PUBLIC_PORT and not (CMS_PUBLIC_PORT.isdigit() and 0 < int(CMS_PUBLIC_PORT) < 65536):
    raise ImproperlyConfigured(f"CMS_PUBLIC_PORT must be a port number, not {CMS_PUBLIC_PORT!r}.")

# Schemas replayed ahead of time per site template, so that creating a site only renames one.
CMS_SPARE_SCHEMAS = int(os.environ.get("CMS_SPARE_SCHEMAS", 2))

TASKS = {"default": {"BACKEND": "sites.tasks.TenantDatabaseBackend"}}
# A running task whose worker died (its lease, a PostgreSQL advisory lock, is free) is queued again once
# it has been running this long; the grace covers the moment between claiming a task and leasing it.
CMS_TASK_LEASE_GRACE_SECONDS = int(os.environ.get("CMS_TASK_LEASE_GRACE_SECONDS", 10))
# A task whose worker died this many times is failed rather than retried (it may be what kills them).
CMS_TASK_MAX_ATTEMPTS = int(os.environ.get("CMS_TASK_MAX_ATTEMPTS", 5))

# --- Public-opinion watch (cms/watch): the office's RSS/Atom feeds, fetched by the worker ---
CMS_WATCH_CONNECT_TIMEOUT = float(os.environ.get("CMS_WATCH_CONNECT_TIMEOUT", 5))
CMS_WATCH_READ_TIMEOUT = float(os.environ.get("CMS_WATCH_READ_TIMEOUT", 15))
CMS_WATCH_TOTAL_TIMEOUT = float(os.environ.get("CMS_WATCH_TOTAL_TIMEOUT", 60))  # the whole download
CMS_WATCH_MAX_BYTES = int(os.environ.get("CMS_WATCH_MAX_BYTES", 5 * 1024 * 1024))
CMS_WATCH_MAX_REDIRECTS = int(os.environ.get("CMS_WATCH_MAX_REDIRECTS", 5))

# --- Users, auth, i18n ---

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "cms.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "cms.accounts.validators.PasswordShapeValidator"},
]
# The first backend refuses a locked-out (site, username, address) before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

# Login throttling (django-axes): after CMS_LOGIN_FAILURE_LIMIT wrong passwords for one username from one
# address on one site, that combination is refused for CMS_LOGIN_COOLOFF_MINUTES (`cms accounts unlock` ends it).
AXES_FAILURE_LIMIT = int(os.environ.get("CMS_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("CMS_LOGIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "cms.accounts.throttling.lockout_username"
AXES_CLIENT_IP_CALLABLE = "cms.accounts.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "cms.accounts.throttling.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_COOLOFF_MESSAGE = "登录失败次数过多，账号已暂时锁定，请稍后再试。"
AXES_PERMALOCK_MESSAGE = "登录失败次数过多，账号已锁定，请联系管理员解锁。"
# Axes' access log records the bare username (no site): the lockouts and the `cms.accounts` log are the record.
AXES_DISABLE_ACCESS_LOG = True
# Behind a reverse proxy, the header that carries the client's address (e.g. X-Real-IP or X-Forwarded-For,
# whose last entry is taken: the one the proxy added). Unset: the peer address, which a client cannot forge.
CMS_CLIENT_IP_HEADER = os.environ.get("CMS_CLIENT_IP_HEADER", "")

# Two-factor login (TOTP, django-otp): required for every central office user and every site's
# superusers (and for all of a site's users when its settings say so). Off only by choice.
CMS_REQUIRE_2FA = os.environ.get("CMS_REQUIRE_2FA", "1") == "1"
OTP_TOTP_THROTTLE_FACTOR = 1  # each wrong code doubles the wait before the next one is checked
LANGUAGE_CODE = "zh-hans"
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
# The time zones a user may pick on their account page: China's, not the world's 600 English names.
WAGTAIL_USER_TIME_ZONES = ["Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei"]
USE_I18N = True
# The project's own zh-Hans catalogue, ahead of the apps': the strings Wagtail's catalogue lacks for this
# version. Edit cms/locale/zh_Hans/LC_MESSAGES/django.po, then `cms manage compile_translations` (no gettext
# tools needed); the .mo is committed and a test fails when it does not match the .po.
LOCALE_PATHS = [BASE_DIR / "cms" / "locale"]
USE_TZ = True

# --- Static and media: media of each site under its own folder, served on its own host ---

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("CMS_MEDIA_ROOT", DATA_DIR / "media"))
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
STORAGES = {
    "default": {"BACKEND": "sites.storage.TenantMediaStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Wagtail ---


def _current_site_name() -> str:
    """The name of the site whose schema the request is in (the central office on its own host)."""
    from django.db import connection

    return getattr(getattr(connection, "tenant", None), "name", "") or "文联网站群"


# Per request, not one name for the whole network: the dashboard's heading, titles and the name typed to
# confirm deleting pages are the site's own (Wagtail falls back to this where the user's root is the tree's).
WAGTAIL_SITE_NAME = lazy(_current_site_name, str)()
WAGTAILIMAGES_IMAGE_MODEL = "media.SiteImage"
WAGTAILDOCS_DOCUMENT_MODEL = "media.SiteDocument"
# The central office's admin (links in notification e-mails), on the public scheme and port.
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL") or (
    f"{CMS_PUBLIC_SCHEME}://localhost{':' + CMS_PUBLIC_PORT if CMS_PUBLIC_PORT else ''}"
)
# Chinese-aware: text is segmented (jieba) before PostgreSQL full text; see cms/search.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "cms.search.backend", "SEARCH_CONFIG": "simple"}}
# Optional: a shared Elasticsearch index (tenant field and routing) for per-site and national search.
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_INDEX = os.environ.get("ELASTICSEARCH_INDEX", "cms-content")
ELASTICSEARCH_SHARDS = int(os.environ.get("ELASTICSEARCH_SHARDS", 3))
ELASTICSEARCH_REPLICAS = int(os.environ.get("ELASTICSEARCH_REPLICAS", 1))
WAGTAIL_I18N_ENABLED = False
# Nothing is fetched from outside the machine (intranets are common): no update check, no avatars.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- GraphQL ---

GRAPHENE = {"SCHEMA": "grapple.schema.schema"}
GRAPPLE = {
    "APPS": {"pages": "", "media": ""},
    "EXPOSE_GRAPHIQL": False,
    "PAGE_SIZE": 10,
    "MAX_PAGE_SIZE": 100,
    # Renditions only from this list; cms/api/images.py checks each against the pixel cap.
    "ALLOWED_IMAGE_FILTERS": [
        "width-320",
        "width-480",
        "width-640",
        "width-800",
        "width-1024",
        "width-1280",
        "width-1600",
        "width-320|format-webp",
        "width-640|format-webp",
        "width-1024|format-webp",
        "width-1600|format-webp",
        "fill-160x160",
        "fill-320x240",
        "fill-480x320",
        "fill-640x360",
        "fill-960x540",
        "fill-1280x720",
    ],
}
CMS_RENDITION_MAX_PIXELS = 1600 * 1600
CMS_GRAPHQL_LIMITS = {
    # Anchors: graphql-armor's 15 aliases; list sizes as GitHub's 1 to 100. Depth 8, not armor's 6:
    # an image rendition inside a StreamField gallery is already 7 levels deep.
    "MAX_QUERY_CHARS": int(os.environ.get("GRAPHQL_MAX_QUERY_CHARS", 10_000)),
    "MAX_DEPTH": int(os.environ.get("GRAPHQL_MAX_DEPTH", 8)),
    "MAX_ALIASES": int(os.environ.get("GRAPHQL_MAX_ALIASES", 15)),
    # Cost: the fields an answer can hold, each list counted at its `first`/`limit` (cms/api/limits.py).
    "MAX_COST": int(os.environ.get("GRAPHQL_MAX_COST", 5_000)),
    # Wall time of one request; past it the answer is an error (HTTP 503), well inside gunicorn's 30 s.
    "MAX_SECONDS": float(os.environ.get("GRAPHQL_MAX_SECONDS", 10)),
}
CMS_GRAPHQL_INTROSPECTION = False  # staff users may always introspect; dev settings allow everyone
CMS_GRAPHQL_CACHE_SECONDS = int(os.environ.get("GRAPHQL_CACHE_SECONDS", 60))  # max-age of GET answers
# Whole answers cached per site and content version (any change moves the version); 0 turns it off.
CMS_GRAPHQL_RESPONSE_CACHE_SECONDS = int(os.environ.get("GRAPHQL_RESPONSE_CACHE_SECONDS", 300))
# X-Cache: HIT | MISS on answers the cache could give; for measuring (cms loadtest turns it on), off in service:
# it tells anyone what others recently asked.
CMS_GRAPHQL_CACHE_STATUS_HEADER = os.environ.get("GRAPHQL_CACHE_STATUS_HEADER", "0") == "1"
# Each published page's resolved subtree, per site, content version and selection (cms/api/page_trees.py),
# kept in each worker process up to about this many MB of memory; 0 turns it off.
CMS_GRAPHQL_PAGE_CACHE_MB = float(os.environ.get("GRAPHQL_PAGE_CACHE_MB", 16))
CMS_PREVIEW_TOKEN_SECONDS = int(os.environ.get("PREVIEW_TOKEN_SECONDS", 30 * 60))
WAGTAIL_HEADLESS_PREVIEW = {"CLIENT_URLS": {"default": "{SITE_ROOT_URL}"}, "REDIRECT_ON_PREVIEW": True}

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "*")  # unknown hosts are refused by tenant routing
CSRF_FAILURE_VIEW = "cms.core.views.csrf_failure"  # in Chinese (or JSON for the API), not Django's English page
SECRET_KEY = os.environ.get("SECRET_KEY", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Every site created, archived, deleted, restored or migrated leaves a line.
    "loggers": {"sites": {"level": os.environ.get("SITES_LOG_LEVEL", "INFO")}},
}
# --- Audit log (cms/audit) ---
# Days entries are kept before `cms audit purge` may remove them; below 180 (six months) is refused.
CMS_AUDIT_RETENTION_DAYS = int(os.environ.get("CMS_AUDIT_RETENTION_DAYS", 180))
# Ship each committed entry as a JSON line: file:PATH, syslog, syslog:HOST:PORT or syslog+tcp:HOST:PORT.
CMS_AUDIT_SHIP = os.environ.get("CMS_AUDIT_SHIP", "")
CMS_AUDIT_EXPORT_MAX_ROWS = int(os.environ.get("CMS_AUDIT_EXPORT_MAX_ROWS", 100_000))  # per CSV/XLSX export
CMS_BENCHMARK = False  # mounts the stock grapple endpoint at /graphql-stock/ for `cms benchmark graphql`

# The opinions channel (cms/feedback): abuse control and size limits of submissions and code lookups.
CMS_OPINION_LIMITS = {
    "min_fill_seconds": float(os.environ.get("CMS_OPINION_MIN_FILL_SECONDS", 3)),
    "token_max_age": 24 * 3600,
    "per_address": int(os.environ.get("CMS_OPINION_PER_ADDRESS", 300)),  # anchor: 300 posts / 5 min / address
    "per_contact": int(os.environ.get("CMS_OPINION_PER_CONTACT", 20)),
    "window_seconds": 300,
    "lookups_per_address": int(os.environ.get("CMS_OPINION_LOOKUPS_PER_ADDRESS", 60)),
    "lookup_window_seconds": 300,
    "max_content_chars": 5000,
    "max_name_chars": 50,
    "max_contact_chars": 100,
    "max_address_chars": 200,
    "max_attachments": 3,
    "max_attachment_bytes": 1024 * 1024,  # GraphQL bodies are capped at 2.5 MB in all (base64)
}
