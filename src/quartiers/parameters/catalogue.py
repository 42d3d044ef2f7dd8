"""Every parameter file of the package, read once and checked against the schema.

``parameters/<fichier>.yaml`` gives parameters named ``<fichier>.<cle>``
(``regles.coefficient``, ``eligibilite.tva_distance_qpv``), each with its values by date of
entry into force (see :mod:`quartiers.parameters.schema` for the format). A file that breaks
the schema stops everything with a French error naming the file, the line and the key.

>>> p = catalogue().parameter("regles.population_min_quartier")
>>> p.unite, p.type, p.at("2024-06-01").valeur, p.at("2024-06-01").depuis.isoformat()
('habitants', 'entier', 1000, '2014-07-06')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from quartiers.errors import QuartiersError
from quartiers.parameters.schema import (
    SECTIONS,
    Checker,
    SchemaError,
    convert,
    parse_text,
    to_date,
    value_type,
    within,
)


@dataclass(frozen=True)
class Reference:
    """A legal (or method) reference: title and link (``recherche``: the link is a search on
    Légifrance, the text's own identifier was not found)."""

    titre: str
    url: str = ""
    recherche: bool = False


@dataclass(frozen=True)
class Dated:
    """One value of a parameter, in force from ``depuis``."""

    depuis: dt.date
    valeur: Any
    reference: Reference


@dataclass(frozen=True)
class Parameter:
    """A parameter and all its dated values."""

    nom: str  #: ``<fichier>.<cle>``
    cle: str
    fichier: str
    section: str  #: legislation, methode or parametres
    description: str
    libelle: str
    unite: str
    type: str
    bornes: tuple[float, float] | None
    choix: tuple[str, ...]
    verrouille: str  #: why an override is refused ("" when it is allowed)
    valeurs: tuple[Dated, ...]  #: by date

    def at(self, on: dt.date | str) -> Dated:
        """The value in force on ``on``."""
        try:
            when = to_date(on)
        except ValueError as e:
            raise QuartiersError(str(e), champ=self.nom) from None
        chosen = [v for v in self.valeurs if v.depuis <= when]
        if not chosen:
            raise QuartiersError(f"aucune valeur en vigueur au {when.isoformat()}",
                                 champ=self.nom)
        return chosen[-1]

    def parse(self, raw: Any) -> Any:
        """The typed value of an override given as text; refused with a French reason."""
        spec = {"bornes": self.bornes, "choix": self.choix}
        try:
            value = parse_text(raw, self.type)  # bounded first: the text may be hostile
            if self.verrouille:
                raise ValueError(f"paramètre non modifiable : {self.verrouille}")
            within(value, spec)
        except ValueError as e:
            raise QuartiersError(str(e), champ=self.cle) from None
        return value


@dataclass(frozen=True)
class Jeu:
    """A named rule set: the date at which it reads the values."""

    nom: str
    date: dt.date
    libelle: str
    references: tuple[Reference, ...]


@dataclass(frozen=True)
class Catalogue:
    """All parameters (by full name) and the rule sets of each file."""

    parameters: dict[str, Parameter]
    jeux: dict[str, dict[str, Jeu]]  #: file -> name -> rule set

    def parameter(self, nom: str) -> Parameter:
        found = self.parameters.get(nom)
        if found is None:
            raise QuartiersError(f"paramètre « {nom} » inconnu", champ=nom)
        return found

    def of_file(self, fichier: str) -> list[Parameter]:
        return [p for p in self.parameters.values() if p.fichier == fichier]


def _lines(node: yaml.Node, path: tuple[str, ...], out: dict[tuple[str, ...], int]) -> None:
    """Line (from 1) of every key of a composed YAML document, by path of keys; a key
    written twice in one mapping (YAML would silently keep the last) is an error."""
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            sub = (*path, str(key.value))
            if sub in seen:
                out[sub] = key.start_mark.line + 1
                raise SchemaError(f"clé « {key.value} » en double", sub)
            seen.add(sub)
            _lines(value, sub, out)
            out[sub] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, str(i)), out)


def _reference(data: dict[str, Any]) -> Reference:
    return Reference(data["titre"], data.get("url", ""), bool(data.get("recherche", False)))


def read_file(name: str, text: str) -> tuple[list[Parameter], dict[str, Jeu]]:
    """The parameters and rule sets of file ``name`` (``regles.yaml``) whose content is
    ``text``, checked against the schema."""
    stem = name.removesuffix(".yaml")
    lines: dict[tuple[str, ...], int] = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise QuartiersError(f"YAML illisible ({getattr(e, 'problem', e)})", fichier=name,
                             ligne=mark.line + 1 if mark else None) from None
    try:
        if node is not None:
            _lines(node, (), lines)
        Checker().check_file(data)
    except SchemaError as e:
        line = next((lines[e.path[:k]] for k in range(len(e.path), -1, -1)
                     if e.path[:k] in lines), None)
        raise QuartiersError(e.message, fichier=name, ligne=line,
                             champ=".".join(e.path) or None) from None
    params = []
    for section in SECTIONS:
        for key, spec in (data.get(section) or {}).items():
            kind = value_type(spec)
            values = tuple(sorted(
                (Dated(to_date(d), convert(v["valeur"], kind), _reference(v["reference"]))
                 for d, v in spec["valeurs"].items()), key=lambda v: v.depuis))
            bornes = spec.get("bornes")
            params.append(Parameter(
                nom=f"{stem}.{key}", cle=str(key), fichier=stem, section=section,
                description=spec["description"], libelle=spec.get("libelle", str(key)),
                unite=spec["unite"], type=kind,
                bornes=(float(bornes[0]), float(bornes[1])) if bornes else None,
                choix=tuple(spec.get("choix", ())), verrouille=spec.get("verrouille", ""),
                valeurs=values))
    jeux = {str(k): Jeu(str(k), to_date(j["date"]), j["libelle"],
                        tuple(_reference(r) for r in j.get("references", ())))
            for k, j in (data.get("jeux") or {}).items()}
    for jeu in jeux.values():  # every rule of a rule set has a value at its date
        for p in params:
            if p.section == "legislation" and p.valeurs[0].depuis > jeu.date:
                raise QuartiersError(
                    f"aucune valeur en vigueur au {jeu.date.isoformat()} (jeu {jeu.nom})",
                    fichier=name, ligne=lines.get(("legislation", p.cle)), champ=p.cle)
    return params, jeux


@cache
def catalogue() -> Catalogue:
    """Every ``*.yaml`` file of :mod:`quartiers.parameters`, read once."""
    parameters: dict[str, Parameter] = {}
    jeux: dict[str, dict[str, Jeu]] = {}
    files = sorted(resources.files(__package__).iterdir(), key=lambda e: e.name)
    for entry in files:
        if not entry.name.endswith(".yaml"):
            continue
        params, file_jeux = read_file(entry.name, entry.read_text(encoding="utf-8"))
        parameters.update((p.nom, p) for p in params)
        if file_jeux:
            jeux[entry.name.removesuffix(".yaml")] = file_jeux
    return Catalogue(parameters, jeux)
