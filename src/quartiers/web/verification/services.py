"""The use cases of the address check, shared by the pages and the API.

One point, one typed address, several points, a batch file: every answer comes from
:mod:`quartiers.eligibility` (the same rules as ``quartiers verifier``) and carries
``statut`` (``oui``, ``non`` or ``inconnu``), its ``motif``, and what it rests on: the list
(vintage, source, coverage) and the territory (the commune holding the point).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from quartiers.eligibility import answers, checker
from quartiers.eligibility.api import Checker, answer_points, plain
from quartiers.web.geodonnees import listes
from quartiers.web.verification.models import LotVerification

TOLERANCE_MAX = 5000.0
_lock = threading.Lock()
_NUMBER = r"(-?\d{1,3}(?:[.,]\d+)?)"
_PAIR = re.compile(rf"^\s*{_NUMBER}\s*[,;\s]\s*{_NUMBER}\s*$")


#: A request that cannot be answered at all (unknown list, bad tolerance), with a code.
ErreurVerification = listes.ErreurPoint


def liste(millesime: str) -> Checker:
    """The checker of a list offered by the application (``2024``, ``2015``, ``calcul``)."""
    if millesime not in listes.MILLESIMES:
        raise ErreurVerification(
            "millesime_inconnu",
            f"liste « {millesime} » inconnue (valeurs possibles : "
            f"{', '.join(listes.MILLESIMES)})")
    return _liste(millesime)


@lru_cache(maxsize=8)
def _liste(millesime: str) -> Checker:
    with _lock:
        return checker(listes.perimetres(millesime))


def _tolerance(tolerance: float | None) -> float:
    t = float(tolerance or 0.0)
    if not 0 <= t <= TOLERANCE_MAX:
        raise ErreurVerification("tolerance_invalide",
                                 "la tolérance doit être comprise entre 0 et 5000 m")
    return t


@lru_cache(maxsize=1)
def geocodeur() -> Any:
    """The application's geocoder (``QUARTIERS_GEOCODEUR``: embedded by default, or
    ``addok:URL``), opened once per process."""
    from quartiers.geocoding import open_geocoder

    return open_geocoder(getattr(settings, "GEOCODEUR", None) or None)


def lire_coordonnees(texte: str) -> tuple[float, float] | None:
    """Coordinates pasted as text (``43.70487, 7.25687``, comma decimals, either order for
    France), as ``(lon, lat)``; None when the text is not a pair of numbers.

    >>> lire_coordonnees("43,70487, 7,25687"), lire_coordonnees("7.25687;43.70487")
    ((7.25687, 43.70487), (7.25687, 43.70487))
    >>> lire_coordonnees("12 boulevard Pasteur") is None
    True
    """
    m = _PAIR.match(texte or "")
    if m is None:
        return None
    a, b = (float(g.replace(",", ".")) for g in m.groups())
    if 41 <= a <= 52 and -6 <= b <= 10:  # pasted from a map: latitude first
        return b, a
    return a, b


def _reponse(cols: dict[str, np.ndarray], k: int, chk: Checker, millesime: str,
             lon: float | None, lat: float | None) -> dict[str, Any]:
    """One point's answer as the API and the pages give it."""
    territory = chk.territory
    code = plain(cols["commune"][k])
    commune = None
    if code is not None and territory is not None:
        commune = {"code": code, "nom": territory.name_of(code)}
    cov = chk.perimeters.coverage
    return {
        "millesime": millesime,
        "lon": lon, "lat": lat,
        "statut": cols["statut"][k], "motif": plain(cols["motif"][k]),
        "dans_qpv": plain(cols["dans_qpv"][k]),
        "qpv_code": plain(cols["qpv_code"][k]), "qpv_nom": plain(cols["qpv_nom"][k]),
        "communes": [c for c in str(plain(cols["communes"][k]) or "").split(",") if c],
        "distance_m": plain(cols["distance_m"][k]),
        "qpv_proche": plain(cols["qpv_proche"][k]),
        "distance_proche_m": plain(cols["distance_proche_m"][k]),
        "bande_300m": plain(cols["bande_300m"][k]),
        "bande_500m": plain(cols["bande_500m"][k]),
        "commune": commune,
        "liste": {
            "millesime": millesime, "libelle": listes.MILLESIMES[millesime],
            # the file's name, never the server's folders
            "source": Path(chk.perimeters.source).name,
            "couverture": cov.describe if cov is not None else "aucune",
        },
        "territoire": territory.describe() if territory is not None else None,
    }


def verifier_points(lons: np.ndarray, lats: np.ndarray, millesime: str = "2024",
                    tolerance: float | None = 0.0) -> list[dict[str, Any]]:
    """WGS84 points (NaN for missing values) in one list: one answer per point."""
    chk = liste(millesime)
    t = _tolerance(tolerance)
    lons = np.asarray(lons, dtype=np.float64)
    lats = np.asarray(lats, dtype=np.float64)
    cols = answer_points(lons, lats, [("", chk)], crs="wgs84", tolerance=t)
    return [_reponse(cols, k, chk, millesime, plain(lons[k]), plain(lats[k]))
            for k in range(len(lons))]  # building the JSON answers, one per point


