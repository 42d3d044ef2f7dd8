"""Legal parameters as dated, referenced data (in the manner of OpenFisca).

The values live in ``regles.yaml``. :func:`load_rules` selects one rule set (``"2014"`` or
``"2024"``) and applies scenario overrides; the result is a :class:`Rules` object whose
values carry their legal reference.

>>> rules = load_rules("2024")
>>> rules.population_min_quartier
1000
>>> rules.reference("coefficient")
'Décret n° 2014-767 du 3 juillet 2014, art. 4'
>>> load_rules("2024", {"coefficient": "0.55"}).coefficient
0.55
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, fields, replace
from functools import cache
from importlib import resources
from typing import Any

import yaml

from quartiers.errors import QuartiersError

RULES_FILE = "regles.yaml"


@cache
def _raw() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(RULES_FILE).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def rule_sets() -> dict[str, str]:
    """Known rule sets and their labels."""
    return {k: v["libelle"] for k, v in _raw()["jeux"].items()}


def _value_at(spec: dict[str, Any], date: dt.date) -> tuple[Any, str, str]:
    """Value in force at ``date``, its reference and its start date."""
    valid = sorted(
        (dt.date.fromisoformat(d), v) for d, v in spec["valeurs"].items()
    )
    chosen = None
    for start, v in valid:
        if start <= date:
            chosen = (v["valeur"], v["reference"], start.isoformat())
    if chosen is None:
        raise QuartiersError(f"aucune valeur en vigueur au {date.isoformat()}")
    return chosen


@dataclass(frozen=True)
class Rules:
    """Parameters of one delimitation: the legal values and the method choices."""

    jeu: str
    libelle: str
    # legislation
    population_min_uu: int
    arrondi_population_uu: int
    population_min_quartier: int
    coefficient: float
    poids_national: float
    poids_national_grande_uu: float
    seuil_grande_uu: int
    arrondi_seuil: int
    derogation_liste_precedente: bool
    cote_carreau: int
    millesime_revenus: str
    zonage_uu: str
    # method
    statistique: str
    calibration_moyenne_mediane: str
    couverture_min_uu: float
    ratio_moyenne_mediane: float
    ratio_disponible_declare: float
    connexite: str
    combler_trous: int
    combler_ecarts: bool
    lissage: int
    population_min_carreau: float
    references: dict[str, str] = field(default_factory=dict, compare=False)
    en_vigueur: dict[str, str] = field(default_factory=dict, compare=False)
    overridden: tuple[str, ...] = ()

    def reference(self, name: str) -> str:
        """Legal reference of parameter ``name`` (or "choix de méthode")."""
        return self.references.get(name, "choix de méthode (docs/methode.md)")

    def describe(self) -> list[dict[str, Any]]:
        """One row per parameter: name, value, reference, overridden flag."""
        rows = []
        for f in fields(self):
            if f.name in _META:
                continue
            rows.append(
                {
                    "parametre": f.name,
                    "valeur": getattr(self, f.name),
                    "reference": self.reference(f.name),
                    "en_vigueur_depuis": self.en_vigueur.get(f.name, ""),
                    "modifie": f.name in self.overridden,
                }
            )
        return rows


_META = {"jeu", "libelle", "references", "en_vigueur", "overridden"}
_CHOICES = {
    "statistique": ("auto", "moyenne", "mediane"),
    "connexite": ("cote", "coin"),
    "calibration_moyenne_mediane": ("uu", "fixe"),
}


def parameter_info(name: str) -> dict[str, Any]:
    """Label, description, unit and bounds of parameter ``name`` (as in regles.yaml)."""
    raw = _raw()
    spec = raw["legislation"].get(name) or raw["methode"].get(name) or {}
    return {"libelle": spec.get("libelle", name), "description": spec.get("description", ""),
            "unite": spec.get("unite", ""), "bornes": spec.get("bornes"),
            "choix": _CHOICES.get(name, ())}


def _nombre(name: str, raw: Any) -> float:
    """A finite number within the parameter's bounds; French writing accepted (``0,55``,
    ``5 000 000``)."""
    text = str(raw).strip()
    for space in (" ", "\u00a0", "\u202f", "_"):
        text = text.replace(space, "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text) if len(text) <= 64 else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        shown = str(raw) if len(str(raw)) <= 40 else str(raw)[:40] + "…"
        raise QuartiersError(f"« {shown} » n'est pas un nombre", champ=name)
    bornes = parameter_info(name)["bornes"]
    if bornes and not bornes[0] <= number <= bornes[1]:
        def fr(x: float) -> str:
            return f"{x:g}".replace(".", ",")

        raise QuartiersError(
            f"{fr(number)} est hors des bornes admises ({fr(bornes[0])} à {fr(bornes[1])})",
            champ=name)
    return number


def _coerce(name: str, raw: Any, current: Any) -> Any:
    if isinstance(current, bool):
        text = str(raw).strip().lower()
        if text in ("1", "true", "vrai", "oui", "yes"):
            return True
        if text in ("0", "false", "faux", "non", "no"):
            return False
        raise QuartiersError(f"« {raw} » n'est pas un booléen (oui/non)", champ=name)
    if isinstance(current, int):
        number = _nombre(name, raw)
        if not number.is_integer():
            raise QuartiersError(f"« {raw} » doit être un nombre entier", champ=name)
        return int(number)
    if isinstance(current, float):
        return _nombre(name, raw)
    value = str(raw)
    if len(value) > 200:
        raise QuartiersError("valeur trop longue (200 caractères au plus)", champ=name)
    if name in _CHOICES and value not in _CHOICES[name]:
        raise QuartiersError(
            f"valeur « {value} » inconnue (valeurs possibles : {', '.join(_CHOICES[name])})",
            champ=name,
        )
    return value


def load_rules(jeu: str = "2024", overrides: dict[str, Any] | None = None) -> Rules:
    """Load rule set ``jeu`` and apply ``overrides`` (name -> value, strings accepted)."""
    raw = _raw()
    if jeu not in raw["jeux"]:
        raise QuartiersError(
            f"jeu de règles « {jeu} » inconnu (disponibles : {', '.join(raw['jeux'])})",
            champ="--regles",
        )
    date = dt.date.fromisoformat(raw["jeux"][jeu]["date"])
    values: dict[str, Any] = {}
    refs: dict[str, str] = {}
    since: dict[str, str] = {}
    for name, spec in raw["legislation"].items():
        value, ref, start = _value_at(spec, date)
        values[name] = value
        refs[name] = ref
        since[name] = start
    for name, spec in raw["methode"].items():
        values[name] = spec["valeur"]
    rules = Rules(
        jeu=jeu,
        libelle=raw["jeux"][jeu]["libelle"],
        references=refs,
        en_vigueur=since,
        **values,
    )
    if overrides:
        known = {f.name for f in fields(Rules)} - _META
        changes = {}
        for name, rawv in overrides.items():
            if name not in known:
                raise QuartiersError(
                    f"paramètre « {name} » inconnu (paramètres : {', '.join(sorted(known))})",
                    champ="--param",
                )
            changes[name] = _coerce(name, rawv, getattr(rules, name))
        rules = replace(rules, overridden=tuple(sorted(changes)), **changes)
    return rules


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
