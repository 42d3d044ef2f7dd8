"""Who may see and do what in the register: the single place where roles are checked.

Every view of the register, every call of the REST API and the public quartier sheets go
through these functions (never rely on templates hiding a button). Roles
(:class:`~.models.Role`), held by the user's :class:`~.models.Profil`:

========================  ==========================================================
administrateur DREETS     everything, including NPNRU projects, CPER envelopes,
                          accounts and the Django admin (the only role allowed there);
                          lands on its région when its profile names one
agent départemental       reads everything; edits the contracts covering its
                          département and their actions and credits
chef de projet EPCI       reads everything; edits only its EPCI's contracts, actions and
                          credits (and renews them)
lecteur                   reads everything, edits nothing
(no profile / anonymous)  no register page; on the public quartier sheets, only what is
                          published: real contracts and NPNRU projects (never
                          demonstration records, never amounts)
========================  ==========================================================

Function-level API (all take the Django user first; objects are model instances):

- :func:`role` -> the :class:`Role` or ``None``; :func:`peut_lire` — any register role;
- :func:`peut_creer_contrat` (``epci``), :func:`peut_modifier_contrat`,
  :func:`peut_supprimer_contrat`, :func:`peut_archiver_contrat`,
  :func:`peut_renouveler_contrat` (``contrat``);
- :func:`peut_creer_action` (``contrat``), :func:`peut_modifier_action` (``action``),
  :func:`peut_modifier_financement` (``ligne``);
- :func:`peut_modifier_npnru`, :func:`peut_modifier_enveloppe`;
- :func:`peut_importer`, :func:`peut_exporter`, :func:`peut_utiliser_admin`;
- querysets: :func:`epcis_modifiables`, :func:`contrats_visibles`,
  :func:`contrats_modifiables`, :func:`projets_npnru_visibles` (the models' managers call
  them: ``ContratDeVille.objects.visibles_par(user)``);
- :func:`territoire_d_accueil` -> the région, département or EPCI a user lands on;
- :func:`exiger` (``autorise``, ``message``) raises :class:`PermissionDenied` with a French
  message (views answer 403; the API maps it to its JSON error).

Rules about the *objects* (archived contract is read-only, signed contract cannot be
deleted, amounts...) are not here but on the models: permissions say *who*.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied

from quartiers.registre.comptes.models import Role

__all__ = [
    "Role", "contrats_modifiables", "contrats_visibles", "epcis_modifiables", "exiger",
    "peut_archiver_contrat", "peut_creer_action", "peut_creer_contrat", "peut_exporter",
    "peut_importer", "peut_lire", "peut_modifier_action", "peut_modifier_contrat",
    "peut_modifier_enveloppe", "peut_modifier_financement", "peut_modifier_npnru",
    "peut_renouveler_contrat", "peut_supprimer_contrat", "peut_utiliser_admin",
    "projets_npnru_visibles", "role", "territoire_d_accueil",
]


def _profil(user: Any) -> Any:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return getattr(user, "profil_registre", None) if hasattr(user, "profil_registre") else None


def role(user: Any) -> Role | None:
    """The user's role, ``None`` for anonymous users and users without a profile."""
    p = _profil(user)
    if p is not None:
        return Role(p.role)
    if user is not None and getattr(user, "is_authenticated", False) and user.is_superuser \
            and user.is_active:
        return cast(Role, Role.ADMINISTRATEUR)
    return None


def est_administrateur(user: Any) -> bool:
    return role(user) == Role.ADMINISTRATEUR


def peut_lire(user: Any) -> bool:
    return role(user) is not None


def peut_creer_contrat(user: Any, epci: Any = None) -> bool:
    """With ``epci=None``: may create contracts for at least one EPCI."""
    r = role(user)
    if epci is None:
        return r in (Role.ADMINISTRATEUR, Role.AGENT_DEPARTEMENTAL, Role.CHEF_PROJET_EPCI)
    if r == Role.ADMINISTRATEUR:
        return True
    p = _profil(user)
    if r == Role.AGENT_DEPARTEMENTAL:
        return p.departement_id is not None and epci.departement_id == p.departement_id
    if r == Role.CHEF_PROJET_EPCI:
        return p.epci_id is not None and epci.pk == p.epci_id
    return False


