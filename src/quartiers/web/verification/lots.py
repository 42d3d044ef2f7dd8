"""Background processing of batch lookup jobs (no Celery).

A job (:class:`LotVerification`) is created in the database with its uploaded file; a worker
claims it atomically (``attente`` -> ``en_cours``) and runs it **in a child process** under
memory and time limits (:mod:`quartiers.eligibility.isolated`): the same code as
``quartiers verifier``, reading the file through the one reader of user tables under the
upload limits. Progress comes back from the child and is saved; the result and errors files
are attached to the job at the end. A refused or crashing file ends the job ``echec`` once,
with its reason: it never takes the server down and is never put back in the queue to crash
again.

Two ways to run the worker:

- built in (default, ``QUARTIERS_LOTS_TRAITEMENT_INTEGRE=1``): the web process starts a
  daemon thread when a job is submitted or a job page is viewed, which drains the queue and
  stops; a job left ``en_cours`` by a stopped server (no heartbeat for :data:`DELAI_ABANDON`)
  is put back in the queue if it has been tried fewer than :data:`TENTATIVES_MAX` times,
  otherwise it fails;
- dedicated: ``python -m quartiers.web traiter_lots`` (loops, or ``--une-fois``).
"""

from __future__ import annotations

import dataclasses
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from quartiers.eligibility.isolated import EchecIsole, Job, run
from quartiers.io.limits import ReadLimits
from quartiers.web.travail_en_fond import TravailleurEnFond, vider_file
from quartiers.web.verification.models import LotVerification

DELAI_ABANDON = timedelta(minutes=2)
TENTATIVES_MAX = 2


def limites_depot() -> ReadLimits:
    """The reading limits of an uploaded batch file (settings ``LOTS_*``)."""
    return ReadLimits.for_upload(max_bytes=settings.LOTS_TAILLE_MAX,
                                 max_rows=settings.LOTS_LIGNES_MAX,
                                 max_seconds=settings.LOTS_DUREE_MAX)


def _pluriel(n: int, mot: str) -> str:
    return f"{n} {mot}{'s' if n > 1 else ''}"


def traiter(lot: LotVerification) -> None:
    """Process one claimed job to the end (result and errors files, or failure)."""
    lot_id = lot.pk

    def progres(done: int, total: int, rows: int) -> None:
        LotVerification.objects.filter(pk=lot_id).update(
            traitees=rows, avancement=min(int(100 * done / total), 99) if total else 0,
            maj_le=timezone.now())

    with tempfile.TemporaryDirectory(prefix="quartiers-lot-") as tmp:
        job = Job(
            entree=lot.fichier.path, nom=lot.nom_fichier, sortie=str(Path(tmp) / "resultat.csv"),
            erreurs=str(Path(tmp) / "erreurs.csv"), perimetres=[lot.millesime],
            tolerance=lot.tolerance, limits=dataclasses.asdict(limites_depot()),
            memory_bytes=settings.LOTS_MEMOIRE_MAX, seconds=settings.LOTS_DUREE_MAX,
            adresse=[c.strip() for c in lot.colonnes_adresse.split(",") if c.strip()]
            or "auto", geocodeur=getattr(settings, "GEOCODEUR", None) or None,
        )
        try:
            resume = run(job, progres)
        except EchecIsole as e:
            _echec(lot, e.message_complet())
            _sans_entree(lot)
            return
        base = Path(lot.nom_fichier).stem[:80] or "fichier"
        lot.refresh_from_db()
        with open(job.sortie, "rb") as f:
            lot.resultat.save(f"{lot.pk}-{base}-resultat.csv", File(f), save=False)
        with open(job.erreurs, "rb") as f:
            lot.erreurs.save(f"{lot.pk}-{base}-erreurs.csv", File(f), save=False)
    _sans_entree(lot)
    n, rejected = resume["lignes"], resume["rejetees"]
    statuts: dict[str, int] = next(iter(resume["statuts"].values()), {})
    lot.total = lot.traitees = n
    lot.dans_qpv, lot.rejetees = sum(resume["dans_qpv"].values()), rejected
    lot.oui, lot.non = statuts.get("oui", 0), statuts.get("non", 0)
    lot.inconnu = statuts.get("inconnu", 0)
    lot.avancement = 100
    lot.statut = LotVerification.TERMINE
    lot.termine_le = timezone.now()
    colonnes = " + ".join(resume["colonnes"])
    lot.message = (f"{_pluriel(n, 'ligne')} : {lot.oui} oui, {lot.non} non, {lot.inconnu} "
                   f"inconnu, {rejected} {'illisibles' if rejected > 1 else 'illisible'} "
                   f"({resume['mode']} : {colonnes})")
    lot.save()


