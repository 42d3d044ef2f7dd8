"""Renewal of a 2015 contract into an « Engagements Quartiers 2030 » one.

The new contract keeps the carrier (EPCI or commune), starts in 2024 at the earliest and
ends on the generation's legal date (dated parameters); the signatories are carried over
*for confirmation*; the quartiers move to the 2024 list:

- a 2015 quartier is **maintained** by the 2024 quartiers whose perimeter overlaps it, or
  **leaves** the list when none does — both only where the two perimeter files cover every
  commune of the place (each set's coverage, :mod:`quartiers.eligibility.coverage`: the
  ``couverture-communes.csv`` of each folder); elsewhere the correspondence is **unknown**
  and said so, never guessed;
- a 2024 quartier of the carrier's communes overlapping no 2015 quartier **enters** — known
  only when the register knows those communes and the 2015 file covers them.

Overlaps are computed in Lambert-93 on whole arrays (shapely 2); two perimeters overlap when
their intersection covers at least :data:`RECOUVREMENT_MIN` of the smaller one (the 2015
file's coordinates are rounded to about ten metres: slivers along shared streets are not an
overlap). This share is a method choice, not a legal rule.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from quartiers.perimeters import PerimeterSet, load_perimeters
from quartiers.registre.commun import Conflit, date_parametre
from quartiers.registre.comptes.permissions import exiger, peut_renouveler_contrat
from quartiers.registre.contrats.models import ContratDeVille, Signataire
from quartiers.registre.contrats.services import REFUS_EPCI, lier_quartiers
from quartiers.registre.territoires.models import Quartier

RECOUVREMENT_MIN = 0.01
MAINTENU, SORTI, INCONNU = "maintenu", "sorti", "inconnu"


@dataclass
class Correspondance:
    code: str
    nom: str
    etat: str
    codes_2024: list[tuple[str, str, float]] = field(default_factory=list)  # code, name, share
    motif: str = ""


@dataclass
class Passage:
    """What the renewal does with the quartiers (for the page and the service)."""

    correspondances: list[Correspondance]
    entrants: list[tuple[str, str]]
    entrants_inconnus: str  # why entries are unknown ("" when known)
    sans_correspondance: list[tuple[str, str]]  # 2024 quartiers of the place not covered

    @property
    def codes_2024(self) -> list[str]:
        codes = {c for k in self.correspondances for c, _n, _s in k.codes_2024}
        return sorted(codes | {c for c, _n in self.entrants})


def _communes(texte: Any) -> np.ndarray:
    return np.array([c.strip() for c in str(texte or "").split(",") if c.strip()], dtype="U5")


def _couvert(p: PerimeterSet, communes: np.ndarray) -> bool:
    """Whether ``p`` is the complete list for every one of ``communes`` (none known: no)."""
    return bool(communes.size) and p.coverage is not None and bool(
        p.coverage.covers(communes).all())


def rapprocher(codes_2015: list[str], p2015: PerimeterSet, p2024: PerimeterSet,
               communes_territoire: set[str] | None) -> Passage:
    """Match a contract's 2015 quartiers to the 2024 list by perimeter overlap, only where
    both sets cover the place; list the 2024 quartiers entering the carrier's communes."""
    from quartiers.eligibility.coverage import as_communes

    index_2015 = {str(c): i for i, c in enumerate(p2015.codes)}
    communes_24 = [as_communes(_communes(c)) for c in p2024.communes]
    couvert_24 = np.array([_couvert(p2015, c) for c in communes_24], dtype=bool)
    aire_15 = shapely.area(p2015.geometry)
    aire_24 = shapely.area(p2024.geometry)
    arbre_24 = shapely.STRtree(p2024.geometry)

    def recouvrements(i15: np.ndarray, j24: np.ndarray) -> np.ndarray:
        inter = shapely.area(shapely.intersection(p2015.geometry[i15], p2024.geometry[j24]))
        return inter / np.minimum(aire_15[i15], aire_24[j24])

    correspondances = []
    for code in codes_2015:
        i = index_2015.get(code)
        if i is None:
            correspondances.append(Correspondance(code, "", INCONNU, motif=(
                "périmètre 2015 absent des fichiers chargés : correspondance inconnue")))
            continue
        communes = _communes(p2015.communes[i])
        nom = str(p2015.names[i])
        if not _couvert(p2015, communes) or not _couvert(p2024, communes):
            correspondances.append(Correspondance(code, nom, INCONNU, motif=(
                "le fichier des périmètres 2024 ne couvre pas ses communes : correspondance "
                "inconnue" if communes.size else "communes du quartier inconnues : "
                "correspondance inconnue")))
            continue
        j = arbre_24.query(p2015.geometry[i], predicate="intersects")
        parts = recouvrements(np.full(len(j), i), j) if len(j) else np.array([])
        gardes = [(str(p2024.codes[k]), str(p2024.names[k]), float(s))
                  for k, s in zip(j, parts, strict=True) if s >= RECOUVREMENT_MIN]
        correspondances.append(Correspondance(
            code, nom, MAINTENU if gardes else SORTI, sorted(gardes),
            "" if gardes else "aucun quartier 2024 ne recouvre son périmètre : il sort de la "
                              "liste"))
    if communes_territoire is None:
        return Passage(correspondances, [], "communes du porteur inconnues (aucune "
                       "composition d'EPCI n'est publiée avec les contrats)", [])
    territoire = np.array(sorted(communes_territoire), dtype="U5")
    du_territoire = np.array([bool(c.size) and bool(np.isin(c, territoire).all())
                              for c in communes_24], dtype=bool)
    candidats = np.flatnonzero(du_territoire & couvert_24)
    arbre_15 = shapely.STRtree(p2015.geometry)
    paires = arbre_15.query(p2024.geometry[candidats], predicate="intersects")
    recouverts: set[int] = set()
    if paires.size:
        parts = recouvrements(paires[1], candidats[paires[0]])
        recouverts = {int(candidats[k]) for k, s in zip(paires[0], parts, strict=True)
                      if s >= RECOUVREMENT_MIN}
    entrants = [(str(p2024.codes[k]), str(p2024.names[k])) for k in candidats
                if int(k) not in recouverts]
    sans = [(str(p2024.codes[k]), str(p2024.names[k]))
            for k in np.flatnonzero(du_territoire & ~couvert_24)]
    return Passage(correspondances, entrants, "", sans)


