"""Background processing of register imports (:class:`.models.ImportRegistre`).

A job is created with its uploaded file; a worker claims it atomically and runs the dry run
(:func:`.importation.preparer`: reads only, no transaction, progress saved every few
hundred rows) or, once the user confirmed, the application (one short transaction). The
page shows the first errors; the full report is a CSV download. Nothing here holds the
database for the duration of a check, so other users' saves and logins go on.

Like the batch lookups of the web application, the worker is a daemon thread of the web
process started when a job is submitted (``REGISTRE_IMPORTS_INTEGRES``, default on), or
the command ``python -m quartiers.web traiter_imports``.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from quartiers.registre.echanges.formats import FichierIllisible, ecrire_csv, lire
from quartiers.registre.echanges.importation import (
    Erreur,
    Progres,
    Rapport,
    importer,
    preparer,
    versions,
)
from quartiers.registre.echanges.models import ImportRegistre
from quartiers.web.travail_en_fond import TravailleurEnFond, vider_file

DELAI_ABANDON = timedelta(minutes=5)


def _progres(job_id: object) -> Progres:
    def progres(faites: int, total: int) -> None:
        ImportRegistre.objects.filter(pk=job_id).update(traitees=faites, total=total,
                                                        maj_le=timezone.now())
    return progres


def _terminer(job: ImportRegistre, rapport: Rapport, statut: str, message: str) -> None:
    job.statut, job.message = statut, message
    job.nb_erreurs = len(rapport.erreurs)
    job.erreurs_apercu = [vars(e) for e in rapport.erreurs[:ImportRegistre.APERCU]]
    job.crees, job.modifies = rapport.crees, rapport.modifies
    job.traitees = job.total = rapport.lignes
    if rapport.erreurs:
        contenu = ecrire_csv(["feuille", "ligne", "champ", "erreur"],
                             [[e.feuille, e.ligne, e.champ, e.message]
                              for e in rapport.erreurs])
        job.rapport.save(f"{job.pk}-erreurs.csv", ContentFile(contenu), save=False)
    job.termine_le = timezone.now()
    job.save()


def traiter(job: ImportRegistre) -> None:
    """Run the claimed job's dry run or application to the end."""
    data = job.fichier.read()
    job.fichier.close()
    if not job.confirme:
        try:
            tables = lire(job.nom_fichier, data, job.type_defaut)
        except FichierIllisible as e:
            _terminer(job, Rapport(erreurs=[Erreur(job.type_defaut, 1, "", str(e))]),
                      ImportRegistre.ERREURS, "fichier illisible")
            return
        rapport, operations = preparer(tables, job.proprietaire, _progres(job.pk))
        job.versions = versions(operations)
        if rapport.ok:
            _terminer(job, rapport, ImportRegistre.PRET,
                      "essai réussi : rien n'est encore enregistré")
        else:
            _terminer(job, rapport, ImportRegistre.ERREURS,
                      "essai avec erreurs : rien n'a été enregistré")
        return
    rapport = importer(job.nom_fichier, data, job.type_defaut, job.proprietaire,
                       appliquer=True, versions_lues=job.versions,
                       progres=_progres(job.pk))
    if rapport.applique:
        _terminer(job, rapport, ImportRegistre.APPLIQUE, "import appliqué")
    else:
        _terminer(job, rapport, ImportRegistre.ECHEC, "import refusé : rien n'a été enregistré")


def reserver() -> ImportRegistre | None:
    """Claim the oldest waiting job atomically (safe with several workers)."""
    limite = timezone.now() - DELAI_ABANDON
    ImportRegistre.objects.filter(statut__in=(ImportRegistre.ESSAI,
                                              ImportRegistre.APPLICATION),
                                  maj_le__lt=limite).update(
        statut=ImportRegistre.ECHEC, message="traitement interrompu : recommencez l'essai",
        termine_le=timezone.now())
    for job_id in ImportRegistre.objects.filter(statut=ImportRegistre.ATTENTE).order_by(
            "cree_le").values_list("id", flat=True)[:5]:
        with transaction.atomic():
            job = ImportRegistre.objects.filter(pk=job_id, statut=ImportRegistre.ATTENTE).first()
            if job is None:
                continue
            statut = ImportRegistre.APPLICATION if job.confirme else ImportRegistre.ESSAI
            pris = ImportRegistre.objects.filter(pk=job_id, statut=ImportRegistre.ATTENTE
                                                 ).update(statut=statut, maj_le=timezone.now())
        if pris:
            return ImportRegistre.objects.get(pk=job_id)
    return None


def _echouer(job: ImportRegistre, message: str) -> None:
    ImportRegistre.objects.filter(pk=job.pk).update(
        statut=ImportRegistre.ECHEC, message=message, termine_le=timezone.now())


def traiter_en_attente() -> int:
    """Process waiting imports until none is left; return how many were processed."""
    return vider_file("import", reserver, traiter, _echouer)


TRAVAILLEUR = TravailleurEnFond("registre-imports", traiter_en_attente,
                                "REGISTRE_IMPORTS_INTEGRES")
assurer_travailleur = TRAVAILLEUR.reveiller
attendre_travailleur = TRAVAILLEUR.attendre