def _sans_entree(lot: LotVerification) -> None:
    """The uploaded file is deleted once read: its rows are all in the result (or, for the
    unreadable lines, in the errors file); addresses are personal data, kept no longer."""
    if lot.fichier:
        lot.fichier.delete(save=False)
        LotVerification.objects.filter(pk=lot.pk).update(fichier="")


def purger() -> int:
    """Delete the jobs (and their files) older than the retention period; return how many."""
    now = timezone.now()
    old = (LotVerification.objects.filter(
        proprietaire__isnull=True,
        cree_le__lt=now - timedelta(days=settings.LOTS_CONSERVATION_JOURS_ANONYMES))
        | LotVerification.objects.filter(
        proprietaire__isnull=False,
        cree_le__lt=now - timedelta(days=settings.LOTS_CONSERVATION_JOURS_COMPTES)))
    old = old.exclude(statut=LotVerification.EN_COURS)
    n = 0
    for lot in old:  # per expired job: a handful a day
        for f in (lot.fichier, lot.resultat, lot.erreurs):
            if f:
                f.delete(save=False)
        lot.delete()
        n += 1
    return n


def _echec(lot: LotVerification, message: str) -> None:
    LotVerification.objects.filter(pk=lot.pk).update(
        statut=LotVerification.ECHEC, message=message, termine_le=timezone.now(),
        maj_le=timezone.now())


def reprendre_abandonnes() -> int:
    """Jobs a stopped worker left running: back in the queue, or failed after
    :data:`TENTATIVES_MAX` tries (a file that kills its worker must not loop)."""
    limite = timezone.now() - DELAI_ABANDON
    stale = LotVerification.objects.filter(statut=LotVerification.EN_COURS, maj_le__lt=limite)
    stale.filter(tentatives__gte=TENTATIVES_MAX).update(
        statut=LotVerification.ECHEC, termine_le=timezone.now(),
        message=f"traitement abandonné après {TENTATIVES_MAX} tentatives interrompues")
    return stale.filter(tentatives__lt=TENTATIVES_MAX).update(
        statut=LotVerification.ATTENTE, traitees=0, avancement=0)


def reserver() -> LotVerification | None:
    """Claim the oldest waiting job atomically (safe with several workers)."""
    for lot_id in LotVerification.objects.filter(
        statut=LotVerification.ATTENTE
    ).order_by("cree_le").values_list("id", flat=True)[:5]:
        with transaction.atomic():
            claimed = LotVerification.objects.filter(
                pk=lot_id, statut=LotVerification.ATTENTE
            ).update(statut=LotVerification.EN_COURS, maj_le=timezone.now(),
                     tentatives=F("tentatives") + 1)
        if claimed:
            return LotVerification.objects.get(pk=lot_id)
    return None


def traiter_en_attente() -> int:
    """Process waiting jobs until none is left; return how many were processed."""
    reprendre_abandonnes()
    purger()
    return vider_file("lot", reserver, traiter, _echec)


TRAVAILLEUR = TravailleurEnFond("quartiers-lots", traiter_en_attente, "LOTS_TRAITEMENT_INTEGRE")
#: Start the built-in worker thread if enabled; wake it if it is running.
assurer_travailleur = TRAVAILLEUR.reveiller
attendre_travailleur = TRAVAILLEUR.attendre
