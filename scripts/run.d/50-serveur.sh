#!/usr/bin/env bash
# Last step of the quick start: serve the web application on http://127.0.0.1:8000 with the
# embedded default (SQLite in var/, the bundled data of QUARTIERS_DATA, the demo register),
# with the production server (gunicorn, scripts settings in quartiers/web/gunicorn_conf.py).
# Runs in the foreground until Ctrl-C. QUARTIERS_NO_SERVE=1 prepares everything but does not
# serve (used by tests and CI).
set -euo pipefail
cd "$(dirname "$0")/../.."
export QUARTIERS_DATA=${QUARTIERS_DATA:-$(cd .. && pwd)/shared/data}
export DJANGO_SETTINGS_MODULE=quartiers.web.settings
PY=.venv/bin/python
mkdir -p var
echo "== Application web : base de données, données de référence, registre"
$PY -m quartiers.web migrate --noinput -v 0
if $PY -m quartiers.web help charger_contrats_anct >/dev/null 2>&1; then
  # real records: the ANCT contracts 2015-2023 and the posts funded in 2023 (re-run: update)
  $PY -m quartiers.web charger_contrats_anct --wet-run --rapport "${QUARTIERS_VAR:-var}/chargement-anct.csv"
  # demonstration records only where no real data exists (2024 contracts, NPNRU)
  $PY -m quartiers.web charger_demo
else
  echo "(registre absent : contrats non chargés)"
fi
$PY -m quartiers.web collectstatic --noinput -v 0
HOST=${QUARTIERS_HOST:-127.0.0.1}
PORT=${QUARTIERS_PORT:-8000}
echo
if [ -z "${QUARTIERS_SECRET_KEY:-}" ]; then
  # settings.py creates it on first start (mode 0600); sessions depend on it: back it up
  echo "Clé secrète : ${QUARTIERS_VAR:-var}/cle-secrete (créée au premier démarrage, à sauvegarder avec la base)"
fi
echo "Application : http://$HOST:$PORT/"
echo "API : http://$HOST:$PORT/api/v1/docs"
$PY - <<'PYEOF'
import django
django.setup()
try:
    from quartiers.registre.echanges.demonstration import COMPTES, MOT_DE_PASSE_DEMO
except ImportError:
    COMPTES, MOT_DE_PASSE_DEMO = {}, ""
if COMPTES:
    print(f"Comptes de démonstration (mot de passe « {MOT_DE_PASSE_DEMO} ») :")
    for username, spec in COMPTES.items():
        print(f"  {username:<16} {spec[-1]}")
PYEOF
if [ "${QUARTIERS_NO_SERVE:-0}" = "1" ]; then
  exit 0
fi
export QUARTIERS_BIND="$HOST:$PORT"
echo "Serveur en cours d'exécution sur http://$HOST:$PORT/ (Ctrl-C pour arrêter)"
exec .venv/bin/gunicorn -c python:quartiers.web.gunicorn_conf quartiers.web.wsgi