@functools.cache
def _officiels() -> tuple[PerimeterSet, PerimeterSet]:
    """The official lists of the data directory, with their coverage."""
    return load_perimeters("2015"), load_perimeters("2024")


def passage(contrat: ContratDeVille) -> Passage:
    """The quartiers' move for ``contrat``, against the official perimeter files."""
    p15, p24 = _officiels()
    codes = [q.code for q in contrat.quartiers.all()]
    return rapprocher(codes, p15, p24, contrat.communes_du_porteur())


def renouveler(user: Any, contrat: ContratDeVille, debut: dt.date, version_lue: int | None,
               quartiers_2024: list[str] | None = None) -> ContratDeVille:
    """Create the « Engagements Quartiers 2030 » contract following ``contrat``."""
    exiger(peut_renouveler_contrat(user, contrat), REFUS_EPCI)
    if contrat.generation != ContratDeVille.GENERATION_2015:
        raise ValidationError("Seul un contrat de la génération 2015 se renouvelle en contrat "
                              "Engagements Quartiers 2030.")
    if ContratDeVille.objects.filter(contrat_precedent=contrat).exists():
        raise ValidationError(f"Le contrat {contrat.reference} a déjà été renouvelé.")
    if version_lue is None:
        raise ValidationError("Version lue manquante : rechargez la page.")
    codes = passage(contrat).codes_2024 if quartiers_2024 is None else quartiers_2024
    with transaction.atomic():
        actuel = ContratDeVille.objects.select_for_update().get(pk=contrat.pk)
        if actuel.version != version_lue:
            raise Conflit(actuel, version_lue)
        nouveau = ContratDeVille(
            reference=f"{contrat.reference}-EQ2030"[:40],
            intitule=f"Contrat de ville Engagements Quartiers 2030 – "
                     f"{contrat.epci.nom if contrat.epci_id else contrat.intitule}"[:300],
            epci=contrat.epci, commune_porteuse=contrat.commune_porteuse,
            generation=ContratDeVille.GENERATION_2024, date_debut=debut,
            date_fin=date_parametre("contrats.fin_generation_2024"),
            statut=ContratDeVille.PREPARATION, contrat_precedent=contrat,
            source=f"renouvellement du contrat {contrat.reference}",
            demonstration=contrat.demonstration)
        nouveau.full_clean(exclude=["quartiers"])
        try:
            nouveau.save()
        except IntegrityError:
            raise ValidationError(f"Le contrat {contrat.reference} a déjà été renouvelé "
                                  f"(ou la référence {nouveau.reference} existe).") from None
        for t in contrat.territoires.all():
            t.pk = None
            t.contrat = nouveau
            t.population_qpv = None  # the 2015 figure is not the 2024 one
            t.save()
        for s in contrat.signataires.all():
            Signataire.objects.create(contrat=nouveau, organisation=s.organisation,
                                      role=s.role, a_confirmer=True)
        lier_quartiers(user, nouveau, Quartier.objects.filter(millesime="2024", code__in=codes),
                       f"renouvellement de {contrat.reference} (liste 2024, recouvrement des "
                       "périmètres)")
    return nouveau

