"""Import of contracts, actions and credits: every error by line and field, all-or-nothing.

:func:`importer` reads the tables, then processes every row inside **one** transaction,
through the same service functions as the pages (same permissions, same rules), each row in
a savepoint so that one bad row does not hide the errors of the next ones. At the end, if
there is any error or if it is a dry run (``appliquer=False``), the transaction is rolled
back: nothing is written. A dry run therefore reports exactly what the real import would.
Rows are keyed by ``reference``: an existing reference is updated, a new one created.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from quartiers.registre.commun import euros_en_centimes
from quartiers.registre.contrats.models import PILIERS, ContratDeVille
from quartiers.registre.contrats.services import enregistrer_contrat
from quartiers.registre.echanges.formats import (
    OBLIGATOIRES,
    TYPES,
    FichierIllisible,
    Table,
    lire,
)
from quartiers.registre.financements.models import PARTENAIRES, Action, LigneFinancement
from quartiers.registre.financements.services import enregistrer_action, enregistrer_financement
from quartiers.registre.territoires.models import Epci, Quartier

# model field -> import column, for the error report
CHAMPS = {
    "epci": "epci_siren", "contrat": "contrat", "action": "action",
}


@dataclass
class Erreur:
    feuille: str
    ligne: int
    champ: str
    message: str


@dataclass
class Rapport:
    erreurs: list[Erreur] = field(default_factory=list)
    crees: dict[str, int] = field(default_factory=dict)
    modifies: dict[str, int] = field(default_factory=dict)
    applique: bool = False
    lignes: int = 0

    @property
    def ok(self) -> bool:
        return not self.erreurs


class _LigneInvalide(Exception):
    pass


class _Ligne:
    """Field parsing with errors collected per field."""

    def __init__(self, rapport: Rapport, feuille: str, no: int, row: dict[str, Any]):
        self.rapport, self.feuille, self.no, self.row = rapport, feuille, no, row
        self.nb_erreurs = 0

    def erreur(self, champ: str, message: str) -> None:
        self.rapport.erreurs.append(Erreur(self.feuille, self.no, champ, message))
        self.nb_erreurs += 1

    def texte(self, champ: str, requis: bool = False) -> str:
        v = self.row.get(champ)
        s = "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer()
                                  else str(v)).strip()
        if requis and not s:
            self.erreur(champ, "valeur obligatoire manquante")
        return s

    def date(self, champ: str, requis: bool = False) -> dt.date | None:
        v = self.row.get(champ)
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, dt.date):
            return v
        s = self.texte(champ, requis)
        if not s:
            return None
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return dt.datetime.strptime(s, fmt).date()
            except ValueError:
                pass
        self.erreur(champ, f"date « {s} » invalide (AAAA-MM-JJ ou JJ/MM/AAAA attendu)")
        return None

    def annee(self, champ: str) -> int | None:
        s = self.texte(champ, True)
        if not s:
            return None
        if not s.isdigit() or not 1900 <= int(s) <= 2100:
            self.erreur(champ, f"année « {s} » invalide (quatre chiffres attendus)")
            return None
        return int(s)

    def choix(self, champ: str, choix: list[tuple[str, str]], requis: bool = True,
              defaut: str | None = None) -> str | None:
        s = self.texte(champ, requis and defaut is None)
        if not s:
            return defaut
        for code, label in choix:
            if s.lower() in (code.lower(), str(label).lower()):
                return code
        self.erreur(champ, f"valeur « {s} » inconnue ; valeurs possibles : "
                    + ", ".join(code for code, _ in choix))
        return None

    def montant(self, champ: str) -> int:
        v = self.row.get(champ)
        if v is None or str(v).strip() == "":
            return 0
        try:
            cents = euros_en_centimes(repr(v) if isinstance(v, float) else v)
        except ValueError as e:
            self.erreur(champ, f"montant invalide : {e}")
            return 0
        if cents < 0:
            self.erreur(champ, "le montant ne peut pas être négatif")
        return cents

    def quartiers(self, champ: str = "quartiers") -> list[Quartier]:
        s = self.texte(champ)
        codes = [c.strip() for c in s.replace(",", ";").split(";") if c.strip()]
        found: dict[str, list[Quartier]] = {}
        for q in Quartier.objects.filter(code__in=codes):
            found.setdefault(q.code, []).append(q)
        out = []
        for c in codes:
            qs = found.get(c, [])
            if not qs:
                self.erreur(champ, f"quartier « {c} » inconnu")
            elif len(qs) > 1:
                self.erreur(champ, f"code de quartier « {c} » ambigu (plusieurs millésimes)")
            else:
                out.append(qs[0])
        return out


def _validation(ligne: _Ligne, exc: ValidationError, defaut: str) -> None:
    if hasattr(exc, "error_dict"):
        for f, errs in exc.error_dict.items():
            champ = CHAMPS.get(f, f if f != "__all__" else defaut)
            for e in errs:
                for m in e.messages:
                    ligne.erreur(champ, m)
    else:
        for m in exc.messages:
            ligne.erreur(defaut, m)


def _contrat(user: Any, ligne: _Ligne, rapport: Rapport) -> None:
    ref = ligne.texte("reference", True)
    intitule = ligne.texte("intitule", True)
    siren = ligne.texte("epci_siren", True)
    epci = Epci.objects.filter(siren=siren).first() if siren else None
    if siren and epci is None:
        ligne.erreur("epci_siren", f"EPCI de SIREN « {siren} » inconnu")
    generation = ligne.choix("generation", ContratDeVille.GENERATIONS, requis=False,
                             defaut=ContratDeVille.GENERATION_2024)
    debut, fin = ligne.date("date_debut", True), ligne.date("date_fin")
    statut = ligne.choix("statut", ContratDeVille.STATUTS, requis=False,
                         defaut=ContratDeVille.PREPARATION)
    quartiers = ligne.quartiers()
    if ligne.nb_erreurs:
        raise _LigneInvalide
    contrat = ContratDeVille.objects.filter(reference=ref).first()
    nouveau = contrat is None
    contrat = contrat or ContratDeVille(reference=ref)
    contrat.intitule, contrat.epci = intitule, epci
    contrat.generation, contrat.date_debut, contrat.date_fin = generation, debut, fin
    contrat.statut = statut
    enregistrer_contrat(user, contrat, quartiers)
    compte = rapport.crees if nouveau else rapport.modifies
    compte["contrats"] = compte.get("contrats", 0) + 1


def _action(user: Any, ligne: _Ligne, rapport: Rapport) -> None:
    ref = ligne.texte("reference", True)
    cref = ligne.texte("contrat", True)
    contrat = ContratDeVille.objects.filter(reference=cref).first() if cref else None
    if cref and contrat is None:
        ligne.erreur("contrat", f"contrat « {cref} » inconnu")
    intitule, porteur = ligne.texte("intitule", True), ligne.texte("porteur", True)
    pilier = ligne.choix("pilier", PILIERS)
    a1, a2 = ligne.annee("annee_debut"), ligne.annee("annee_fin")
    quartiers = ligne.quartiers()
    if ligne.nb_erreurs:
        raise _LigneInvalide
    action = Action.objects.filter(reference=ref).first()
    nouveau = action is None
    action = action or Action(reference=ref)
    action.contrat, action.intitule, action.porteur = contrat, intitule, porteur
    action.pilier, action.annee_debut, action.annee_fin = pilier, a1, a2
    enregistrer_action(user, action, quartiers)
    compte = rapport.crees if nouveau else rapport.modifies
    compte["actions"] = compte.get("actions", 0) + 1


def _financement(user: Any, ligne: _Ligne, rapport: Rapport) -> None:
    aref = ligne.texte("action", True)
    action = Action.objects.filter(reference=aref).first() if aref else None
    if aref and action is None:
        ligne.erreur("action", f"action « {aref} » inconnue")
    partenaire = ligne.choix("partenaire", PARTENAIRES)
    annee = ligne.annee("annee")
    d, a, v = (ligne.montant("montant_demande"), ligne.montant("montant_accorde"),
               ligne.montant("montant_verse"))
    if ligne.nb_erreurs:
        raise _LigneInvalide
    lf = LigneFinancement.objects.filter(action=action, partenaire=partenaire,
                                         annee=annee).first()
    nouveau = lf is None
    lf = lf or LigneFinancement(action=action, partenaire=partenaire, annee=annee)
    lf.montant_demande, lf.montant_accorde, lf.montant_verse = d, a, v
    enregistrer_financement(user, lf)
    compte = rapport.crees if nouveau else rapport.modifies
    compte["financements"] = compte.get("financements", 0) + 1


TRAITEMENTS = {"contrats": (_contrat, "reference"), "actions": (_action, "reference"),
               "financements": (_financement, "action")}


def _cle(table: Table, row: dict[str, Any]) -> tuple[str, ...]:
    if table.type == "financements":
        return tuple(str(row.get(c) or "").strip() for c in ("action", "partenaire", "annee"))
    return (str(row.get("reference") or "").strip(),)


def importer_tables(tables: list[Table], user: Any, appliquer: bool) -> Rapport:
    rapport = Rapport()
    for t in tables:
        manquantes = [c for c in OBLIGATOIRES[t.type] if c not in t.entetes]
        for c in manquantes:
            rapport.erreurs.append(Erreur(t.type, 1, c, "colonne obligatoire absente"))
        if not t.lignes and not manquantes and not t.illisibles:
            rapport.erreurs.append(Erreur(t.type, 2, "", "aucune ligne de données"))
        rapport.erreurs.extend(Erreur(t.type, no, "", motif) for no, motif in t.illisibles)
    if rapport.erreurs:
        return rapport
    ordre = sorted(tables, key=lambda t: TYPES.index(t.type))
    with transaction.atomic():
        for t in ordre:
            traitement, defaut = TRAITEMENTS[t.type]
            vus: dict[tuple[str, ...], int] = {}
            for no, row in t.lignes:
                rapport.lignes += 1
                ligne = _Ligne(rapport, t.type, no, row)
                cle = _cle(t, row)
                if all(cle) and cle in vus:
                    ligne.erreur(defaut, f"ligne en double (déjà ligne {vus[cle]})")
                    continue
                vus[cle] = no
                try:
                    with transaction.atomic():
                        traitement(user, ligne, rapport)
                except _LigneInvalide:
                    pass
                except PermissionDenied as e:
                    ligne.erreur(defaut, f"refusé : {e}")
                except ValidationError as e:
                    _validation(ligne, e, defaut)
                except IntegrityError as e:
                    ligne.erreur(defaut, f"incohérence refusée par la base ({e})")
        rapport.applique = appliquer and rapport.ok
        if not rapport.applique:
            transaction.set_rollback(True)
    return rapport


def importer(nom: str, data: bytes, type_defaut: str, user: Any, appliquer: bool) -> Rapport:
    """Import a CSV/XLSX file; ``appliquer=False`` is the dry run (nothing is written)."""
    if type_defaut not in TYPES:
        raise ValueError(type_defaut)
    try:
        tables = lire(nom, data, type_defaut)
    except FichierIllisible as e:
        return Rapport(erreurs=[Erreur(type_defaut, 1, "", str(e))])
    return importer_tables(tables, user, appliquer)
