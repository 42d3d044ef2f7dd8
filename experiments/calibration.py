"""Calibration experiment for the method's defaults (see docs/methode.md).

Runs the delimitation over a grid of method parameters and measures agreement with the 2024
official perimeters on the calibration urban units (Nice — which includes Cannes-Antibes in
the 2020 delineation —, Toulon, Avignon), and separately on the other PACA urban units the
reference covers (a hold-out the defaults were not chosen on).

    .venv/bin/python experiments/calibration.py [--sortie experiments/calibration.csv]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import pandas as pd

from quartiers.comparison import compare
from quartiers.config import dataset
from quartiers.delimitation import delimit
from quartiers.inputs import load_inputs
from quartiers.parameters import load_rules
from quartiers.perimeters import read_perimeters

CALIBRATION = ["06701", "00757", "00754"]
HOLD_OUT = ["00552", "83501", "04401", "13501", "83502", "83401", "04301", "05401", "00461",
            "13102", "13210", "83309", "84401", "84303", "84205", "84302"]

GRID = {
    "ratio_disponible_declare": ["1.0", "1.1", "1.15", "1.2", "1.225", "1.25", "1.275", "1.3",
                                 "1.35", "1.4"],
    "connexite": ["cote", "coin"],
    "combler_trous": ["0", "4"],
    "combler_ecarts": ["non", "oui"],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sortie", type=Path, default=Path("experiments/calibration.csv"))
    parser.add_argument("--validation-croisee", action="store_true",
                        help="Only the leave-one-UU-out check of the ratio.")
    args = parser.parse_args()
    if args.validation_croisee:
        print(leave_one_out().to_string(index=False))
        return
    inputs = load_inputs()
    ref = read_perimeters(dataset("qpv_2024"))
    rows = []
    keys = list(GRID)
    for values in itertools.product(*(GRID[k] for k in keys)):
        params = dict(zip(keys, values, strict=True))
        rules = load_rules("2024", params)
        result = delimit(inputs.grid, inputs.uus, rules, commune_names=inputs.uus.commune_names)
        row: dict[str, object] = dict(params)
        for label, uus in (("calib", CALIBRATION), ("test", HOLD_OUT)):
            s = compare(result.quartiers, ref, inputs.grid, inputs.uus, uu_codes=uus).summary
            row.update({
                f"{label}_trouves": s["part_qpv_trouves"], f"{label}_precision": s["precision"],
                f"{label}_rappel": s["rappel"], f"{label}_f1": s["f1"],
                f"{label}_nb_calcules": s["nb_quartiers_calcules"],
                f"{label}_nb_ref": s["nb_qpv_reference"],
            })
        rows.append(row)
        print(row, flush=True)
    table = pd.DataFrame(rows).sort_values("calib_f1", ascending=False)
    args.sortie.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.sortie, index=False)
    print(table.head(15).to_string(index=False))


def leave_one_out() -> pd.DataFrame:
    """Choose the ratio on two calibration UUs, measure F1 on the third (other defaults)."""
    inputs = load_inputs()
    ref = read_perimeters(dataset("qpv_2024"))
    ratios = GRID["ratio_disponible_declare"]
    f1 = {}
    for ratio in ratios:
        rules = load_rules("2024", {"ratio_disponible_declare": ratio})
        result = delimit(inputs.grid, inputs.uus, rules)
        for uu in CALIBRATION:
            f1[ratio, uu] = compare(result.quartiers, ref, inputs.grid, inputs.uus,
                                    uu_codes=[uu]).summary["f1"]
    rows = []
    for held in CALIBRATION:
        train = [u for u in CALIBRATION if u != held]
        best = max(ratios, key=lambda r: sum(f1[r, u] for u in train))
        oracle = max(ratios, key=lambda r: f1[r, held])
        rows.append({"uu_test": held, "ratio_choisi": best, "f1_test": f1[best, held],
                     "ratio_optimal_test": oracle, "f1_optimal_test": f1[oracle, held]})
    return pd.DataFrame(rows)


if __name__ == "__main__":
    main()
