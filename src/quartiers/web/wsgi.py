"""WSGI entry point (production: gunicorn quartiers.web.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartiers.web.settings")
application = get_wsgi_application()
