#!/usr/bin/env bash
# The register's tests (and the web application's, when present) on a real PostgreSQL
# server: installs the Debian packages when missing, creates a throwaway cluster in a
# temporary folder, starts it on a loopback port, runs pytest against it, stops it on exit.
# The main pytest run (scripts/test.sh) covers SQLite.
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT=${QUARTIERS_PG_PORT:-55432}

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
PGBIN=$(find_bin || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "Installation de PostgreSQL (paquets Debian)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  PGBIN=$(find_bin)
fi
[ -x "$PGBIN/initdb" ] || { echo "initdb introuvable après installation" >&2; exit 1; }

as_postgres() {
  if [ "$(id -u)" = "0" ]; then
    if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"
    else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  else
    "$@"
  fi
}

WORK=$(mktemp -d /tmp/quartiers-pg.XXXXXX)
chmod 755 "$WORK"
[ "$(id -u)" = "0" ] && chown postgres "$WORK"
DATA="$WORK/data"

stop() {
  as_postgres "$PGBIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap stop EXIT

as_postgres "$PGBIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
  >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; exit 1; }
as_postgres "$PGBIN/pg_ctl" -D "$DATA" -l "$WORK/server.log" -w -t 60 \
  -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres quartiers

export QUARTIERS_DATABASE_URL="postgresql://postgres@127.0.0.1:$PORT/quartiers"
export QUARTIERS_DATA=${QUARTIERS_DATA:-$(cd .. && pwd)/shared/data}
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') sur le port $PORT"
.venv/bin/python -m quartiers.web migrate --noinput -v 0
# Arguments (optional): the test paths; default: the register's and the web application's.
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(tests/registre)
  [ -d tests/web ] && targets+=(tests/web)
fi
.venv/bin/python -m pytest "${targets[@]}" -q -p no:cacheprovider
