#!/usr/bin/env bash
# Front-end libraries of the web application (MapLibre GL JS, axe-core), from the npm
# registry with the lock file, copied into a static folder served by Django: no CDN at run
# time. Idempotent: npm ci only when the lock file changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENDOR=src/quartiers/web/accueil/static/vendor
if ! command -v npm >/dev/null 2>&1; then
  echo "npm absent : installation de nodejs et npm (paquets Debian)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
STAMP=frontend/node_modules/.quartiers-lock
if [ ! -f "$STAMP" ] || ! cmp -s frontend/package-lock.json "$STAMP"; then
  echo "Installation des bibliothèques front-end (npm ci)"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp frontend/package-lock.json "$STAMP"
fi
mkdir -p "$VENDOR/maplibre-gl" "$VENDOR/axe-core"
# the CSP build: its worker is a static file, not a blob: URL (Content-Security-Policy)
cp frontend/node_modules/maplibre-gl/dist/maplibre-gl-csp.js \
   frontend/node_modules/maplibre-gl/dist/maplibre-gl-csp-worker.js \
   frontend/node_modules/maplibre-gl/dist/maplibre-gl.css \
   frontend/node_modules/maplibre-gl/LICENSE.txt "$VENDOR/maplibre-gl/"
cp frontend/node_modules/axe-core/axe.min.js frontend/node_modules/axe-core/LICENSE "$VENDOR/axe-core/"