def verifier_point(lon: float, lat: float, millesime: str = "2024",
                   tolerance: float | None = 0.0) -> dict[str, Any]:
    """One WGS84 point in one list."""
    return verifier_points(np.array([lon]), np.array([lat]), millesime, tolerance)[0]


def verifier_adresse(texte: str, millesime: str = "2024",
                     tolerance: float | None = 0.0) -> dict[str, Any]:
    """A typed address (or pasted coordinates) in one list: the address found, then the
    answer for that position (``inconnu`` when the address is not found or uncertain)."""
    coords = lire_coordonnees(texte)
    if coords is not None:
        return verifier_point(coords[0], coords[1], millesime, tolerance)
    from quartiers.eligibility.addresses import place_addresses

    chk = liste(millesime)
    t = _tolerance(tolerance)
    place, found = place_addresses(np.array([texte], dtype=object), geocodeur(), chk)
    cols = answer_points(place.x, place.y, [("", chk)], crs="lambert93", tolerance=t,
                         place=place)
    out = _reponse(cols, 0, chk, millesime, plain(found["geocodage_lon"][0]),
                   plain(found["geocodage_lat"][0]))
    out["adresse"] = {
        "saisie": texte,
        "libelle": plain(found["geocodage_libelle"][0]),
        "score": plain(found["geocodage_score"][0]),
        "type": plain(found["geocodage_type"][0]),
        "lat": plain(found["geocodage_lat"][0]),
        "lon": plain(found["geocodage_lon"][0]),
    }
    return out


def suggestions(q: str, limite: int = 5) -> list[dict[str, Any]]:
    """Addresses matching what is typed so far (for the suggestions under the field)."""
    q = (q or "").strip()
    if len(q) < 3:
        return []
    return [{k: plain(v) for k, v in s.items()} for s in geocodeur().search(q, limit=limite)]


def suffixe_fichier(name: str) -> str:
    """The stored file's extension (what it really holds is checked by the reader)."""
    low = name.lower()
    for s in (".xlsx", ".xlsm", ".ods", ".tsv", ".txt", ".csv"):
        if low.endswith(s):
            return s
    return ".csv"


def empreinte_client(request: Any) -> str:
    """A salted hash of the client's address (quotas without keeping the address)."""
    import hashlib

    from quartiers.web.reseau import adresse_client

    address = adresse_client(request)
    return hashlib.sha256(f"{settings.SECRET_KEY}|{address}".encode()).hexdigest()[:32]


def _quota(client: str, size: int) -> None:
    """Anonymous uploads: a few files in progress at once, a few megabytes per hour."""
    from datetime import timedelta

    from django.db.models import Sum
    from django.utils import timezone

    lots = LotVerification.objects.filter(client=client, proprietaire__isnull=True)
    en_cours = lots.filter(statut__in=(LotVerification.ATTENTE, LotVerification.EN_COURS))
    if en_cours.count() >= settings.LOTS_ANONYMES_EN_COURS_MAX:
        raise ErreurVerification(
            "quota", f"déjà {settings.LOTS_ANONYMES_EN_COURS_MAX} fichiers en cours de "
                     "traitement depuis cette adresse : attendez qu'ils soient terminés, ou "
                     "connectez-vous")
    heure = timezone.now() - timedelta(hours=1)
    recent = lots.filter(cree_le__gte=heure).aggregate(total=Sum("taille"))["total"] or 0
    limite = settings.LOTS_ANONYMES_OCTETS_HEURE
    if recent + size > limite:
        raise ErreurVerification(
            "quota", f"quota dépassé : {limite // 1_000_000} Mo de fichiers par heure depuis "
                     "une même adresse sans compte ; réessayez plus tard ou connectez-vous")


def creer_lot(fichier: UploadedFile, millesime: str, tolerance: float | None,
              proprietaire: Any, adresse: str = "", request: Any = None) -> LotVerification:
    """A batch job for an uploaded file (page and API): quotas checked, stored, queued."""
    from quartiers.web.verification import lots

    liste(millesime)
    size = int(fichier.size or 0)
    if size > settings.LOTS_TAILLE_MAX:
        raise ErreurVerification(
            "trop_volumineux",
            f"fichier trop volumineux (au plus {settings.LOTS_TAILLE_MAX // 1_000_000} Mo)")
    owner = proprietaire if getattr(proprietaire, "is_authenticated", False) else None
    client = empreinte_client(request)
    if owner is None:
        _quota(client, size)
    nom = (fichier.name or "fichier.csv")[:255]
    lot = LotVerification(nom_fichier=nom, millesime=millesime, client=client, taille=size,
                          tolerance=_tolerance(tolerance), colonnes_adresse=adresse[:255],
                          proprietaire=owner)
    lot.fichier.save(f"{lot.id}{suffixe_fichier(nom)}", fichier, save=False)
    lot.save()
    lots.assurer_travailleur()
    return lot


def motifs_connus() -> dict[int, str]:
    """The reason categories of ``inconnu`` answers (for the pages' explanations)."""
    return dict(answers.MOTIFS)
