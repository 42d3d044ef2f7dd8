"""The schema of every parameter file, written once: keys, types, units, dates.

A parameter file (``parameters/*.yaml``) holds sections of parameters — ``parametres``, or
``legislation`` and ``methode`` in ``regles.yaml`` — and optionally ``jeux`` (named dates at
which a rule set reads its values). Each parameter::

    nom:
      libelle: "short label"                  # optional
      description: "what it is, in French"
      unite: habitants                        # closed list: UNITS
      type: decimal                           # optional: the unit's default type otherwise
      bornes: [0, 100000]                     # optional, numbers only
      choix: [cote, coin]                     # optional, text only
      verrouille: "why --param cannot change it"   # optional
      valeurs:
        "2014-07-06":                         # date of entry into force
          valeur: 1000
          reference:
            titre: "Décret n° 2014-767 du 3 juillet 2014, art. 2, I, 2°"
            url: "https://www.legifrance.gouv.fr/..."   # optional
            recherche: true   # optional: the url is a search, the text's id was not found

Unknown keys are errors naming the file, the line and the key; so are values of the wrong
type, dates that do not parse, units outside the list.

>>> convert(3, "decimal"), convert("2030-12-31", "date")
(3.0, datetime.date(2030, 12, 31))
>>> parse_text("0,55", "decimal"), parse_text("5 000 000", "entier"), parse_text("oui", "booleen")
(0.55, 5000000, True)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

#: Units a parameter may have, and the type of its values when it does not declare one.
UNITS = {
    "habitants": "entier", "euros": "decimal", "ratio": "decimal", "pourcentage": "decimal",
    "metres": "decimal", "carreaux": "entier", "annees": "entier", "mois": "entier",
    "jours": "entier", "date": "date", "booleen": "booleen", "texte": "texte",
}
TYPES = ("entier", "decimal", "booleen", "texte", "date")
#: Sections of parameters a file may hold.
SECTIONS = ("legislation", "methode", "parametres")
#: Text values longer than this are refused in an override.
MAX_TEXT = 200

# key -> (kind, required); the kinds are checked by Checker below
FILE_KEYS = {"jeux": ("jeux", False), **{s: ("section", False) for s in SECTIONS}}
JEU_KEYS = {"date": ("date", True), "libelle": ("texte", True),
            "references": ("references", False)}
PARAMETER_KEYS = {
    "libelle": ("texte", False), "description": ("texte", True), "unite": ("unite", True),
    "type": ("type", False), "bornes": ("bornes", False), "choix": ("choix", False),
    "verrouille": ("texte", False), "valeurs": ("valeurs", True),
}
VALUE_KEYS = {"valeur": ("valeur", True), "reference": ("reference", True)}
REFERENCE_KEYS = {"titre": ("texte", True), "url": ("url", False),
                  "recherche": ("booleen", False)}


class SchemaError(ValueError):
    """A value that breaks the schema, with the path of keys leading to it."""

    def __init__(self, message: str, path: tuple[str, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def value_type(spec: dict[str, Any]) -> str:
    """The type of a parameter's values: declared, or its unit's default."""
    return str(spec.get("type") or UNITS[spec["unite"]])


def to_date(value: Any) -> dt.date:
    """A date from YAML (a date, or text ``AAAA-MM-JJ``)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"date « {value} » invalide (AAAA-MM-JJ)") from None


def convert(value: Any, kind: str) -> Any:
    """``value`` (as YAML reads it) as a value of type ``kind``; ValueError if it is not."""
    if kind == "entier":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValueError(f"« {value} » n'est pas un nombre entier")
    if kind == "decimal":
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(
                value):
            return float(value)
        raise ValueError(f"« {value} » n'est pas un nombre")
    if kind == "booleen":
        if isinstance(value, bool):
            return value
        raise ValueError(f"« {value} » n'est pas un booléen (true/false)")
    if kind == "date":
        return to_date(value)
    if isinstance(value, str):
        return value
    raise ValueError(f"« {value} » n'est pas un texte")


