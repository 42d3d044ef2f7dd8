#!/usr/bin/env bash
# Quick start, command 1: set up, check the data, delimit the QPVs of the bundled real data
# under the 2024 rules, write the outputs into sorties/2024.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QUARTIERS_DATA=${QUARTIERS_DATA:-$(cd .. && pwd)/shared/data}
.venv/bin/quartiers donnees
.venv/bin/quartiers adresses indexer --reference
.venv/bin/quartiers delimiter --regles 2024 --sortie sorties/2024 --carreaux
.venv/bin/quartiers comparer sorties/2024/quartiers.gpkg \
  --reference "$QUARTIERS_DATA/qpv-2024/qpv-2024-paca-hors-marseille-aix.geojson" \
  --uu 06701,00757,00754 --sortie sorties/2024/comparaison
for step in scripts/run.d/*.sh; do
  [ -e "$step" ] || continue
  bash "$step"
done
