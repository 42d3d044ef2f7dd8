"""Background processing of batch lookup jobs (no Celery).

A job (:class:`LotVerification`) is created in the database with its uploaded file; a worker
claims it atomically (``attente`` -> ``en_cours``), reads the file in chunks, updates the
progress after each chunk and writes the result and errors files. The job lives in the
database, not in the browser: closing the page changes nothing, the result stays
downloadable.

Two ways to run the worker:

- built in (default, ``QUARTIERS_LOTS_TRAITEMENT_INTEGRE=1``): the web process starts a
  daemon thread when a job is submitted or a job page is viewed, which drains the queue and
  stops; jobs left ``en_cours`` by a stopped server (no heartbeat for
  :data:`DELAI_ABANDON`) are put back in the queue;
- dedicated: ``python -m quartiers.web traiter_lots`` (loops, or ``--une-fois``).

Input: CSV (separator and UTF-8/Latin-1 detected) or XLSX with longitude/latitude (WGS84)
or x/y (Lambert-93) columns. Output: the input columns unchanged plus ``dans_qpv``,
``qpv_code``, ``qpv_nom``, ``communes``, ``distance_m``, ``qpv_proche``,
``distance_proche_m``. Rejected rows go to the errors file with line number and reason.
"""

from __future__ import annotations

import csv
import logging
import tempfile
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.files import File
from django.db import close_old_connections, transaction
from django.utils import timezone
from pyproj import Transformer

from quartiers.web import geodonnees
from quartiers.web.verification.models import LotVerification

log = logging.getLogger(__name__)
TAILLE_BLOC = 5000
DELAI_ABANDON = timedelta(minutes=2)
LON = ("lon", "longitude", "lng", "long", "x_wgs84", "lon_wgs84")
LAT = ("lat", "latitude", "y_wgs84", "lat_wgs84")
X93 = ("x", "x_l93", "x_lambert93", "coord_x")
Y93 = ("y", "y_l93", "y_lambert93", "coord_y")
COLONNES_RESULTAT = ["dans_qpv", "qpv_code", "qpv_nom", "communes", "distance_m",
                     "qpv_proche", "distance_proche_m"]


class FichierInvalide(Exception):
    """The uploaded file cannot be processed at all (French message)."""


def _encodage(head: bytes) -> str:
    try:
        head.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as e:
        # a multi-byte character cut at the end of the sample is not an error
        if e.start >= len(head) - 3:
            return "utf-8-sig"
        return "latin-1"


def _separateur(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def lire_blocs(path: Path, nom: str) -> tuple[list[str], Iterator[pd.DataFrame], int, str]:
    """Columns, an iterator of string DataFrames, the number of data rows, the separator."""
    suffix = Path(nom).suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        from python_calamine import CalamineWorkbook

        try:
            wb = CalamineWorkbook.from_path(str(path))
            rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except Exception as e:
            raise FichierInvalide(f"classeur illisible ({e})") from None
        if not rows:
            raise FichierInvalide("classeur vide")
        cols = [str(c).strip() for c in rows[0]]
        data = [["" if v is None else str(v) for v in r] for r in rows[1:]]
        df = pd.DataFrame(data, columns=cols, dtype=str)
        blocs = (df.iloc[i:i + TAILLE_BLOC] for i in range(0, len(df), TAILLE_BLOC))
        return cols, blocs, len(df), ";"
    head = path.open("rb").read(65536)
    if b"\x00" in head:
        raise FichierInvalide("ce n'est pas un fichier CSV (contenu binaire)")
    enc = _encodage(head)
    sep = _separateur(head.decode(enc, errors="replace"))
    with path.open("rb") as f:
        total = max(sum(1 for _ in f) - 1, 0)
    try:
        reader = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding=enc,
                             chunksize=TAILLE_BLOC, on_bad_lines="error")
        first = next(reader, None)
    except Exception as e:
        raise FichierInvalide(f"fichier CSV illisible ({e})") from None
    if first is None:
        raise FichierInvalide("fichier vide")
    cols = [str(c) for c in first.columns]

    def gen() -> Iterator[pd.DataFrame]:
        yield first
        yield from reader

    return cols, gen(), total, sep


