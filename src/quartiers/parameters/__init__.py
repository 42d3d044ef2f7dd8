"""Legal parameters as dated, referenced data (in the manner of OpenFisca).

The delimitation rules live in ``regles.yaml``: legal values (``legislation``) and the
method choices the decree leaves open (``methode``), each with a unit, values by date and a
reference; :mod:`quartiers.parameters.schema` checks every file. :func:`load_rules` reads one
rule set (``"2014"`` or ``"2024"``) at its date and applies scenario overrides, typed by the
schema; the result, :class:`Rules`, is a thin view of the loaded values (``rules.<name>``).
Other domains read their dated parameters by name with :func:`quartiers.parameters.dated.value`.

>>> rules = load_rules("2024")
>>> rules.population_min_quartier
1000
>>> rules.reference("coefficient")
'Décret n° 2014-767 du 3 juillet 2014, art. 4'
>>> load_rules("2024", {"coefficient": "0,55", "population_min_carreau": "0.5"}).overridden
('coefficient', 'population_min_carreau')
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from quartiers.errors import QuartiersError
from quartiers.parameters.catalogue import Dated, Parameter, Reference, catalogue

#: The file of the delimitation rules (``regles.yaml``).
RULES = "regles"

__all__ = ["Reference", "Rules", "load_rules", "parameter_info", "parse_overrides",
           "rule_names", "rule_sets"]


def rule_sets() -> dict[str, str]:
    """Known rule sets and their labels."""
    return {k: j.libelle for k, j in catalogue().jeux[RULES].items()}


def rule_names() -> list[str]:
    """Names of the delimitation parameters, legal ones first, in file order."""
    return [p.cle for p in catalogue().of_file(RULES)]


def _parameter(name: str) -> Parameter:
    found = catalogue().parameters.get(f"{RULES}.{name}")
    if found is None:
        raise QuartiersError(
            f"paramètre « {name} » inconnu (paramètres : {', '.join(sorted(rule_names()))})",
            champ="--param",
        )
    return found


def parameter_info(name: str) -> dict[str, Any]:
    """Label, description, unit, bounds, choices and lock of delimitation parameter
    ``name`` (what a form needs to show it)."""
    p = _parameter(name)
    return {"libelle": p.libelle, "description": p.description, "unite": p.unite,
            "type": p.type, "bornes": list(p.bornes) if p.bornes else None, "choix": p.choix,
            "verrouille": p.verrouille, "methode": p.section == "methode"}


class Rules:
    """The parameters of one delimitation, read as attributes (``rules.coefficient``):
    the values of rule set ``jeu`` at its date, with the overrides of a scenario.

    A thin view of the catalogue: names, types, units and references come from
    ``regles.yaml`` and nowhere else."""

    __slots__ = ("_entries", "_values", "date", "jeu", "libelle", "overridden")

    def __init__(self, jeu: str, libelle: str, date: dt.date, entries: dict[str, Dated],
                 values: dict[str, Any], overridden: tuple[str, ...] = ()) -> None:
        self.jeu, self.libelle, self.date = jeu, libelle, date
        self._entries, self._values, self.overridden = entries, values, overridden

    def __getattr__(self, name: str) -> Any:
        # only called for names that are not attributes: the parameters
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        raise AttributeError(f"paramètre de délimitation « {name} » inconnu")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rules) and (self.jeu, self._values) == (other.jeu,
                                                                          other._values)

    def __hash__(self) -> int:
        return hash((self.jeu, tuple(sorted(self._values.items()))))

    def __repr__(self) -> str:
        changed = ", ".join(f"{k}={self._values[k]!r}" for k in self.overridden)
        return f"Rules({self.jeu!r}{', ' + changed if changed else ''})"

    def names(self) -> list[str]:
        """The parameters, in file order."""
        return list(self._values)

    def parameter(self, name: str) -> Parameter:
        """Description, unit, type and every dated value of parameter ``name``."""
        return _parameter(name)

    def entry(self, name: str) -> Dated:
        """The dated value of the rule set (date of entry into force, reference); an
        override keeps the reference: a scenario on the same law."""
        return self._entries[name]

    def reference(self, name: str) -> str:
        """Title of the reference of parameter ``name``."""
        return self._entries[name].reference.titre

    @property
    def en_vigueur(self) -> dict[str, str]:
        """Date of entry into force of each parameter's value (ISO)."""
        return {k: e.depuis.isoformat() for k, e in self._entries.items()}

    def describe(self) -> list[dict[str, Any]]:
        """One row per parameter: name, value, reference, date, overridden, unit, link."""
        rows = []
        for name, value in self._values.items():
            entry = self._entries[name]
            rows.append({
                "parametre": name, "valeur": value, "reference": entry.reference.titre,
                "en_vigueur_depuis": entry.depuis.isoformat(),
                "modifie": name in self.overridden, "unite": _parameter(name).unite,
                "lien": entry.reference.url,
            })
        return rows


def load_rules(jeu: str = "2024", overrides: dict[str, Any] | None = None) -> Rules:
    """Load rule set ``jeu`` and apply ``overrides`` (name -> value, as text or Python
    values), read with the parameter's type from the schema (French writing accepted:
    ``0,55``, ``5 000 000``, ``oui``) and checked against its bounds and choices."""
    jeux = catalogue().jeux[RULES]
    if jeu not in jeux:
        raise QuartiersError(
            f"jeu de règles « {jeu} » inconnu (disponibles : {', '.join(jeux)})",
            champ="--regles",
        )
    rule_set = jeux[jeu]
    entries = {p.cle: p.at(rule_set.date) for p in catalogue().of_file(RULES)}
    values = {k: e.valeur for k, e in entries.items()}
    changed = []
    for name, raw in (overrides or {}).items():
        p = _parameter(name)
        values[name] = p.parse(raw)  # Python values too: read as their text, same checks
        changed.append(name)
    return Rules(jeu, rule_set.libelle, rule_set.date, entries, values, tuple(sorted(changed)))


def parse_overrides(items: list[str] | None) -> dict[str, str]:
    """Parse ``["nom=valeur", ...]`` from the command line."""
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise QuartiersError(
                f"« {item} » n'est pas de la forme nom=valeur", champ="--param"
            )
        name, value = item.split("=", 1)
        out[name.strip()] = value.strip()
    return out