def _number(text: str) -> float:
    """A number written the French way or the English way (``0,55``, ``5 000 000``)."""
    for space in (" ", "\u00a0", "\u202f", "_"):
        text = text.replace(space, "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    number = float(text) if len(text) <= 64 else math.nan
    if not math.isfinite(number):
        raise ValueError
    return number


def parse_text(raw: Any, kind: str) -> Any:
    """A value of type ``kind`` from the text of an override (``--param nom=valeur``, a web
    form); ValueError with a French message otherwise."""
    text = str(raw).strip()
    shown = text if len(text) <= 40 else text[:40] + "…"
    if kind in ("entier", "decimal"):
        try:
            number = _number(text)
        except ValueError:
            raise ValueError(f"« {shown} » n'est pas un nombre") from None
        if kind == "decimal":
            return number
        if not number.is_integer():
            raise ValueError(f"« {shown} » doit être un nombre entier")
        return int(number)
    if kind == "booleen":
        lower = text.lower()
        if lower in ("1", "true", "vrai", "oui", "yes"):
            return True
        if lower in ("0", "false", "faux", "non", "no"):
            return False
        raise ValueError(f"« {shown} » n'est pas un booléen (oui/non)")
    if kind == "date":
        try:
            return dt.datetime.strptime(text, "%d/%m/%Y").date() if "/" in text else to_date(
                text)
        except ValueError:
            raise ValueError(f"« {shown} » n'est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA)"
                             ) from None
    if len(text) > MAX_TEXT:
        raise ValueError(f"valeur trop longue ({MAX_TEXT} caractères au plus)")
    return text


def within(value: Any, spec: dict[str, Any]) -> None:
    """ValueError when ``value`` is outside the parameter's bounds or choices."""
    bornes = spec.get("bornes")
    if bornes and not bornes[0] <= value <= bornes[1]:
        def fr(x: float) -> str:
            return f"{x:g}".replace(".", ",")

        raise ValueError(f"{fr(value)} est hors des bornes admises ({fr(bornes[0])} à "
                         f"{fr(bornes[1])})")
    choix = spec.get("choix")
    if choix and value not in choix:
        raise ValueError(f"valeur « {value} » inconnue (valeurs possibles : {', '.join(choix)})")


class Checker:
    """Walks one file's data against the schema; raises :class:`SchemaError`."""

    def __init__(self) -> None:
        self.kinds: dict[str, Callable[[Any, tuple[str, ...]], None]] = {
            "texte": self._text, "date": self._date, "booleen": self._bool,
            "unite": self._unit, "type": self._type, "bornes": self._bounds,
            "choix": self._choices, "url": self._url, "section": self._section,
            "jeux": self._jeux, "references": self._references,
            "reference": self._reference, "valeurs": self._values,
            "valeur": lambda value, path: None,  # checked against its parameter's type
        }

    def check_file(self, data: Any) -> None:
        self._mapping(data, FILE_KEYS, ())
        if not any(s in data for s in SECTIONS):
            raise SchemaError(f"aucune section de paramètres ({', '.join(SECTIONS)})", ())

    def _mapping(self, data: Any, keys: dict[str, tuple[str, bool]],
                 path: tuple[str, ...]) -> None:
        if not isinstance(data, dict):
            raise SchemaError("dictionnaire attendu (clé: valeur)", path)
        for key in data:
            if str(key) not in keys:
                raise SchemaError(f"clé « {key} » inconnue (clés admises : "
                                  f"{', '.join(keys)})", (*path, str(key)))
        for key, (kind, required) in keys.items():
            if key not in data:
                if required:
                    raise SchemaError(f"clé « {key} » absente", path)
                continue
            self.kinds[kind](data[key], (*path, key))

    def _text(self, value: Any, path: tuple[str, ...]) -> None:
        if not isinstance(value, str) or not value.strip():
            raise SchemaError("texte non vide attendu", path)

    def _bool(self, value: Any, path: tuple[str, ...]) -> None:
        if not isinstance(value, bool):
            raise SchemaError("booléen attendu (true/false)", path)

    def _date(self, value: Any, path: tuple[str, ...]) -> None:
        try:
            to_date(value)
        except ValueError as e:
            raise SchemaError(str(e), path) from None

    def _unit(self, value: Any, path: tuple[str, ...]) -> None:
        if value not in UNITS:
            raise SchemaError(f"unité « {value} » inconnue ({', '.join(UNITS)})", path)

    def _type(self, value: Any, path: tuple[str, ...]) -> None:
        if value not in TYPES:
            raise SchemaError(f"type « {value} » inconnu ({', '.join(TYPES)})", path)

    def _bounds(self, value: Any, path: tuple[str, ...]) -> None:
        ok = (isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value))
        if not ok or value[0] > value[1]:
            raise SchemaError("bornes attendues : [minimum, maximum]", path)

    def _choices(self, value: Any, path: tuple[str, ...]) -> None:
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            raise SchemaError("liste de valeurs (textes) attendue", path)

    def _url(self, value: Any, path: tuple[str, ...]) -> None:
        if not (isinstance(value, str) and value.startswith("https://")):
            raise SchemaError("adresse https:// attendue", path)

    def _references(self, value: Any, path: tuple[str, ...]) -> None:
        if not isinstance(value, list) or not value:
            raise SchemaError("liste de références attendue", path)
        for i, ref in enumerate(value):
            self._reference(ref, (*path, str(i)))

    def _reference(self, value: Any, path: tuple[str, ...]) -> None:
        self._mapping(value, REFERENCE_KEYS, path)

    def _jeux(self, value: Any, path: tuple[str, ...]) -> None:
        if not isinstance(value, dict) or not value:
            raise SchemaError("jeux de règles attendus (nom: {date, libelle})", path)
        for name, jeu in value.items():
            self._mapping(jeu, JEU_KEYS, (*path, str(name)))

    def _section(self, value: Any, path: tuple[str, ...]) -> None:
        if not isinstance(value, dict) or not value:
            raise SchemaError("paramètres attendus (nom: {description, unite, valeurs})", path)
        for name, spec in value.items():
            self._parameter(spec, (*path, str(name)))

    def _parameter(self, spec: Any, path: tuple[str, ...]) -> None:
        self._mapping(spec, PARAMETER_KEYS, path)
        kind = value_type(spec)
        if "bornes" in spec and kind not in ("entier", "decimal"):
            raise SchemaError(f"bornes pour un paramètre de type {kind}", (*path, "bornes"))
        if "choix" in spec and kind != "texte":
            raise SchemaError(f"choix pour un paramètre de type {kind}", (*path, "choix"))
        for date, entry in spec["valeurs"].items():
            where = (*path, "valeurs", str(date), "valeur")
            try:
                within(convert(entry["valeur"], kind), spec)
            except ValueError as e:
                raise SchemaError(str(e), where) from None

    def _values(self, value: Any, path: tuple[str, ...]) -> None:
        if not isinstance(value, dict) or not value:
            raise SchemaError("valeurs datées attendues (\"AAAA-MM-JJ\": {valeur, reference})",
                              path)
        for date, entry in value.items():
            self._date(date, (*path, str(date)))
            self._mapping(entry, VALUE_KEYS, (*path, str(date)))