def colonnes_coordonnees(cols: list[str]) -> tuple[str, str, str]:
    """(x column, y column, ``wgs84`` or ``l93``) from common names."""
    lower = {c.strip().lower(): c for c in cols}
    lon = next((lower[c] for c in LON if c in lower), None)
    lat = next((lower[c] for c in LAT if c in lower), None)
    if lon and lat:
        return lon, lat, "wgs84"
    x = next((lower[c] for c in X93 if c in lower), None)
    y = next((lower[c] for c in Y93 if c in lower), None)
    if x and y:
        return x, y, "l93"
    raise FichierInvalide(
        "colonnes de coordonnées introuvables : attendu longitude/latitude (lon, lat, "
        f"longitude, latitude...) ou x/y en Lambert-93 ; colonnes trouvées : {', '.join(cols)}"
    )


def _nombres(values: pd.Series) -> np.ndarray:
    text = values.astype(str).str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)


def verifier_bloc(
    df: pd.DataFrame, cx: str, cy: str, crs: str, millesime: str, tolerance: float,
    premiere_ligne: int,
) -> tuple[pd.DataFrame, list[dict]]:
    """Check one chunk: (valid rows with result columns, rejected rows)."""
    a, b = _nombres(df[cx]), _nombres(df[cy])
    erreurs: list[dict] = []
    if crs == "l93":
        t = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
        lon, lat = t.transform(a, b)
        lon, lat = np.asarray(lon), np.asarray(lat)
    else:
        lon, lat = a, b
    ok = np.ones(len(df), dtype=bool)
    for k in range(len(df)):
        ligne = premiere_ligne + k
        if np.isnan(a[k]) or np.isnan(b[k]):
            vide = str(df[cx].iat[k]).strip() == "" or str(df[cy].iat[k]).strip() == ""
            erreurs.append({"ligne": ligne, "code": "coordonnees_absentes" if vide else
                            "coordonnees_invalides",
                            "motif": "coordonnées absentes" if vide else
                            "coordonnées non numériques"})
            ok[k] = False
            continue
        try:
            geodonnees.controler_coordonnees(float(lon[k]), float(lat[k]))
        except geodonnees.ErreurPoint as e:
            erreurs.append({"ligne": ligne, "code": e.code, "motif": e.message})
            ok[k] = False
    valid = df[ok].copy()
    if len(valid):
        res = geodonnees.verifier_points(lon[ok], lat[ok], millesime, tolerance)
        for col in COLONNES_RESULTAT:
            valid[col] = res[col]
        valid["dans_qpv"] = np.where(res["dans_qpv"], "oui", "non")
    else:
        for col in COLONNES_RESULTAT:
            valid[col] = []
    for rejet in erreurs:
        row = df.iloc[rejet["ligne"] - premiere_ligne]
        rejet["valeurs"] = f"{cx}={row[cx]} ; {cy}={row[cy]}"
    return valid, erreurs


