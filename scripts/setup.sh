#!/usr/bin/env bash
# Set up everything quartiers needs, idempotently: a project-local virtual environment with
# the package and its Python dependencies, then each step of scripts/setup.d/ (system
# packages, front-end assets...). `--tests` also installs what the test suite needs.
set -euo pipefail
cd "$(dirname "$0")/.."
export QUARTIERS_SETUP_TESTS=0
[ "${1:-}" = "--tests" ] && QUARTIERS_SETUP_TESTS=1

PYTHON_BIN=${PYTHON:-}
if [ -z "$PYTHON_BIN" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && \
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON_BIN=$candidate; break
    fi
  done
fi
[ -n "$PYTHON_BIN" ] || { echo "Python 3.11 introuvable (variable PYTHON pour l'indiquer)." >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "Création de l'environnement virtuel .venv"
  "$PYTHON_BIN" -m venv .venv
fi
echo "Installation des dépendances Python"
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install --quiet -e ".[dev,web]" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import quartiers" || { echo "Installation de quartiers échouée." >&2; exit 1; }
# numba compiles the lookup kernels once and caches them (about 30 s the first time)
echo "Compilation des noyaux de vérification (numba, une fois pour toutes)"
.venv/bin/python -c "from quartiers.eligibility.index import compile_kernels; compile_kernels()
from quartiers.io.csv_records import compile_kernels as c; c()"

for step in scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  bash "$step"
done
