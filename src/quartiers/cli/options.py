"""Options that several ``quartiers`` sub-commands take, declared once so that each reads the
same everywhere, and the parsing of comma-separated option values.

An option's name is its parameter's (``unites_urbaines`` -> ``--unites-urbaines``); only
flags name themselves, so that Typer adds no ``--no-`` form.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from quartiers.inputs import Inputs, load_inputs
from quartiers.parameters import Rules, load_rules, parse_overrides

Regles = Annotated[str, typer.Option(help="Jeu de règles : 2014 ou 2024.")]
Param = Annotated[
    list[str] | None,
    typer.Option(help="Paramètre modifié pour un scénario, ex. coefficient=0.55."),
]
DossierSortie = Annotated[Path, typer.Option(help="Dossier des résultats.")]

# the delimitation's inputs; absent, the data directory's (quartiers.inputs)
Carroyage = Annotated[Path | None, typer.Option(help="Carroyage Filosofi (CSV, GPKG ou Parquet).")]
UnitesUrbaines = Annotated[
    Path | None, typer.Option(help="Composition des unités urbaines (XLSX INSEE).")]
RevenusUU = Annotated[
    Path | None, typer.Option(help="Revenus Filosofi par unité urbaine (CSV INSEE).")]
RevenusNat = Annotated[
    Path | None, typer.Option(help="Revenus Filosofi de la France métropolitaine (CSV).")]


def comma_list(text: str | None) -> list[str]:
    """The non-empty items of ``a, b,c`` (an absent option gives none)."""
    return [item.strip() for item in (text or "").split(",") if item.strip()]


@dataclass(frozen=True)
class Scenario:
    """A delimitation run as the command line describes it: a rule set, its ``--param``
    overrides and the input files (absent, the data directory's)."""

    regles: str
    param: list[str] | None
    carroyage: Path | None
    unites_urbaines: Path | None
    revenus_uu: Path | None
    revenus_nat: Path | None

    def rules(self, changes: dict[str, str] | None = None) -> Rules:
        """The rules with the scenario's overrides, and ``changes`` over them."""
        return load_rules(self.regles, {**parse_overrides(self.param), **(changes or {})})

    def inputs(self, rules: Rules) -> Inputs:
        """The grid (of the rules' square side) and the urban units."""
        return load_inputs(self.carroyage, self.unites_urbaines, self.revenus_uu,
                           self.revenus_nat, resolution=rules.cote_carreau)


def _scenario(
    regles: Regles = "2024",
    carroyage: Carroyage = None,
    unites_urbaines: UnitesUrbaines = None,
    revenus_uu: RevenusUU = None,
    revenus_nat: RevenusNat = None,
    param: Param = None,
) -> Scenario:
    return Scenario(regles, param, carroyage, unites_urbaines, revenus_uu, revenus_nat)


def with_scenario(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` the options of :func:`_scenario` in place of its ``scenario``
    parameter, which then receives them as one :class:`Scenario`.

    Typer reads a command's options from its signature: the wrapper shows the options where
    ``scenario`` stood (so that ``--help`` lists them in that order).
    """
    own = inspect.signature(command, eval_str=True)
    shared = inspect.signature(_scenario, eval_str=True).parameters
    params: list[inspect.Parameter] = []
    for p in own.parameters.values():
        params.extend([q.replace(kind=p.kind) for q in shared.values()]
                      if p.name == "scenario" else [p])

    @functools.wraps(command)
    def run(**options: Any) -> None:
        command(scenario=_scenario(**{name: options.pop(name) for name in shared}), **options)

    run.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
    return run
