"""Service functions of NPNRU projects and CPER envelopes.

The envelope row is locked (``select_for_update``) while a regional project is saved, so
two concurrent saves cannot together exceed the envelope.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from quartiers.registre.commun import enregistrer_avec_quartiers
from quartiers.registre.comptes import permissions as perms
from quartiers.registre.npnru.models import EnveloppeCPER, ProjetNPNRU
from quartiers.registre.territoires.models import Quartier

REFUS = "Seul un administrateur DREETS peut modifier les projets NPNRU et les enveloppes CPER."


def enregistrer_projet(user: Any, projet: ProjetNPNRU, quartiers: Iterable[Quartier],
                       version_lue: int | None = None) -> ProjetNPNRU:
    perms.exiger(perms.peut_modifier_npnru(user, projet), REFUS)
    quartiers = list(quartiers)
    with transaction.atomic():
        if projet.region_id:
            list(EnveloppeCPER.objects.select_for_update().filter(region_id=projet.region_id))
        projet.full_clean()
        enregistrer_avec_quartiers(projet, quartiers, version_lue)
    return projet


def enregistrer_enveloppe(user: Any, enveloppe: EnveloppeCPER) -> EnveloppeCPER:
    perms.exiger(perms.peut_modifier_enveloppe(user), REFUS)
    with transaction.atomic():
        enveloppe.full_clean()
        enveloppe.save()
    return enveloppe
