"""Reading ANCT's open files of the contrats de ville 2015-2023 and of the posts funded in
2023 (``contrats-de-ville-2015/`` in the data directory, README there).

Every record is checked; what is wrong is an **error** named by file, record (and line) and
field, and refuses the whole load. What the files do not say, or say in their own way, is an
**anomaly**: handled explicitly, reported, never dropped silently:

- ``geom_cv_ctr.json`` lists a contract once per département it covers (``CV043``, the
  Pays d'Aix, appears under 13 and 84): one contract, one territory per record;
- ``codgeo`` is the carrier's SIREN (9 digits) or, for contracts carried by a commune
  (overseas, Paris, Île-de-France communes), its INSEE code (5 digits);
- ``insee_dep`` is empty for the three Corsican contracts: the département stays unknown;
- posts without ``code_cv``, or with two codes glued together (``CV380CV384``), are kept
  without a contract; FONJEP ``annee`` is text; FONJEP ``code_tiers`` is a name, not a
  SIRET (the SIRET stays empty); ``insee_dep`` / ``insee_reg`` are missing in some rows.

Amounts are read as decimals (never floats) and converted to integer cents exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from quartiers.registre.commun import euros_en_centimes

FICHIER_CONTRATS = "geom_cv_ctr.json"
FICHIERS_POSTES = {"adulte_relais": "adulte-relais-2023.json",
                   "fonjep": "postes-fonjep-2023.json"}
DOSSIER = "contrats-de-ville-2015"
_CODE_CV = re.compile(r"CV\d{3}")
_DECODEUR = json.JSONDecoder(parse_float=Decimal)


@dataclass(frozen=True)
class Signalement:
    """An error or an anomaly, located in its file."""

    fichier: str
    enregistrement: int
    ligne: int | None
    champ: str
    message: str

    def lieu(self) -> str:
        ligne = f", ligne {self.ligne}" if self.ligne is not None else ""
        return (f"{self.fichier}, enregistrement {self.enregistrement}{ligne}, "
                f"champ « {self.champ} »")

    def __str__(self) -> str:
        return f"{self.lieu()} : {self.message}"


@dataclass
class Lecture:
    erreurs: list[Signalement] = field(default_factory=list)
    anomalies: list[Signalement] = field(default_factory=list)


@dataclass
class TerritoireSource:
    code_departement: str  # "" when the file gives none
    population: int
    libelle: str
    enregistrement: int
    ligne: int | None


@dataclass
class ContratSource:
    reference: str
    nom: str
    siren: str  # carrier EPCI
    commune: str  # carrier commune, when not an EPCI
    territoires: list[TerritoireSource] = field(default_factory=list)

    @property
    def population(self) -> int:
        return sum(t.population for t in self.territoires)


@dataclass
class PosteSource:
    dispositif: str
    annee: int
    identifiant: str
    code_tiers: str
    siret: str
    nom: str
    montant: int  # cents
    code_cv: str
    code_departement: str
    code_region: str
    enregistrement: int
    ligne: int | None


def _elements(texte: str, debut: int) -> Iterator[tuple[Any, int]]:
    """The values of the JSON array starting at ``texte[debut] == "["`` with their offset."""
    i = debut + 1
    n = len(texte)
    while True:
        while i < n and texte[i] in " \t\r\n,":
            i += 1
        if i >= n or texte[i] == "]":
            return
        valeur, fin = _DECODEUR.raw_decode(texte, i)
        yield valeur, i
        i = fin


def enregistrements(chemin: Path, cle: str | None,
                    ) -> list[tuple[dict[str, Any], int, int | None]]:
    """(record, number from 1, line) of a JSON array (``cle=None``) or of the array under a
    top-level key; raises ValueError (French) for a malformed file."""
    texte = chemin.read_text(encoding="utf-8")
    try:
        racine = _DECODEUR.decode(texte)
    except json.JSONDecodeError as e:
        raise ValueError(f"{chemin.name}, ligne {e.lineno} : JSON invalide ({e.msg})") from None
    if cle is not None:
        if not isinstance(racine, dict) or not isinstance(racine.get(cle), list):
            raise ValueError(f"{chemin.name} : tableau « {cle} » absent")
        m = re.search(r'"' + re.escape(cle) + r'"\s*:\s*\[', texte)
        debut = m.end() - 1 if m else -1
        attendu = racine[cle]
    else:
        if not isinstance(racine, list):
            raise ValueError(f"{chemin.name} : un tableau JSON est attendu")
        debut, attendu = texte.index("["), racine
    positions = [o for _v, o in _elements(texte, debut)] if debut >= 0 else []
    if len(positions) != len(attendu):  # the key is also somewhere else: no line numbers
        positions = []
    out = []
    for k, valeur in enumerate(attendu):
        ligne = texte.count("\n", 0, positions[k]) + 1 if positions else None
        out.append((valeur if isinstance(valeur, dict) else {"": valeur}, k + 1, ligne))
    return out


class _Champs:
    """Field reading for one record, errors collected with their place."""

    def __init__(self, lecture: Lecture, fichier: str, numero: int, ligne: int | None,
                 donnees: dict[str, Any]):
        self.lecture, self.fichier, self.numero, self.ligne = lecture, fichier, numero, ligne
        self.donnees = donnees
        self.ok = True

    def signaler(self, champ: str, message: str, erreur: bool = True) -> None:
        s = Signalement(self.fichier, self.numero, self.ligne, champ, message)
        (self.lecture.erreurs if erreur else self.lecture.anomalies).append(s)
        self.ok = self.ok and not erreur

    def texte(self, champ: str, requis: bool = True, longueur: int = 300) -> str:
        v = self.donnees.get(champ)
        if v is None or (isinstance(v, str) and not v.strip()):
            if requis:
                self.signaler(champ, "valeur obligatoire absente")
            return ""
        if not isinstance(v, str):
            self.signaler(champ, f"texte attendu, trouvé {json.dumps(v, default=str)[:40]}")
            return ""
        if len(v) > longueur:
            self.signaler(champ, f"texte trop long ({len(v)} caractères, {longueur} au plus)")
            return ""
        return v.strip()

    def entier(self, champ: str, mini: int, maxi: int) -> int | None:
        v = self.donnees.get(champ)
        if isinstance(v, str) and v.isascii() and v.strip().isdigit():
            v = int(v)  # FONJEP's years are text
        elif isinstance(v, Decimal) and v == v.to_integral_value():
            v = int(v)
        if not isinstance(v, int) or isinstance(v, bool) or not mini <= v <= maxi:
            self.signaler(champ, f"entier entre {mini} et {maxi} attendu, trouvé "
                          f"{json.dumps(v, default=str)[:40]}")
            return None
        return v

    def montant(self, champ: str) -> int | None:
        v = self.donnees.get(champ)
        if isinstance(v, bool) or not isinstance(v, int | Decimal | str):
            self.signaler(champ, f"montant attendu, trouvé {json.dumps(v, default=str)[:40]}")
            return None
        try:
            cents = euros_en_centimes(v if isinstance(v, int) else str(v))
        except ValueError as e:
            self.signaler(champ, f"montant invalide : {e}")
            return None
        if cents < 0:
            self.signaler(champ, "montant négatif")
            return None
        return cents


def _siren_valide(s: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def lire_contrats(chemin: Path, lecture: Lecture) -> dict[str, ContratSource]:
    """The contracts of ``geom_cv_ctr.json``, by reference (records of one contract in
    several départements are merged into its territories)."""
    contrats: dict[str, ContratSource] = {}
    for entite, numero, ligne in enregistrements(chemin, "features"):
        props = entite.get("properties")
        c = _Champs(lecture, chemin.name, numero, ligne,
                    props if isinstance(props, dict) else {})
        if not isinstance(props, dict):
            c.signaler("properties", "propriétés absentes")
            continue
        ref = c.texte("code_cv", longueur=40)
        if ref and not _CODE_CV.fullmatch(ref):
            c.signaler("code_cv", f"code « {ref} » invalide (CVnnn attendu)")
        libelle = c.texte("lib_cv")
        porteur = c.texte("codgeo", longueur=9)
        if porteur and not (porteur.isascii() and porteur.isdigit() and len(porteur) in (5, 9)):
            c.signaler("codgeo", f"« {porteur} » n'est ni un SIREN (9 chiffres) ni un code "
                       "commune (5 caractères)")
        elif len(porteur) == 9 and not _siren_valide(porteur):
            c.signaler("codgeo", f"SIREN « {porteur} » : clé de contrôle invalide")
        dep = c.texte("insee_dep", requis=False, longueur=3)
        pop = c.entier("pop", 0, 10_000_000)
        if not c.ok or pop is None:
            continue
        if not dep:
            c.signaler("insee_dep", f"département absent pour {ref} : il reste inconnu",
                       erreur=False)
        nom = libelle.split(" - ", 1)[1].strip() if " - " in libelle else libelle
        contrat = contrats.get(ref)
        if contrat is None:
            contrat = contrats[ref] = ContratSource(
                ref, nom, porteur if len(porteur) == 9 else "",
                porteur if len(porteur) == 5 else "")
        elif (contrat.siren or contrat.commune) != porteur:
            c.signaler("codgeo", f"{ref} est déjà porté par {contrat.siren or contrat.commune}")
            continue
        else:
            c.signaler("code_cv", f"{ref} figure aussi dans un autre département : un seul "
                       "contrat, un territoire par département", erreur=False)
        if any(t.code_departement == dep for t in contrat.territoires):
            c.signaler("insee_dep", f"{ref} figure deux fois dans le département {dep}")
            continue
        contrat.territoires.append(TerritoireSource(dep, pop, libelle, numero, ligne))
    return contrats


def lire_postes(chemin: Path, dispositif: str, lecture: Lecture) -> list[PosteSource]:
    postes: list[PosteSource] = []
    cles: dict[tuple[str, str, int], int] = {}
    for donnees, numero, ligne in enregistrements(chemin, None):
        c = _Champs(lecture, chemin.name, numero, ligne, donnees)
        if isinstance(donnees.get("annee"), str):
            c.signaler("annee", "année écrite en texte (lue comme un nombre)", erreur=False)
        identifiant = c.texte("id_poste", longueur=40)
        code_tiers = c.texte("code_tiers")
        nom = c.texte("raison_sociale")
        annee = c.entier("annee", 1990, 2100)
        montant = c.montant("montant")
        code_cv = c.texte("code_cv", requis=False, longueur=40)
        dep = c.texte("insee_dep", requis=False, longueur=3)
        reg = c.texte("insee_reg", requis=False, longueur=3)
        if not c.ok or annee is None or montant is None:
            continue
        cle = (identifiant, code_tiers, annee)
        if cle in cles:
            c.signaler("id_poste", f"poste {identifiant} de {code_tiers} en double (déjà "
                       f"enregistrement {cles[cle]})")
            continue
        cles[cle] = numero
        siret = code_tiers if len(code_tiers) == 14 and code_tiers.isascii() and \
            code_tiers.isdigit() else ""
        if not siret:
            c.signaler("code_tiers", "le code du tiers n'est pas un SIRET (14 chiffres) : "
                       "SIRET laissé vide, employeur identifié par son nom", erreur=False)
        postes.append(PosteSource(dispositif, annee, identifiant, code_tiers, siret, nom,
                                  montant, code_cv, dep, reg, numero, ligne))
    return postes


def codes_contrat(code: str) -> list[str]:
    """The contract codes a post's ``code_cv`` names (``CV380CV384`` names two)."""
    return _CODE_CV.findall(code)


def somme_centimes(chemin: Path) -> int:
    """Sum of the ``montant`` of every record of a posts file, in cents (for reports)."""
    total = Decimal(0)
    for donnees, _n, _l in enregistrements(chemin, None):
        v = donnees.get("montant")
        if isinstance(v, int | Decimal) and not isinstance(v, bool):
            total += Decimal(v)
    return int(total * 100)
