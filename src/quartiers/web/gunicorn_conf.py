"""Production server configuration (gunicorn), used by scripts/run.d/50-serveur.sh and the
bench: ``gunicorn -c python:quartiers.web.gunicorn_conf quartiers.web.wsgi``.

Environment: ``QUARTIERS_BIND`` (default ``127.0.0.1:8000``), ``QUARTIERS_WORKERS`` (default
number of CPUs), ``QUARTIERS_THREADS`` (default 2, gthread workers with keep-alive).
The application and the geographic data are loaded once in the master process
(``preload_app``) and shared by the forked workers.
"""

from __future__ import annotations

import os
from typing import Any

bind = os.environ.get("QUARTIERS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("QUARTIERS_WORKERS", str(os.cpu_count() or 1)))
worker_class = os.environ.get("QUARTIERS_WORKER_CLASS", "gthread")
threads = int(os.environ.get("QUARTIERS_THREADS", "2"))
keepalive = 5
timeout = 120
preload_app = True
accesslog = os.environ.get("QUARTIERS_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("QUARTIERS_LOGLEVEL", "warning")


def when_ready(server: Any) -> None:
    from django.db import connections

    try:
        if os.environ.get("QUARTIERS_PRECHAUFFER", "1") == "1":
            from quartiers.web import demarrage

            demarrage.prechauffer()
    except Exception as e:  # the pages will report the missing data themselves
        server.log.warning("préchargement des données impossible : %s", e)
    finally:
        # connections are kept between requests (CONN_MAX_AGE): none opened here may be
        # inherited by the forked workers, which would share its socket or file
        connections.close_all()
