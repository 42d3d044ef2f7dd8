"""Field parsing of one imported row, every error collected by line and field."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from quartiers.registre.commun import euros_en_centimes
from quartiers.registre.echanges.formats import sans_neutralisation
from quartiers.registre.territoires.models import Quartier


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


class LigneInvalide(Exception):
    pass


class Ligne:
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
        s = sans_neutralisation(s)
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
        if not (s.isascii() and s.isdigit()) or not 1900 <= int(s) <= 2100:
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
