"""Settings for Innovationsupphandlingsportalen.

Everything that differs between a laptop, CI and production comes from
environment variables (see .env.example); nothing here is a production secret.
"""

import os
import urllib.parse
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from portal import eid_saml
from portal.file_storage import default_storage_from_env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR") or BASE_DIR / "var")  # empty (as in .env.example) = unset


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """An integer setting; unset or empty means `default` (.env.example leaves optional ones empty)."""
    value = (os.environ.get(name) or "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "portal",
    "projects",
    "checks",
    "webinars",
    # Open data (OCDS, the read API, calendar feeds): it reads every app above, so it comes after them.
    "opendata",
    # `manage.py seed_bench` (benchmarks/management/): it fills every app, so it lives above them, not in portal.
    "benchmarks",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
]

MIDDLEWARE = [
    "portal.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "portal.middleware.AuthenticationMiddleware",
    "portal.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.ActiveOrganisationMiddleware",
    "portal.middleware.StaffMfaMiddleware",
    # An identity provider that cannot be reached while a sign-in starts: a page, not a 500 (portal/eid.py).
    "portal.eid.EidErrorMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
            # `{% static %}` with its URLs kept per process is a builtin: the project's templates do not load
            # Django's static library (tests/portal/test_static_memo.py).
            "builtins": [
                "portal.templatetags.acting_for",
                "portal.templatetags.url_memo",
                "portal.templatetags.static_memo",
            ],
        },
    },
    {
        # Plain-text mails: the same templates, but nothing is HTML-escaped ("&" stays "&").
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

# Every form field: required markers, described groups, error-summary anchors (portal/form_rendering.py).
FORM_RENDERER = "portal.form_rendering.FormRenderer"

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        # Persistent connections (a new one costs a few milliseconds on every request), checked before reuse.
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side binding: a query's text is the same on every run (its values are sent apart from it), so psycopg
    # prepares it on a connection once it has run DB_PREPARE_THRESHOLD times there, and PostgreSQL parses and plans it
    # once per connection instead of on every request (planning was most of the database's time on the pages; see
    # docs/performance.md, "Prepared statements"). DB_PREPARED_STATEMENTS=0 behind a pooler that cannot keep prepared
    # statements (PgBouncer in transaction mode before 1.21, or without max_prepared_statements).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=env_bool("DB_SERVER_SIDE_BINDING", True),
        prepare_threshold=env_int("DB_PREPARE_THRESHOLD", 2) if env_bool("DB_PREPARED_STATEMENTS", True) else None,
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and env_bool("TESTING") and (_worker := os.environ.pop("PYTEST_XDIST_WORKER", "")):
    # Tests in parallel (pytest-xdist, `make test`): each worker gets its own Redis database, as pytest-django gives
    # it its own test database, so that one worker's cache.clear() or Celery queue never reaches another's. The
    # processes a test starts inherit the moved URL (and no worker name, so they do not move it again).
    _parts = urllib.parse.urlsplit(REDIS_URL)
    _database = int(_parts.path.strip("/") or 0) + int(_worker.removeprefix("gw")) + 1
    REDIS_URL = os.environ["REDIS_URL"] = urllib.parse.urlunsplit(_parts._replace(path=f"/{_database % 16}"))
if REDIS_URL:
    CACHES = {
        "default": {
            # Misses and skipped writes while Redis is down, never an error (portal/cache_backends.py).
            "BACKEND": "portal.cache_backends.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # Sessions are read from Redis and written through to the database, so losing Redis signs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Anonymous visitors' public pages are cached until the data behind them changes (portal/cache.py).
PUBLIC_PAGE_CACHE = env_bool("PUBLIC_PAGE_CACHE", True)

# Celery: with Redis the worker runs tasks; without it tasks run in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
# A task whose worker dies (SIGKILL, OOM) goes back to the queue; unacknowledged messages are delivered again
# after the visibility timeout (longer than the longest task, or it runs twice; tasks are idempotent anyway).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _VISIBILITY_TIMEOUT,
    # Workers look for overdue messages every interval × throttle seconds (100 s by default, 1 s when short).
    "unacked_restore_interval": max(1, min(10, _VISIBILITY_TIMEOUT // 10)),
    "unacked_restore_throttle": max(1, min(10, _VISIBILITY_TIMEOUT // 100)),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# Publishing fails fast when Redis is down: the outbox row stays and is sent later (portal/outbox.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# A worker keeps trying to reach a broker that went away.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Europe/Stockholm"
CELERY_BEAT_SCHEDULE: dict = {}  # apps add their periodic tasks in their AppConfig.ready()

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env_list("PASSWORD_HASHERS") or [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "portal:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Innovationsupphandlingsportalen] "
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
# Failed sign-ins are limited per client address and, separately, per account (docs/architecture.md,
# "Sign-in limits"): an unknown device gets a short back-off after 5 failures for one account, while a device
# that signed in to that account before counts its own failures (portal/login_limits.py). Both back-offs
# are sliding windows: the oldest failure stops counting 5 minutes later.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login_failed_known_device": "10/m/ip,5/5m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "Innovationsupphandlingsportalen"
# Passkeys (WebAuthn; docs/architecture.md, "Sign-in, two factors and passkeys"): anyone may add them on the
# two-factor page and sign in with one alone (allauth then requires user verification: a PIN or biometrics on the
# device). A WebAuthn key counts as the second factor in the staff rule (portal.middleware._needs_mfa). The relying
# party is the host the page was served from. MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN stays off everywhere: it would
# accept an assertion made for any origin, and python-fido2 accepts http://localhost (the browser tests' server)
# by itself.
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
MFA_FORMS = {
    "add_webauthn": "portal.passkeys.AddPasskeyForm",
    "edit_webauthn": "portal.passkeys.EditPasskeyForm",
    "login_webauthn": "portal.passkeys.LoginPasskeyForm",
    "authenticate_webauthn": "portal.passkeys.AuthenticatePasskeyForm",
    "reauthenticate_webauthn": "portal.passkeys.ReauthenticatePasskeyForm",
}
REQUIRE_STAFF_MFA = env_bool("REQUIRE_STAFF_MFA", True)

# e-legitimation (shared by OpenID Connect and SAML; docs/eid.md). Each protocol adds its provider to
# SOCIALACCOUNT_PROVIDERS only when it is configured, so the button shows only then.
SOCIALACCOUNT_PROVIDERS: dict = {}
SOCIALACCOUNT_ADAPTER = "portal.eid.EidSocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "portal.eid.EidSignupForm"}
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"  # an address the provider did not verify is verified by mail
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # an e-mail address alone never signs anyone in (docs/eid.md)
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False  # the button posts a form: no sign-in started by a link from elsewhere
# The levels of assurance that count instead of TOTP for handlers and portal admins, as Sweden Connect names
# them ("http://id.elegnamnden.se/loa/1.0/loa3", or the short "loa3"); empty: none, staff always use TOTP.
EID_ACCEPTED_LOA = env_list("EID_ACCEPTED_LOA")
# The key of the personal identity number's hash (HMAC-SHA256): only the hash is stored. Changing it unlinks
# every e-legitimation from its account, so it is set once, kept secret and never derived from SECRET_KEY.
EID_HASH_KEY = os.environ.get("EID_HASH_KEY", "")
# Origins the sign-in forms lead to: the button posts to the portal, which redirects to the identity provider,
# and the browser checks that redirect against the Content Security Policy's form-action (added at the end).
EID_FORM_ACTION_ORIGINS: list[str] = []

# e-legitimation (OpenID Connect): an identity broker (Sweden Connect's OIDC profile, BankID, Freja eID+).
EID_OIDC_ISSUER = os.environ.get("EID_OIDC_ISSUER", "").strip().rstrip("/")
EID_OIDC_CLIENT_ID = os.environ.get("EID_OIDC_CLIENT_ID", "").strip()
EID_OIDC_CLIENT_SECRET = os.environ.get("EID_OIDC_CLIENT_SECRET", "")
EID_OIDC_SCOPES = (
    os.environ.get("EID_OIDC_SCOPES", "").split()
    or "openid profile email https://id.oidc.se/scope/naturalPersonNumber".split()
)
EID_OIDC_PIN_CLAIM = (
    os.environ.get("EID_OIDC_PIN_CLAIM", "").strip() or "https://id.oidc.se/claim/personalIdentityNumber"
)
EID_OIDC_NAME = os.environ.get("EID_OIDC_NAME", "").strip() or "e-legitimation"
# The levels of assurance to ask for (the acr_values parameter, most wanted first; "loa3" means Sweden Connect's
# http://id.elegnamnden.se/loa/1.0/loa3). A provider states the level in the ID token's acr when asked.
EID_OIDC_ACR_VALUES = [
    level if "/" in level or ":" in level else f"http://id.elegnamnden.se/loa/1.0/{level}"
    for level in os.environ.get("EID_OIDC_ACR_VALUES", "").split()
]
if EID_OIDC_ISSUER and EID_OIDC_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        # PKCE on (S256); allauth checks the state on the way back and the ID token's signature, issuer and
        # audience; portal/eid_oidc.py adds a nonce, which allauth does not send, and checks it.
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "eid",
                "name": EID_OIDC_NAME,
                "client_id": EID_OIDC_CLIENT_ID,
                "secret": EID_OIDC_CLIENT_SECRET,
                "settings": {
                    "server_url": EID_OIDC_ISSUER,
                    "scope": EID_OIDC_SCOPES,
                    "oauth_pkce_enabled": True,
                    "fetch_userinfo": True,
                    **({"auth_params": {"acr_values": " ".join(EID_OIDC_ACR_VALUES)}} if EID_OIDC_ACR_VALUES else {}),
                },
            }
        ],
    }
    EID_FORM_ACTION_ORIGINS.append("/".join(EID_OIDC_ISSUER.split("/")[:3]))

# e-legitimation (SAML): a Sweden Connect-style identity provider through allauth's SAML provider, configured
# only when EID_SAML_SP_ENTITY_ID and the identity provider's metadata are set (portal/eid_saml.py, docs/eid.md).
# The SP metadata for the operator to register: /accounts/saml/eid/metadata/.
EID_SAML_APP = eid_saml.app_from_env(os.environ)
if EID_SAML_APP:
    SOCIALACCOUNT_PROVIDERS["saml"] = {"APPS": [EID_SAML_APP]}
    EID_FORM_ACTION_ORIGINS.extend(eid_saml.form_action_origins(EID_SAML_APP))

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS: list = []  # each app keeps its own <app>/locale (see scripts/makemessages)
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG or env_bool("TESTING")

# Private files (attachments, PDFs) never get a public URL: they are served by
# views that check permissions. With S3_BUCKET (or AWS_STORAGE_BUCKET_NAME) set
# they go to that bucket, so that several web and worker machines share them;
# otherwise to PRIVATE_FILES_ROOT (portal/file_storage.py).
PRIVATE_FILES_ROOT = Path(os.environ.get("PRIVATE_FILES_ROOT") or VAR_DIR / "private")
STORAGES = {
    "default": default_storage_from_env(os.environ, private_files_root=PRIVATE_FILES_ROOT),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_bool("TESTING")
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = PRIVATE_FILES_ROOT
# Request limits (README "Running in production"). A form's attachments field takes at most MAX_UPLOAD_FILES
# files of at most MAX_UPLOAD_SIZE each (more is a field error, portal/files.py); its other fields at most
# DATA_UPLOAD_MAX_MEMORY_SIZE. A request body larger than the largest such form is refused with 413 before it is
# read (portal.middleware.RequestBodyLimitMiddleware), and deploy/nginx.conf refuses the same size.
MAX_UPLOAD_SIZE = 20 * 1024 * 1024
MAX_UPLOAD_FILES = 5
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_REQUEST_BODY_SIZE = MAX_UPLOAD_FILES * MAX_UPLOAD_SIZE + DATA_UPLOAD_MAX_MEMORY_SIZE  # 105 MiB
# Files Django parses at all: above the form's limit, so that a few too many get the field error, not a 400.
DATA_UPLOAD_MAX_NUMBER_FILES = 4 * MAX_UPLOAD_FILES

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST,
                "port": env_int("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 20,
            },
        }
    }
else:
    # Without an SMTP server, mail is written to the console (or the backend named in EMAIL_BACKEND_CLASS).
    MAILERS = {
        "default": {"BACKEND": os.environ.get("EMAIL_BACKEND_CLASS", "django.core.mail.backends.console.EmailBackend")}
    }
del EMAIL_HOST
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Innovationsupphandlingsportalen <noreply@portal.example.se>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The deciding authority named in decision letters (förvaltningslagen 32–33 §§: who decided and how to reach them).
# Defaults say what to set; the letters show them as they are until the operator sets the real values.
AGENCY_NAME = os.environ.get("AGENCY_NAME") or "Myndighetens namn (ange AGENCY_NAME)"
AGENCY_POSTAL_ADDRESS = (os.environ.get("AGENCY_POSTAL_ADDRESS") or "Postadress (ange AGENCY_POSTAL_ADDRESS)").replace(
    "\\n", "\n"
)
AGENCY_ORG_NUMBER = os.environ.get("AGENCY_ORG_NUMBER") or "202100-0000 (ange AGENCY_ORG_NUMBER)"
AGENCY_EMAIL = os.environ.get("AGENCY_EMAIL") or "registrator@myndighet.example.se (ange AGENCY_EMAIL)"
AGENCY_PHONE = os.environ.get("AGENCY_PHONE") or "ange AGENCY_PHONE"

# The accessibility statement (/tillganglighet/, lagen (2018:1937) om tillgänglighet till digital offentlig
# service, Digg's model statement): where a visitor reports an accessibility problem or asks for content in
# another form. A web form (ACCESSIBILITY_CONTACT_URL) and/or an address; the address falls back to AGENCY_EMAIL.
ACCESSIBILITY_CONTACT_EMAIL = os.environ.get("ACCESSIBILITY_CONTACT_EMAIL") or AGENCY_EMAIL
ACCESSIBILITY_CONTACT_URL = os.environ.get("ACCESSIBILITY_CONTACT_URL", "")
# The date the statement was last reviewed (ISO, YYYY-MM-DD); unset: portal.accessibility.STATEMENT_DATE.
ACCESSIBILITY_STATEMENT_DATE = os.environ.get("ACCESSIBILITY_STATEMENT_DATE", "")

# HTTPS hardening is on unless DEBUG is on or HTTPS=0 (plain-HTTP test servers).
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the portal append the address they saw to X-Forwarded-For (docker compose: 1,
# its nginx). 0: the header is ignored and the connection's address counts. The client's address is the
# entry that many hops from the right (portal/client_ip.py); sign-in and registration limits count per address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: every form posts the token from {% csrf_token %}.
CSRF_COOKIE_HTTPONLY = True

# Content Security Policy: everything from our own origin, nothing inline, no nonces (the public pages are
# cached whole, so a per-response nonce could not match; the Django admin loads only files as well).
# Hosts whose video files the webinar player may play (a recording link ending in .mp4/.webm is played on the
# page with its caption track); e.g. "https://media.example.se". Empty: only the portal's own origin.
WEBINAR_MEDIA_HOSTS = env_list("WEBINAR_MEDIA_HOSTS")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "media-src": [CSP.SELF, *WEBINAR_MEDIA_HOSTS],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Permissions-Policy (portal.middleware.PermissionsPolicyMiddleware): the portal uses none of these browser
# features, so each is off for its pages and anything they embed. Feature -> allowed origins (none).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# Passkeys (WebAuthn) are created and used on the portal's own pages, never in an embedded frame.
PERMISSIONS_POLICY["publickey-credentials-create"] = ["self"]
PERMISSIONS_POLICY["publickey-credentials-get"] = ["self"]

# Logs go to stdout: one JSON object per line (portal/logs.py) unless LOG_FORMAT=text (for people).
LOG_FORMAT = (os.environ.get("LOG_FORMAT") or "json").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "portal.logs.JsonFormatter"},
        "text": {"()": "portal.logs.TextFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": (os.environ.get("LOG_LEVEL") or "INFO").strip().upper()},
    # Django's own handlers (a DEBUG-only console, mail to ADMINS) are replaced: its records reach the root.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}
# The Celery worker keeps this configuration (and so the same formatter) instead of installing its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Webinars: registrations per client address (portal/client_ip.py) and hour; how long registrants' personal
# data is kept after a webinar.
WEBINARS_REGISTRATIONS_PER_HOUR = env_int("WEBINARS_REGISTRATIONS_PER_HOUR", 10)
if os.environ.get("WEBINARS_CLIENT_IP_HEADER"):
    raise ImproperlyConfigured(
        "WEBINARS_CLIENT_IP_HEADER is gone: set TRUSTED_PROXY_COUNT to the number of proxies in front of the portal."
    )
WEBINARS_REGISTRATION_RETENTION_DAYS = env_int("WEBINARS_REGISTRATION_RETENTION_DAYS", 365)

# Open data (opendata/, docs/projects.md): who publishes it and under which licence, and the OCID prefix the
# operator has registered with the Open Contracting Partnership (OCDS; "ocds-" and six characters).
OPEN_DATA_PUBLISHER_NAME = os.environ.get("OPEN_DATA_PUBLISHER_NAME") or "Innovationsupphandlingsportalen"
OPEN_DATA_PUBLISHER_URI = os.environ.get("OPEN_DATA_PUBLISHER_URI") or ""
OPEN_DATA_LICENSE = os.environ.get("OPEN_DATA_LICENSE") or "https://creativecommons.org/publicdomain/zero/1.0/"
OCDS_OCID_PREFIX = os.environ.get("OCDS_OCID_PREFIX") or "ocds-xxxxxx"
# The read API (/api/v1/): requests per client address (portal/client_ip.py) and minute; past it, 429.
OPEN_DATA_API_REQUESTS_PER_MINUTE = env_int("OPEN_DATA_API_REQUESTS_PER_MINUTE", 120)

# Last, after every e-legitimation protocol's block has added its provider: the hash key is required with any.
SECURE_CSP["form-action"] = [CSP.SELF, *EID_FORM_ACTION_ORIGINS]
if not EID_HASH_KEY:
    if SOCIALACCOUNT_PROVIDERS and not (DEBUG or env_bool("TESTING")):
        raise ImproperlyConfigured("EID_HASH_KEY must be set when e-legitimation is configured (docs/eid.md).")
    EID_HASH_KEY = "local-development-only-eid-hash-key"
