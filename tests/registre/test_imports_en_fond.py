"""Issue 9, point 4: a big import's dry run runs in the background and holds no write lock:
other users log in and save while it runs."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.test import Client

from tests.registre.conftest import MOT_DE_PASSE

ENTETE = "reference;intitule;epci_siren;generation;date_debut;date_fin;statut;quartiers"


@pytest.mark.django_db(transaction=True)
def test_connexion_et_enregistrement_pendant_un_gros_essai(monde: Any, settings: Any,
                                                          tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from quartiers.registre.contrats.models import ContratDeVille
    from quartiers.registre.contrats.services import enregistrer_contrat
    from quartiers.registre.echanges.models import ImportRegistre
    from quartiers.registre.echanges.travaux import traiter_en_attente

    settings.MEDIA_ROOT = tmp_path
    settings.REGISTRE_IMPORTS_INTEGRES = False
    lignes = [f"CV-G{i:05d};Gros {i};200046977;2024;2024-01-01;;;QN06901M"
              for i in range(2500)]
    admin = Client()
    admin.force_login(monde.users["admin"])
    resp = admin.post("/registre/echanges/importer/", {
        "fichier": SimpleUploadedFile("gros.csv", "\n".join([ENTETE, *lignes]).encode()),
        "type": "contrats"})
    assert resp.status_code == 302
    def travailler() -> None:
        from django.db import connections

        try:
            traiter_en_attente()
        finally:
            connections.close_all()  # this thread's own connection (PostgreSQL: test db drop)

    travailleur = threading.Thread(target=travailler)
    travailleur.start()
    try:
        debut = time.monotonic()
        while not ImportRegistre.objects.filter(statut=ImportRegistre.ESSAI,
                                                traitees__gt=0).exists():
            assert time.monotonic() - debut < 120, "l'essai n'a pas commencé"
            time.sleep(0.05)
        # while the dry run goes on: a login (session, last login) and a save
        t0 = time.monotonic()
        assert Client().post("/connexion/", {"username": "chef_a",
                                             "password": MOT_DE_PASSE}).status_code == 302
        contrat = ContratDeVille.objects.get(pk=monde.contrat_b.pk)
        contrat.intitule = "Enregistré pendant l'essai"
        enregistrer_contrat(monde.users["admin"], contrat, [monde.qb1], contrat.version)
        duree = time.monotonic() - t0
        job = ImportRegistre.objects.get()
        assert job.statut == ImportRegistre.ESSAI, "l'essai devait être encore en cours"
        assert duree < 5, f"connexion et enregistrement ont attendu {duree:.1f} s"
    finally:
        travailleur.join(300)
    job.refresh_from_db()
    assert job.statut == ImportRegistre.PRET and job.crees == {"contrats": 2500}
    assert not ContratDeVille.objects.filter(reference__startswith="CV-G").exists()
    assert ContratDeVille.objects.get(pk=monde.contrat_b.pk).intitule == \
        "Enregistré pendant l'essai"
