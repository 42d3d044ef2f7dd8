"""``quartiers parametres``: the rules in force with units and Légifrance links, the dated
parameters of every file at a date, and the check of the files."""

from __future__ import annotations

import sys

import pytest

import quartiers.cli
from quartiers.cli.progress import console
from quartiers.parameters.usage import unread


def run(args: list[str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["quartiers", *args])
    monkeypatch.setattr(console, "width", 10_000)
    try:
        quartiers.cli.main()
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_rules_in_force(capsys, monkeypatch) -> None:
    code, out = run(["parametres", "--regles", "2014"], capsys, monkeypatch)
    assert code == 0
    assert "Règles : Liste 2015" in out
    assert "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000028636804" in out
    assert ("population_min_quartier = 1000 habitants (depuis le 2014-07-06) : Décret n° "
            "2014-767 du 3 juillet 2014, art. 2, I, 2° — https://www.legifrance.gouv.fr/") in out
    assert "derogation_liste_precedente = False booleen" in out
    assert "connexite = coin texte (depuis le 2014-07-06) : Choix de méthode" in out


def test_dated_parameters_at_a_date(capsys, monkeypatch) -> None:
    code, out = run(["parametres", "--date", "2025-01-01"], capsys, monkeypatch)
    assert code == 0
    assert "eligibilite.tva_distance_qpv = 300.0 metres (depuis le 2024-01-01)" in out
    assert "regles.derogation_liste_precedente = True" in out
    code, out = run(["parametres", "--date", "2023-02-30"], capsys, monkeypatch)
    assert code == 2 and "champ « --date » : date « 2023-02-30 » invalide" in out


def test_check_reports_unread_parameters(capsys, monkeypatch) -> None:
    code, out = run(["parametres", "--verifier"], capsys, monkeypatch)
    missing = unread()
    assert code == (1 if missing else 0)
    assert "conformes au schéma" in out
    for nom in missing:
        assert f"jamais lu par le code : {nom}" in out
