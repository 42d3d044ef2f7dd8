"""Django settings, all in one place, configured by environment variables.

- ``QUARTIERS_DATABASE_URL``: ``sqlite:///chemin`` (default: ``var/quartiers.sqlite3``) or
  ``postgresql://user:password@host:port/name``;
- ``QUARTIERS_SECRET_KEY`` (else a key generated once in the var directory, see
  :mod:`quartiers.web.secret`), ``QUARTIERS_DEBUG`` (``1``/``0``), ``QUARTIERS_ALLOWED_HOSTS``;
- ``QUARTIERS_HTTPS`` (``1`` when served over HTTPS: secure cookies, HSTS, redirect to HTTPS);
- ``QUARTIERS_PROXIES``: number of reverse proxies of ours in front of the application
  (``X-Forwarded-For``, ``X-Forwarded-Proto``; 0, the default, trusts no such header);
- ``QUARTIERS_DATA``: the data directory (see :mod:`quartiers.config`).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from quartiers.web.secret import cle_secrete

BASE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BASE_DIR.parents[2]
VAR_DIR = Path(os.environ.get("QUARTIERS_VAR", PROJECT_ROOT / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite database, media, static files

DEBUG = os.environ.get("QUARTIERS_DEBUG", "0") == "1"
SECRET_KEY = cle_secrete(VAR_DIR)
ALLOWED_HOSTS = os.environ.get(
    "QUARTIERS_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver"
).split(",")


def _database(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        name = unquote(parsed.path[1:] if url.startswith("sqlite:///") else parsed.path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name or ":memory:",
            # The batch worker thread writes while pages read: WAL lets readers go on, the
            # busy timeout makes a writer wait instead of failing, IMMEDIATE takes the write
            # lock at the start of a transaction (no upgrade deadlock).
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # Tests on a file, like production: an in-memory shared-cache database raises
            # "database table is locked" at once when the worker thread and a request meet.
            "TEST": {"NAME": str(VAR_DIR / "test-quartiers.sqlite3")},
        }
    if parsed.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parsed.path.lstrip("/"),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
        }
    raise ValueError(f"QUARTIERS_DATABASE_URL non reconnue : {url}")


DATABASES = {
    "default": {
        **_database(os.environ.get("QUARTIERS_DATABASE_URL",
                                   f"sqlite:///{VAR_DIR / 'quartiers.sqlite3'}")),
        # one connection per worker thread, kept between requests (opening one and setting
        # its pragmas cost more than an API lookup); checked before reuse
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "dsfr",
    "simple_history",
    # register apps (quartiers.registre.*) are added below this line
    "quartiers.registre.territoires",
    "quartiers.registre.contrats",
    "quartiers.registre.financements",
    "quartiers.registre.npnru",
    "quartiers.registre.comptes",
    "quartiers.registre.echanges",
    # web application apps (quartiers.web.*) are added below this line
    "quartiers.web.accueil",
    "quartiers.web.carte",
    "quartiers.web.fiches",
    "quartiers.web.geographie",
    "quartiers.web.verification",
    "quartiers.web.api",
    "ninja",  # serves the API docs (Swagger UI) from local static files, no CDN
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "quartiers.web.csp.CspMiddleware",  # before WhiteNoise: static files get the policy too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "quartiers.web.garde.RefusCaractereNul",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "quartiers.web.urls"
WSGI_APPLICATION = "quartiers.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dsfr.context_processors.site_config",
                "quartiers.web.accueil.contexte.gabarit",
            ],
        },
    },
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Login throttling on every login path (register, admin): see quartiers.registre.comptes.
AUTHENTICATION_BACKENDS = ["quartiers.registre.comptes.throttling.ThrottledModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/connexion/"

HTTPS = os.environ.get("QUARTIERS_HTTPS", "0") == "1"
# Reverse proxies of ours in front of the application (quartiers.web.reseau): only then are
# X-Forwarded-For (client address) and X-Forwarded-Proto (HTTPS) believed.
PROXIES_DE_CONFIANCE = int(os.environ.get("QUARTIERS_PROXIES", "0") or 0)
if PROXIES_DE_CONFIANCE > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Messages live in the session, on the server: a client cannot make the site show its text.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Every unhandled exception reaches the server log (stderr, i.e. gunicorn's log) with its
# traceback, DEBUG or not; 4xx answers are left to the access log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "serveur": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "serveur"},
    },
    "loggers": {
        "django": {"handlers": ["stderr"], "level": "WARNING", "propagate": True},
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "quartiers": {"handlers": ["stderr"], "level": os.environ.get(
            "QUARTIERS_LOGLEVEL", "INFO").upper(), "propagate": False},
    },
}

# web application settings (quartiers.web.*, see docs/web.md)
# Base map: a raster tile URL template ({z}/{x}/{y}) and its attribution. Empty (the default,
# this machine is offline): no tiles, the map draws the commune outlines and names from the
# data directory. The State's standard is IGN's Plan IGN (docs/web.md gives the URL).
FOND_CARTE_URL = os.environ.get("QUARTIERS_FOND_CARTE", "")
FOND_CARTE_ATTRIBUTION = os.environ.get("QUARTIERS_FOND_CARTE_ATTRIBUTION", "")
FOND_CARTE_ZOOM_MAX = int(os.environ.get("QUARTIERS_FOND_CARTE_ZOOM_MAX", "19") or 19)
# Who runs this service and how to reach them (footer, accessibility statement).
EXPLOITANT = os.environ.get("QUARTIERS_EXPLOITANT", "")
CONTACT = os.environ.get("QUARTIERS_CONTACT", "")
# Public lookup rate limit per client IP address, shared by every worker through the
# database (requests per minute; 0: no limit).
LIMITE_VERIFICATION_PAR_MINUTE = int(os.environ.get("QUARTIERS_LIMITE_VERIFICATION", "600"))
# Batch lookups: largest uploaded file (bytes) and whether the web server runs the worker
# thread itself (set 0 when `python -m quartiers.web traiter_lots` runs as its own service).
LOTS_TAILLE_MAX = int(os.environ.get("QUARTIERS_LOTS_TAILLE_MAX", str(200 * 1024 * 1024)))
LOTS_TRAITEMENT_INTEGRE = os.environ.get("QUARTIERS_LOTS_TRAITEMENT_INTEGRE", "1") == "1"
# Batch files are read in a child process under these limits (data rows, seconds of work,
# bytes of address space); a file beyond them fails with its reason, the server goes on.
LOTS_LIGNES_MAX = int(os.environ.get("QUARTIERS_LOTS_LIGNES_MAX", "1000000"))
LOTS_DUREE_MAX = float(os.environ.get("QUARTIERS_LOTS_DUREE_MAX", "900"))
LOTS_MEMOIRE_MAX = int(os.environ.get("QUARTIERS_LOTS_MEMOIRE_MAX", str(3 * 1024**3)))
# Anonymous uploads: files in progress at once and bytes per hour for one client address;
# every job's files are deleted after the retention period (days; accounts keep longer).
LOTS_ANONYMES_EN_COURS_MAX = int(os.environ.get("QUARTIERS_LOTS_ANONYMES_EN_COURS_MAX", "2"))
LOTS_ANONYMES_OCTETS_HEURE = int(os.environ.get("QUARTIERS_LOTS_ANONYMES_OCTETS_HEURE",
                                                str(50 * 1024 * 1024)))
LOTS_CONSERVATION_JOURS_ANONYMES = int(os.environ.get("QUARTIERS_LOTS_CONSERVATION_ANONYMES",
                                                      "7"))
LOTS_CONSERVATION_JOURS_COMPTES = int(os.environ.get("QUARTIERS_LOTS_CONSERVATION_COMPTES",
                                                     "30"))
# Geocoder of the pages and the API: empty for the embedded one (its index in var/adresses,
# built from the data directory on first use), or addok:URL.
GEOCODEUR = os.environ.get("QUARTIERS_GEOCODEUR", "")
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
WHITENOISE_USE_FINDERS = DEBUG