def peut_modifier_contrat(user: Any, contrat: Any) -> bool:
    """The contract's EPCI for a chef de projet; the départements it covers for an agent
    (a contract carried by a commune has no chef de projet)."""
    r = role(user)
    if r == Role.ADMINISTRATEUR:
        return True
    p = _profil(user)
    if r == Role.AGENT_DEPARTEMENTAL:
        return p.departement_id is not None and \
            p.departement_id in contrat.departements_couverts()
    if r == Role.CHEF_PROJET_EPCI:
        return p.epci_id is not None and contrat.epci_id == p.epci_id
    return False


def peut_supprimer_contrat(user: Any, contrat: Any) -> bool:
    return peut_modifier_contrat(user, contrat)


def peut_archiver_contrat(user: Any, contrat: Any) -> bool:
    return peut_modifier_contrat(user, contrat)


def peut_renouveler_contrat(user: Any, contrat: Any) -> bool:
    """Create the « Engagements Quartiers 2030 » contract following ``contrat``."""
    return peut_modifier_contrat(user, contrat)


def peut_creer_action(user: Any, contrat: Any) -> bool:
    return peut_modifier_contrat(user, contrat)


def peut_modifier_action(user: Any, action: Any) -> bool:
    return peut_modifier_contrat(user, action.contrat)


def peut_modifier_financement(user: Any, ligne: Any) -> bool:
    return peut_modifier_action(user, ligne.action)


def peut_modifier_npnru(user: Any, projet: Any = None) -> bool:
    return est_administrateur(user)


def peut_modifier_enveloppe(user: Any) -> bool:
    return est_administrateur(user)


def peut_importer(user: Any) -> bool:
    """May use the import (each row is then checked with the functions above)."""
    return peut_creer_contrat(user)


def peut_exporter(user: Any) -> bool:
    return peut_lire(user)


def peut_utiliser_admin(user: Any) -> bool:
    return est_administrateur(user)


def epcis_modifiables(user: Any) -> Any:
    """Queryset of the EPCIs whose contracts, actions and credits the user may edit."""
    from quartiers.registre.territoires.models import Epci

    r = role(user)
    if r == Role.ADMINISTRATEUR:
        return Epci.objects.all()
    p = _profil(user)
    if r == Role.AGENT_DEPARTEMENTAL:
        return Epci.objects.filter(departement_id=p.departement_id)
    if r == Role.CHEF_PROJET_EPCI:
        return Epci.objects.filter(pk=p.epci_id)
    return Epci.objects.none()


def contrats_visibles(user: Any, qs: Any) -> Any:
    """Every contract for a register role; only the published (real) ones otherwise."""
    return qs if peut_lire(user) else qs.filter(demonstration=False)


def contrats_modifiables(user: Any, qs: Any) -> Any:
    """The contracts of ``qs`` the user may edit (same rule as :func:`peut_modifier_contrat`)."""
    r = role(user)
    if r == Role.ADMINISTRATEUR:
        return qs
    p = _profil(user)
    if r == Role.AGENT_DEPARTEMENTAL and p.departement_id:
        return qs.dans(p.departement)
    if r == Role.CHEF_PROJET_EPCI and p.epci_id:
        return qs.filter(epci_id=p.epci_id)
    return qs.none()


def projets_npnru_visibles(user: Any, qs: Any) -> Any:
    return qs if peut_lire(user) else qs.filter(demonstration=False)


def montants_visibles(user: Any) -> bool:
    """Amounts (credits, posts) are shown to register roles only."""
    return peut_lire(user)


def territoire_d_accueil(user: Any) -> Any:
    """Where the user lands: its EPCI (chef de projet), its département (agent), its région
    (administrator whose profile names one), else ``None`` (the list of régions)."""
    r = role(user)
    p = _profil(user)
    if p is None:
        return None
    if r == Role.CHEF_PROJET_EPCI:
        return p.epci
    if r == Role.AGENT_DEPARTEMENTAL:
        return p.departement
    return p.region


def exiger(autorise: bool, message: str = "Vous n'avez pas les droits pour cette action.") -> None:
    """Raise :class:`PermissionDenied` (HTTP 403) with a French message unless allowed."""
    if not autorise:
        raise PermissionDenied(message)
