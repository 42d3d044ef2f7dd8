"""Import of contracts, actions and credits: every error by line and field, all-or-nothing.

Two phases, so that a big file never holds the database while it is checked:

1. :func:`preparer` reads the tables and checks every row **without writing** (reads in
   autocommit, no transaction): same permissions and same model rules as the pages, rows
   referring to objects created earlier in the same file resolved in memory. It returns the
   report (every error by sheet, line and field) and the operations to apply, each with the
   version of the object it read.
2. :func:`appliquer_operations` writes those operations through the service functions in **one short
   transaction**; an object saved by someone else since it was read is a conflict, and the
   whole import is rolled back (nothing written).

A row whose ``reference`` exists updates it; otherwise it is created.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from quartiers.registre.commun import Conflit
from quartiers.registre.comptes.permissions import (
    exiger,
    peut_creer_action,
    peut_modifier_action,
    peut_modifier_contrat,
)
from quartiers.registre.contrats.models import PILIERS, ContratDeVille
from quartiers.registre.contrats.services import (
    REFUS_EPCI,
    enregistrer_contrat,
    valider_contrat,
)
from quartiers.registre.echanges.champs import Erreur, Ligne, LigneInvalide, Rapport
from quartiers.registre.echanges.formats import (
    OBLIGATOIRES,
    OUI_NON,
    TYPES,
    FichierIllisible,
    Table,
    lire,
)
from quartiers.registre.financements.models import PARTENAIRES, Action, LigneFinancement
from quartiers.registre.financements.services import (
    REFUS,
    enregistrer_action,
    enregistrer_financement,
)
from quartiers.registre.territoires.models import Epci, Quartier

__all__ = ["Erreur", "Operation", "Rapport", "appliquer_operations", "importer", "preparer"]

# model field -> import column, for the error report
CHAMPS = {"epci": "epci_siren", "contrat": "contrat", "action": "action"}
Progres = Callable[[int, int], None]


@dataclass
class Operation:
    type: str
    ligne: int
    objet: Any
    quartiers: list[Quartier] | None
    version_lue: int | None  # None: created by the import

    @property
    def cle(self) -> str:
        o = self.objet
        if self.type == "financements":
            return f"{o.action.reference}|{o.partenaire}|{o.annee}"
        return str(o.reference)


class _Memoire:
    """What the file itself creates or changes, for the rows after it."""

    def __init__(self) -> None:
        self.contrats: dict[str, tuple[ContratDeVille, list[Quartier]]] = {}
        self.actions: dict[str, Action] = {}


def _validation(ligne: Ligne, exc: ValidationError, defaut: str) -> None:
    if hasattr(exc, "error_dict"):
        for f, errs in exc.error_dict.items():
            champ = CHAMPS.get(f, f if f != "__all__" else defaut)
            for e in errs:
                for m in e.messages:
                    ligne.erreur(champ, m)
    else:
        for m in exc.messages:
            ligne.erreur(defaut, m)


def _demonstration(ligne: Ligne, existant: Any) -> bool:
    """The ``demonstration`` column: an invented record stays invented, a real one real."""
    demo = ligne.choix("demonstration", OUI_NON, requis=False, defaut="non") == "oui"
    if existant is not None and existant.demonstration != demo:
        ligne.erreur("demonstration", "un enregistrement existant ne change pas de nature par "
                     "import (données réelles ou de démonstration)")
    return demo


def _contrat(user: Any, ligne: Ligne, memoire: _Memoire) -> Operation:
    ref = ligne.texte("reference", True)
    contrat = ContratDeVille.objects.filter(reference=ref).first() if ref else None
    intitule = ligne.texte("intitule", True)
    commune = ligne.texte("commune_porteuse")
    siren = ligne.texte("epci_siren", not commune)
    epci = Epci.objects.filter(siren=siren).first() if siren else None
    if siren and epci is None:
        ligne.erreur("epci_siren", f"EPCI de SIREN « {siren} » inconnu")
    generation = ligne.choix("generation", ContratDeVille.GENERATIONS, requis=False,
                             defaut=ContratDeVille.GENERATION_2024)
    # an existing contract may have no known start (ANCT publishes no signature date)
    debut, fin = ligne.date("date_debut", contrat is None), ligne.date("date_fin")
    statut = ligne.choix("statut", ContratDeVille.STATUTS, requis=False,
                         defaut=ContratDeVille.PREPARATION)
    quartiers = ligne.quartiers()
    textes = {c: ligne.texte(c) for c in ("participation_citoyenne", "conseils_citoyens",
                                          "volet_investissement")}
    demo = _demonstration(ligne, contrat)
    if ligne.nb_erreurs:
        raise LigneInvalide
    version = contrat.version if contrat else None
    if contrat is not None:
        exiger(peut_modifier_contrat(user, contrat), REFUS_EPCI)
        if contrat.archive:
            raise ValidationError("Ce contrat est archivé : il ne peut plus être modifié.")
    contrat = contrat or ContratDeVille(reference=ref)
    contrat.intitule, contrat.epci, contrat.commune_porteuse = intitule, epci, commune
    contrat.generation, contrat.date_debut, contrat.date_fin = generation, debut, fin
    contrat.statut, contrat.demonstration = statut, demo
    for champ, valeur in textes.items():
        setattr(contrat, champ, valeur)
    exiger(peut_modifier_contrat(user, contrat), REFUS_EPCI)
    valider_contrat(contrat, quartiers, nouveau=version is None)
    memoire.contrats[ref] = (contrat, quartiers)
    return Operation("contrats", ligne.no, contrat, quartiers, version)


def _action(user: Any, ligne: Ligne, memoire: _Memoire) -> Operation:
    ref = ligne.texte("reference", True)
    cref = ligne.texte("contrat", True)
    du_fichier = memoire.contrats.get(cref)
    contrat = du_fichier[0] if du_fichier else (
        ContratDeVille.objects.filter(reference=cref).first() if cref else None)
    if cref and contrat is None:
        ligne.erreur("contrat", f"contrat « {cref} » inconnu")
    intitule, porteur = ligne.texte("intitule", True), ligne.texte("porteur", True)
    pilier = ligne.choix("pilier", PILIERS)
    a1, a2 = ligne.annee("annee_debut"), ligne.annee("annee_fin")
    quartiers = ligne.quartiers()
    action = Action.objects.select_related("contrat__epci").filter(reference=ref).first()
    demo = _demonstration(ligne, action)
    if ligne.nb_erreurs or contrat is None:
        raise LigneInvalide
    version = action.version if action else None
    if action is not None:
        exiger(peut_modifier_action(user, action), REFUS)
    action = action or Action(reference=ref)
    action.contrat, action.intitule, action.porteur = contrat, intitule, porteur
    action.pilier, action.annee_debut, action.annee_fin = pilier, a1, a2
    action.demonstration = demo
    exiger(peut_creer_action(user, contrat), REFUS)
    erreurs: dict[str, list[str]] = {}
    try:
        action.full_clean(exclude=["contrat"] if contrat.pk is None else None,
                          validate_unique=version is None)
    except ValidationError as e:
        erreurs.update(e.message_dict)
    connus = {q.pk for q in du_fichier[1]} if du_fichier else None
    hors = action.erreurs_quartiers({q.pk for q in quartiers}, connus)
    if hors:
        erreurs.setdefault("quartiers", []).extend(hors)
    if erreurs:
        raise ValidationError(erreurs)
    memoire.actions[ref] = action
    return Operation("actions", ligne.no, action, quartiers, version)


def _financement(user: Any, ligne: Ligne, memoire: _Memoire) -> Operation:
    aref = ligne.texte("action", True)
    action = memoire.actions.get(aref) or (
        Action.objects.select_related("contrat__epci").filter(reference=aref).first()
        if aref else None)
    if aref and action is None:
        ligne.erreur("action", f"action « {aref} » inconnue")
    partenaire = ligne.choix("partenaire", PARTENAIRES)
    annee = ligne.annee("annee")
    d, a, v = (ligne.montant("montant_demande"), ligne.montant("montant_accorde"),
               ligne.montant("montant_verse"))
    if action is not None:
        _demonstration(ligne, action)
    if ligne.nb_erreurs or action is None:
        raise LigneInvalide
    lf = LigneFinancement.objects.filter(action=action, partenaire=partenaire,
                                         annee=annee).first() if action.pk else None
    version = lf.version if lf else None
    lf = lf or LigneFinancement(action=action, partenaire=partenaire, annee=annee)
    lf.montant_demande, lf.montant_accorde, lf.montant_verse = d, a, v
    exiger(peut_modifier_action(user, action), REFUS)
    if action.contrat.archive:
        raise ValidationError("Le contrat est archivé : ses crédits ne peuvent plus être "
                              "modifiés.")
    lf.full_clean(exclude=["action"] if action.pk is None else None,
                  validate_unique=False)
    return Operation("financements", ligne.no, lf, None, version)


TRAITEMENTS = {"contrats": (_contrat, "reference"), "actions": (_action, "reference"),
               "financements": (_financement, "action")}


def _cle(table: Table, row: dict[str, Any]) -> tuple[str, ...]:
    if table.type == "financements":
        return tuple(str(row.get(c) or "").strip() for c in ("action", "partenaire", "annee"))
    return (str(row.get("reference") or "").strip(),)


def _structure(tables: list[Table], rapport: Rapport) -> None:
    for t in tables:
        manquantes = [c for c in OBLIGATOIRES[t.type] if c not in t.entetes]
        for c in manquantes:
            rapport.erreurs.append(Erreur(t.type, 1, c, "colonne obligatoire absente"))
        if not t.lignes and not manquantes and not t.illisibles:
            rapport.erreurs.append(Erreur(t.type, 2, "", "aucune ligne de données"))
        rapport.erreurs.extend(Erreur(t.type, no, "", motif) for no, motif in t.illisibles)


def preparer(tables: list[Table], user: Any,
             progres: Progres | None = None) -> tuple[Rapport, list[Operation]]:
    """Check every row without writing: the report and the operations to apply."""
    rapport = Rapport()
    _structure(tables, rapport)
    if rapport.erreurs:
        return rapport, []
    memoire = _Memoire()
    operations: list[Operation] = []
    total = sum(len(t.lignes) for t in tables)
    for t in sorted(tables, key=lambda t: TYPES.index(t.type)):
        traitement, defaut = TRAITEMENTS[t.type]
        vus: dict[tuple[str, ...], int] = {}
        for no, row in t.lignes:
            rapport.lignes += 1
            if progres is not None and rapport.lignes % 200 == 0:
                progres(rapport.lignes, total)
            ligne = Ligne(rapport, t.type, no, row)
            cle = _cle(t, row)
            if all(cle) and cle in vus:
                ligne.erreur(defaut, f"ligne en double (déjà ligne {vus[cle]})")
                continue
            vus[cle] = no
            try:
                op = traitement(user, ligne, memoire)
            except LigneInvalide:
                continue
            except PermissionDenied as e:
                ligne.erreur(defaut, f"refusé : {e}")
                continue
            except ValidationError as e:
                _validation(ligne, e, defaut)
                continue
            operations.append(op)
            compte = rapport.modifies if op.version_lue is not None else rapport.crees
            compte[t.type] = compte.get(t.type, 0) + 1
    if progres is not None:
        progres(total, total)
    return rapport, operations


def versions(operations: list[Operation]) -> dict[str, int]:
    """``type|key`` -> version read, for the objects an import updates."""
    return {f"{op.type}|{op.cle}": op.version_lue for op in operations
            if op.version_lue is not None}


def appliquer_operations(operations: list[Operation], user: Any, rapport: Rapport) -> Rapport:
    """Write the prepared operations in one transaction (all or nothing). The dry run has
    reported every error; here the first one (an object saved by someone else since it
    was read, a rule that no longer holds) stops and rolls everything back."""
    op = None
    try:
        with transaction.atomic():
            for op in operations:
                if op.type == "contrats":
                    enregistrer_contrat(user, op.objet, op.quartiers or [], op.version_lue,
                                        origine="import de fichier")
                elif op.type == "actions":
                    enregistrer_action(user, op.objet, op.quartiers or [], op.version_lue)
                else:
                    enregistrer_financement(user, op.objet, op.version_lue)
    except Conflit as c:
        rapport.erreurs.append(Erreur(op.type, op.ligne, "", (  # type: ignore[union-attr]
            f"{c} Rien n'a été enregistré : recommencez l'essai.")))
    except (PermissionDenied, ValidationError, IntegrityError) as e:
        messages = e.messages if isinstance(e, ValidationError) else [str(e)]
        rapport.erreurs.extend(Erreur(op.type, op.ligne, "", m)  # type: ignore[union-attr]
                               for m in messages)
    rapport.applique = rapport.ok
    return rapport


def importer(nom: str, data: bytes, type_defaut: str, user: Any, appliquer: bool,
             versions_lues: dict[str, int] | None = None,
             progres: Progres | None = None) -> Rapport:
    """Import a CSV/XLSX/ODS file; ``appliquer=False`` is the dry run (nothing written).
    ``versions_lues`` (from the dry run) makes the application refuse objects saved by
    someone else since."""
    if type_defaut not in TYPES:
        raise ValueError(type_defaut)
    try:
        tables = lire(nom, data, type_defaut)
    except FichierIllisible as e:
        return Rapport(erreurs=[Erreur(type_defaut, 1, "", str(e))])
    rapport, operations = preparer(tables, user, progres)
    if not rapport.ok or not appliquer:
        return rapport
    if versions_lues is not None:
        for op in operations:
            lue = versions_lues.get(f"{op.type}|{op.cle}")
            if lue is not None:
                op.version_lue = lue
    return appliquer_operations(operations, user, rapport)
