#!/usr/bin/env bash
# Quick start, command 2: set up (with the test tools) and run the whole test suite:
# ruff, mypy, pytest, then each step of scripts/test.d/ (e.g. the register's tests on a real
# PostgreSQL server that the step installs and starts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
export QUARTIERS_DATA=${QUARTIERS_DATA:-$(cd .. && pwd)/shared/data}
echo "== ruff"
.venv/bin/ruff check src tests bench
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest -n 2 -q
for step in scripts/test.d/*.sh; do
  [ -e "$step" ] || continue
  echo "== $step"
  bash "$step"
done
