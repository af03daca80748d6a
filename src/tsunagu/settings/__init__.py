"""The one settings module: everything comes from the environment (12-factor).

Secrets that are not given in the environment are generated on first run into
``$TSUNAGU_VAR_DIR/secrets.json`` (git-ignored), so a fresh clone runs with no setup.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TSUNAGU_VAR_DIR", Path.cwd() / "var")).resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _load_or_create_secrets(path: Path) -> dict[str, str]:
    """Read var/secrets.json, adding any secret that is missing (0600, never committed)."""
    wanted: dict[str, Callable[[], str]] = {
        "SECRET_KEY": lambda: secrets.token_urlsafe(50),
        # 32 random bytes for AES-256-GCM, used for 個人番号 at rest.
        "MYNUMBER_KEY": lambda: secrets.token_hex(32),
    }
    data: dict[str, str] = {}
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
    missing = {k: make() for k, make in wanted.items() if k not in data}
    if missing:
        data.update(missing)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        tmp.chmod(0o600)
        tmp.replace(path)
    return data


_generated = (
    _load_or_create_secrets(VAR_DIR / "secrets.json")
    if not (os.environ.get("TSUNAGU_SECRET_KEY") and os.environ.get("TSUNAGU_MYNUMBER_KEY"))
    else {}
)

SECRET_KEY = os.environ.get("TSUNAGU_SECRET_KEY") or _generated["SECRET_KEY"]
TSUNAGU_MYNUMBER_KEY = os.environ.get("TSUNAGU_MYNUMBER_KEY") or _generated["MYNUMBER_KEY"]
DEBUG = _env_bool("TSUNAGU_DEBUG")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("TSUNAGU_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
# The residents' site as mail links name it (mail has no request to take a host from),
# e.g. https://shinsei.city.example.jp; empty: the first allowed host (make run: :8000).
TSUNAGU_PUBLIC_URL = os.environ.get("TSUNAGU_PUBLIC_URL", "").rstrip("/")
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("TSUNAGU_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "tsunagu.core",
    "tsunagu.audit",
    "tsunagu.procedures",
    "tsunagu.accounts",
    "tsunagu.applications",
    "tsunagu.casework",
    "tsunagu.casework.corrections",
    "tsunagu.casework.approvals",
    "tsunagu.casework.notices",
    "tsunagu.casework.exports",
    "tsunagu.casework.counter",
    "tsunagu.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tsunagu.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tsunagu.accounts.middleware.ResidentMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tsunagu.urls"
WSGI_APPLICATION = "tsunagu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "tsunagu.portal.context_processors.portal",
            ],
        },
    }
]

DATABASES: dict[str, Any] = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tsunagu.sqlite3'}"),
        conn_max_age=int(os.environ.get("TSUNAGU_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the task worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Under pytest (which sets PYTEST_VERSION) tasks run at once, after commit, in-process.
_TESTING = "PYTEST_VERSION" in os.environ
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TSUNAGU_TASKS_BACKEND",
            "django.tasks.backends.immediate.ImmediateBackend"
            if _TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
    }
}

# Language: Japanese is the source language; English and easy Japanese are catalogs.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("ja-easy", "やさしい日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "tsunagu_lang"
LANGUAGE_COOKIE_SECURE = _env_bool("TSUNAGU_SECURE_COOKIES")
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "files"  # private: never served directly, only through access checks
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

SESSION_COOKIE_NAME = "tsunagu_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("TSUNAGU_SECURE_COOKIES")
CSRF_COOKIE_SECURE = _env_bool("TSUNAGU_SECURE_COOKIES")
# Resident sessions: logged out after this many idle minutes (a warning comes first;
# drafts stay saved) and at the latest this many hours after login.
TSUNAGU_SESSION_IDLE_MINUTES = int(os.environ.get("TSUNAGU_SESSION_IDLE_MINUTES", "30"))
TSUNAGU_SESSION_ABSOLUTE_HOURS = int(os.environ.get("TSUNAGU_SESSION_ABSOLUTE_HOURS", "12"))
SESSION_COOKIE_AGE = TSUNAGU_SESSION_ABSOLUTE_HOURS * 60 * 60
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Mail: a file backend under var/ for local use, SMTP when TSUNAGU_EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = os.environ.get("TSUNAGU_EMAIL_FROM", "no-reply@city.example.jp")
if os.environ.get("TSUNAGU_EMAIL_HOST"):
    MAILERS: dict[str, Any] = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["TSUNAGU_EMAIL_HOST"],
                "port": int(os.environ.get("TSUNAGU_EMAIL_PORT", "25")),
                "username": os.environ.get("TSUNAGU_EMAIL_USER", ""),
                "password": os.environ.get("TSUNAGU_EMAIL_PASSWORD", ""),
                "use_tls": _env_bool("TSUNAGU_EMAIL_TLS"),
                "timeout": 20,
            },
        }
    }
elif os.environ.get("TSUNAGU_EMAIL_BACKEND"):
    MAILERS = {"default": {"BACKEND": os.environ["TSUNAGU_EMAIL_BACKEND"]}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }

# The city this deployment serves: every city-specific value is configuration.
TSUNAGU_CITY = {
    "name_ja": os.environ.get("TSUNAGU_CITY_NAME", "ひたちなか市"),
    "name_en": os.environ.get("TSUNAGU_CITY_NAME_EN", "Hitachinaka City"),
    "lg_code": os.environ.get("TSUNAGU_CITY_LG_CODE", "082210"),
    "prefecture": os.environ.get("TSUNAGU_CITY_PREFECTURE", "茨城県"),
    "receipt_prefix": os.environ.get("TSUNAGU_RECEIPT_PREFIX", "HN"),
    "phone": os.environ.get("TSUNAGU_CITY_PHONE", "029-273-0111"),
    # The mayor's name as printed on notices (「ひたちなか市長 〇〇 〇〇」); empty: the title only.
    "mayor": os.environ.get("TSUNAGU_CITY_MAYOR", ""),
}
TSUNAGU_AUTH_PLUGINS = [
    p.strip() for p in os.environ.get("TSUNAGU_AUTH_PLUGINS", "demo").split(",") if p.strip()
]
TSUNAGU_DEMO_AUTH = _env_bool("TSUNAGU_DEMO_AUTH")
# Electronic signatures: the JPKI 署名用 root certificates to trust (PEM or DER files,
# comma-separated), a folder of current CRL/ARL files (kept fresh by the city's task),
# and the signing plugin ("demo" signs with a software card while the demo login is on).
TSUNAGU_JPKI_TRUST_ANCHORS = [
    p.strip() for p in os.environ.get("TSUNAGU_JPKI_TRUST_ANCHORS", "").split(",") if p.strip()
]
TSUNAGU_JPKI_CRL_DIR = os.environ.get("TSUNAGU_JPKI_CRL_DIR", str(VAR_DIR / "jpki-crl"))
TSUNAGU_JPKI_CRL_SOURCES = [
    s.strip() for s in os.environ.get("TSUNAGU_JPKI_CRL_SOURCES", "").split(",") if s.strip()
]
TSUNAGU_SIGNING_PLUGIN = os.environ.get("TSUNAGU_SIGNING_PLUGIN", "demo")
TSUNAGU_UPLOAD_MAX_BYTES = int(os.environ.get("TSUNAGU_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
TSUNAGU_CATALOG_DIR = Path(
    os.environ.get("TSUNAGU_CATALOG_DIR", BASE_DIR / "procedures" / "catalog")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TSUNAGU_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- OpenID Connect (accounts.oidc) ---
# One block of TSUNAGU_DAA_* (デジタル認証アプリ) and TSUNAGU_OIDC_* (generic provider)
# variables each: ISSUER (discovery), CLIENT_ID, REDIRECT_URI (default: derived from the
# request), SCOPE, ACR_VALUES, REQUIRED_ACR, CLOCK_SKEW, HTTP_TIMEOUT, SIGN, and the
# explicit endpoints AUTHORIZE_URL, TOKEN_URL, USERINFO_URL, JWKS_URL (override discovery).


def _oidc_provider(
    prefix: str, *, scope: str, acr_values: str, required_acr: str
) -> dict[str, Any]:
    def env(name: str, default: str = "") -> str:
        return os.environ.get(prefix + name, default).strip()

    return {
        "issuer": env("ISSUER"),
        "client_id": env("CLIENT_ID"),
        "redirect_uri": env("REDIRECT_URI"),
        "scope": env("SCOPE", scope),
        "acr_values": env("ACR_VALUES", acr_values),
        "required_acr": env("REQUIRED_ACR", required_acr),
        "authorize_url": env("AUTHORIZE_URL"),
        "token_url": env("TOKEN_URL"),
        "userinfo_url": env("USERINFO_URL"),
        "jwks_url": env("JWKS_URL"),
        "skew": int(env("CLOCK_SKEW", "120")),
        "timeout": float(env("HTTP_TIMEOUT", "10")),
        "sign": _env_bool(prefix + "SIGN"),
        "sign_redirect_uri": env("SIGN_REDIRECT_URI"),
        "sign_transactions_url": env("SIGN_TRANSACTIONS_URL"),
    }


TSUNAGU_OIDC_PROVIDERS: dict[str, dict[str, Any]] = {
    "digital-auth-app": _oidc_provider(
        "TSUNAGU_DAA_",
        scope="openid name address birthdate gender",
        acr_values="aal3 crl",
        required_acr="aal3",
    ),
    "oidc": _oidc_provider(
        "TSUNAGU_OIDC_", scope="openid profile email", acr_values="", required_acr=""
    ),
}
# Algorithm of new client keys (var/oidc/keys/): ES256 (P-256) or RS256 (RSA-3072).
TSUNAGU_OIDC_KEY_ALG = os.environ.get("TSUNAGU_OIDC_KEY_ALG", "ES256")
# Staff login: per-address lockout (accounts.staff_services): MAX_FAILURES failed
# entries from one address (an IPv6 /64) within WINDOW minutes block it for BLOCK minutes.
TSUNAGU_STAFF_IP_MAX_FAILURES = int(os.environ.get("TSUNAGU_STAFF_IP_MAX_FAILURES", "20"))
TSUNAGU_STAFF_IP_WINDOW_MINUTES = int(os.environ.get("TSUNAGU_STAFF_IP_WINDOW_MINUTES", "15"))
TSUNAGU_STAFF_IP_BLOCK_MINUTES = int(os.environ.get("TSUNAGU_STAFF_IP_BLOCK_MINUTES", "30"))
TSUNAGU_STAFF_IP_CACHE = os.environ.get("TSUNAGU_STAFF_IP_CACHE", "default")
# Staff single sign-on (accounts.oidc.staff): the generic plugin with TSUNAGU_STAFF_OIDC_*
# (the same variables as above: ISSUER, CLIENT_ID, REDIRECT_URI, SCOPE, ...), the claim that
# names the member of staff (preferred_username -> user name, email -> e-mail address),
# and whether the provider's MFA (amr / acr) replaces our TOTP (default: TOTP still asked).
TSUNAGU_OIDC_PROVIDERS["staff-oidc"] = _oidc_provider(
    "TSUNAGU_STAFF_OIDC_", scope="openid profile email", acr_values="", required_acr=""
)
TSUNAGU_STAFF_OIDC_CLAIM = os.environ.get("TSUNAGU_STAFF_OIDC_CLAIM", "preferred_username")
TSUNAGU_STAFF_OIDC_TRUST_MFA = _env_bool("TSUNAGU_STAFF_OIDC_TRUST_MFA")
TSUNAGU_STAFF_OIDC_MFA_AMR = tuple(
    a.strip()
    for a in os.environ.get("TSUNAGU_STAFF_OIDC_MFA_AMR", "mfa,otp,hwk,sc,fido,swk").split(",")
    if a.strip()
)
TSUNAGU_STAFF_OIDC_MFA_ACR = os.environ.get("TSUNAGU_STAFF_OIDC_MFA_ACR", "")
# --- end OpenID Connect (accounts.oidc) ---

# --- Notices (casework.notices): the city's e-seal (eシール) that signs them; docs/notices.md ---
# The key and certificate as PEM files, or one PKCS#12 file; the passphrase of either; the
# intermediate certificates; the root certificates a notice's signature is verified
# against (comma-separated); an RFC 3161 time-stamp authority (PAdES-B-T). With no key
# configured, a DEMO e-seal (and a local demo TSA) is generated under var/demo-eseal/.
TSUNAGU_ESEAL: dict[str, Any] = {
    "key": os.environ.get("TSUNAGU_ESEAL_KEY", ""),
    "cert": os.environ.get("TSUNAGU_ESEAL_CERT", ""),
    "pkcs12": os.environ.get("TSUNAGU_ESEAL_PKCS12", ""),
    "passphrase": os.environ.get("TSUNAGU_ESEAL_PASSPHRASE", ""),
    "chain": [p.strip() for p in os.environ.get("TSUNAGU_ESEAL_CHAIN", "").split(",") if p.strip()],
    "trust_roots": [
        p.strip() for p in os.environ.get("TSUNAGU_ESEAL_TRUST_ROOTS", "").split(",") if p.strip()
    ],
    "tsa_url": os.environ.get("TSUNAGU_ESEAL_TSA_URL", ""),
    "demo_dir": VAR_DIR / "demo-eseal",
}
# TrueType Japanese fonts embedded in notices (Debian's fonts-ipaexfont by default).
TSUNAGU_NOTICE_FONTS = {
    "mincho": os.environ.get(
        "TSUNAGU_NOTICE_FONT_MINCHO", "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"
    ),
    "gothic": os.environ.get(
        "TSUNAGU_NOTICE_FONT_GOTHIC", "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
    ),
}
# --- end Notices ---
