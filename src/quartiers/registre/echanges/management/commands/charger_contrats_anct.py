"""``python -m quartiers.web charger_contrats_anct [--wet-run]``: the 434 ANCT records of the
contrats de ville 2015-2023 and the adulte-relais and FONJEP posts funded in 2023, as real
records. Without ``--wet-run`` nothing is written (the report says what would change)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from quartiers.errors import QuartiersError
from quartiers.io.atomic import atomic_path
from quartiers.registre.commun import centimes_en_euros
from quartiers.registre.echanges.anct import DOSSIER, Signalement
from quartiers.registre.echanges.chargement_anct import ETATS, Bilan, charger

LIBELLES = {"crees": "créés", "modifies": "modifiés", "inchanges": "inchangés",
            "supprimes": "supprimés"}
DISPOSITIFS = {"adulte_relais": "adultes-relais", "fonjep": "FONJEP"}
EXEMPLES = 3


class Command(BaseCommand):
    help = ("Charge les contrats de ville 2015-2023 de l'ANCT (porteurs, population des "
            "quartiers) et les postes adultes-relais et FONJEP financés en 2023 (programme "
            "147), comme données réelles. Sans --wet-run, rien n'est écrit.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--wet-run", action="store_true",
                            help="Écrire dans la base (par défaut : essai sans écriture).")
        parser.add_argument("--dossier", type=Path,
                            help=f"Dossier des fichiers (par défaut : {DOSSIER}/ du dossier "
                                 "de données).")
        parser.add_argument("--rapport", type=Path,
                            help="Écrire toutes les anomalies dans ce fichier CSV.")

    def handle(self, *args: Any, **opts: Any) -> None:
        from quartiers.config import data_dir

        try:
            dossier = opts["dossier"] or data_dir() / DOSSIER
            if not dossier.is_dir():
                raise CommandError(f"dossier introuvable : {dossier}")
            bilan = charger(dossier, appliquer=opts["wet_run"])
        except (QuartiersError, ValueError, OSError) as e:
            raise CommandError(str(e)) from None
        if bilan.lecture.erreurs:
            for erreur in bilan.lecture.erreurs[:50]:
                self.stderr.write(str(erreur))
            raise CommandError(f"{len(bilan.lecture.erreurs)} erreur(s) dans les fichiers : "
                               "rien n'a été chargé.")
        self._rapport(bilan)
        if opts["rapport"]:
            self._ecrire(opts["rapport"], bilan.lecture.anomalies)

    def _rapport(self, b: Bilan) -> None:
        w = self.stdout.write
        w("Chargement appliqué." if b.applique else
          "Essai (rien n'est écrit ; --wet-run pour charger) :")
        for kind, c in b.comptes.items():
            w(f"  {kind} : " + ", ".join(f"{c[e]} {LIBELLES[e]}" for e in ETATS if c[e]))
        for d, (n, cents) in sorted(b.fichiers.items()):
            rn, rc = b.registre.get(d, (0, 0))
            egal = "identique" if (n, cents) == (rn, rc) else "DIFFÉRENT"
            w(f"  postes {DISPOSITIFS[d]} : fichier {n} postes, {centimes_en_euros(cents)} ; "
              f"registre {rn} postes, {centimes_en_euros(rc)} ({egal})")
        groupes: dict[tuple[str, str, str], list[Signalement]] = {}
        for a in b.lecture.anomalies:
            motif = a.message.split(" : ")[0] if a.champ == "code_cv" else a.message
            groupes.setdefault((a.fichier, a.champ, motif), []).append(a)
        w(f"  {len(b.lecture.anomalies)} anomalie(s), traitées sans rien perdre :")
        for (fichier, champ, motif), liste in groupes.items():
            exemples = ", ".join(str(a.enregistrement) for a in liste[:EXEMPLES])
            w(f"    {fichier}, champ « {champ} » : {motif} — {len(liste)} cas "
              f"(enregistrement(s) {exemples}{'…' if len(liste) > EXEMPLES else ''})")
        par_region = Counter(a.fichier for a in b.lecture.anomalies
                             if a.champ == "insee_reg" and "aucune région" in a.message)
        for fichier, n in par_region.items():
            w(f"    dont {n} poste(s) de {fichier} placés dans aucune région")

    def _ecrire(self, chemin: Path, anomalies: list[Signalement]) -> None:
        with atomic_path(chemin) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f, delimiter=";")
            out.writerow(["fichier", "enregistrement", "ligne", "champ", "anomalie"])
            for a in anomalies:
                out.writerow([a.fichier, a.enregistrement, a.ligne or "", a.champ, a.message])
        self.stdout.write(f"Anomalies écrites dans {chemin}.")