def traiter(lot: LotVerification) -> None:
    """Process one claimed job to the end (result and errors files)."""
    path = Path(lot.fichier.path)
    try:
        cols, blocs, total, sep = lire_blocs(path, lot.nom_fichier)
        cx, cy, crs = colonnes_coordonnees(cols)
    except FichierInvalide as e:
        _echec(lot, str(e))
        return
    lot.total = total
    lot.save(update_fields=["total", "maj_le"])
    sortie_sep = sep if sep in ",;\t" else ";"
    with tempfile.TemporaryDirectory() as tmp:
        res_path, err_path = Path(tmp) / "resultat.csv", Path(tmp) / "erreurs.csv"
        n, inside, rejected = 0, 0, 0
        with res_path.open("w", encoding="utf-8", newline="") as out, \
                err_path.open("w", encoding="utf-8", newline="") as err:
            err_writer = csv.writer(err, delimiter=sortie_sep)
            err_writer.writerow(["ligne", "code", "motif", "valeurs"])
            header = True
            try:
                for bloc in blocs:
                    valid, erreurs = verifier_bloc(bloc, cx, cy, crs, lot.millesime,
                                                   lot.tolerance, premiere_ligne=n + 2)
                    valid.to_csv(out, sep=sortie_sep, index=False, header=header)
                    header = False
                    for rejet in erreurs:
                        err_writer.writerow([rejet["ligne"], rejet["code"], rejet["motif"],
                                             rejet["valeurs"]])
                    n += len(bloc)
                    inside += int((valid["dans_qpv"] == "oui").sum()) if len(valid) else 0
                    rejected += len(erreurs)
                    LotVerification.objects.filter(pk=lot.pk).update(
                        traitees=n, dans_qpv=inside, rejetees=rejected, maj_le=timezone.now())
            except Exception as e:  # a malformed line in the middle of a CSV
                _echec(lot, f"lecture interrompue après {n} lignes : {e}")
                return
            if header:  # no valid row at all: still write the header
                out.write(sortie_sep.join([*cols, *COLONNES_RESULTAT]) + "\n")
        base = Path(lot.nom_fichier).stem[:80] or "fichier"
        lot.refresh_from_db()
        with res_path.open("rb") as f:
            lot.resultat.save(f"{lot.pk}-{base}-resultat.csv", File(f), save=False)
        with err_path.open("rb") as f:
            lot.erreurs.save(f"{lot.pk}-{base}-erreurs.csv", File(f), save=False)
    lot.total = max(lot.total, n)
    lot.traitees, lot.dans_qpv, lot.rejetees = n, inside, rejected
    lot.statut = LotVerification.TERMINE
    lot.termine_le = timezone.now()
    lot.message = (f"{n} ligne{'s' if n > 1 else ''} traitée{'s' if n > 1 else ''}, "
                   f"{inside} dans un QPV, {rejected} rejetée{'s' if rejected > 1 else ''}")
    lot.save()


def _echec(lot: LotVerification, message: str) -> None:
    LotVerification.objects.filter(pk=lot.pk).update(
        statut=LotVerification.ECHEC, message=message, termine_le=timezone.now(),
        maj_le=timezone.now())


def reprendre_abandonnes() -> int:
    """Put back in the queue the jobs a stopped worker left running."""
    limite = timezone.now() - DELAI_ABANDON
    return LotVerification.objects.filter(
        statut=LotVerification.EN_COURS, maj_le__lt=limite
    ).update(statut=LotVerification.ATTENTE, traitees=0)


def reserver() -> LotVerification | None:
    """Claim the oldest waiting job atomically (safe with several workers)."""
    for lot_id in LotVerification.objects.filter(
        statut=LotVerification.ATTENTE
    ).order_by("cree_le").values_list("id", flat=True)[:5]:
        with transaction.atomic():
            claimed = LotVerification.objects.filter(
                pk=lot_id, statut=LotVerification.ATTENTE
            ).update(statut=LotVerification.EN_COURS, maj_le=timezone.now())
        if claimed:
            return LotVerification.objects.get(pk=lot_id)
    return None


def traiter_en_attente() -> int:
    """Process waiting jobs until none is left; return how many were processed."""
    reprendre_abandonnes()
    n = 0
    while (lot := reserver()) is not None:
        try:
            traiter(lot)
        except Exception as e:  # never leave a job running forever
            log.exception("lot %s", lot.pk)
            _echec(lot, f"erreur interne : {e}")
        n += 1
    return n


_thread: threading.Thread | None = None
_thread_lock = threading.Lock()
_encore = False


def _boucle() -> None:
    global _encore, _thread
    try:
        while True:
            with _thread_lock:
                _encore = False
            try:
                traiter_en_attente()
            except Exception:  # database gone (shutdown): the jobs stay queued
                log.exception("travailleur des lots")
            with _thread_lock:
                if not _encore:
                    _thread = None
                    return
    finally:
        close_old_connections()


def assurer_travailleur() -> None:
    """Start the built-in worker thread if enabled; wake it if it is running."""
    global _thread, _encore
    if not getattr(settings, "LOTS_TRAITEMENT_INTEGRE", True):
        return
    with _thread_lock:
        _encore = True
        if _thread is not None and _thread.is_alive():
            return
        _thread = threading.Thread(target=_boucle, name="quartiers-lots", daemon=True)
        _thread.start()


def attendre_travailleur(timeout: float = 60) -> None:
    """Wait for the built-in worker (tests)."""
    t = _thread
    if t is not None:
        t.join(timeout)
