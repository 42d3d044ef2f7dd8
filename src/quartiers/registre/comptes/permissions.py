"""Who may do what in the register: the single place where roles are checked.

Every view of the register and every call of the REST API must go through these functions
(never rely on templates hiding a button). Roles (:class:`~.models.Role`), held by the
user's :class:`~.models.Profil`:

========================  ==========================================================
administrateur DREETS     everything, including NPNRU projects, CPER envelopes,
                          accounts and the Django admin (the only role allowed there)
agent départemental       reads everything; edits the contracts of its département's
                          EPCIs and their actions and credits
chef de projet EPCI       reads everything; edits only its EPCI's contracts, actions and
                          credits
lecteur                   reads everything, edits nothing
(no profile / anonymous)  nothing (a superuser without profile counts as administrator)
========================  ==========================================================

Function-level API (all take the Django user first; objects are model instances):

- :func:`role` -> the :class:`Role` or ``None``;
- :func:`peut_lire` — may read the register (any role);
- :func:`peut_creer_contrat` (``epci``), :func:`peut_modifier_contrat`,
  :func:`peut_supprimer_contrat`, :func:`peut_archiver_contrat` (``contrat``);
- :func:`peut_creer_action` (``contrat``), :func:`peut_modifier_action` (``action``),
  :func:`peut_modifier_financement` (``ligne``);
- :func:`peut_modifier_npnru` (``projet`` or ``None`` for creation),
  :func:`peut_modifier_enveloppe`;
- :func:`peut_importer`, :func:`peut_exporter`, :func:`peut_utiliser_admin`;
- :func:`epcis_modifiables` -> queryset of the EPCIs whose contracts the user may edit;
- :func:`exiger` (``autorise``, ``message``) raises :class:`PermissionDenied` with a French
  message (views answer 403; the API should map it to its JSON error).

Rules about the *objects* (archived contract is read-only, signed contract cannot be
deleted, amounts...) are not here but in the models and services: permissions say *who*.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied

from quartiers.registre.comptes.models import Role

__all__ = [
    "Role", "epcis_modifiables", "exiger", "peut_archiver_contrat", "peut_creer_action",
    "peut_creer_contrat", "peut_exporter", "peut_importer", "peut_lire",
    "peut_modifier_action", "peut_modifier_contrat", "peut_modifier_enveloppe",
    "peut_modifier_financement", "peut_modifier_npnru", "peut_supprimer_contrat",
    "peut_utiliser_admin", "role",
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


def _peut_modifier_epci(user: Any, epci: Any) -> bool:
    r = role(user)
    if r == Role.ADMINISTRATEUR:
        return True
    if epci is None:
        return False
    p = _profil(user)
    if r == Role.AGENT_DEPARTEMENTAL:
        return p.departement_id is not None and epci.departement_id == p.departement_id
    if r == Role.CHEF_PROJET_EPCI:
        return p.epci_id is not None and epci.pk == p.epci_id
    return False


def peut_creer_contrat(user: Any, epci: Any = None) -> bool:
    """With ``epci=None``: may create contracts for at least one EPCI."""
    if epci is None:
        return role(user) in (Role.ADMINISTRATEUR, Role.AGENT_DEPARTEMENTAL,
                              Role.CHEF_PROJET_EPCI)
    return _peut_modifier_epci(user, epci)


def peut_modifier_contrat(user: Any, contrat: Any) -> bool:
    return _peut_modifier_epci(user, contrat.epci)


def peut_supprimer_contrat(user: Any, contrat: Any) -> bool:
    return _peut_modifier_epci(user, contrat.epci)


def peut_archiver_contrat(user: Any, contrat: Any) -> bool:
    return _peut_modifier_epci(user, contrat.epci)


def peut_creer_action(user: Any, contrat: Any) -> bool:
    return _peut_modifier_epci(user, contrat.epci)


def peut_modifier_action(user: Any, action: Any) -> bool:
    return _peut_modifier_epci(user, action.contrat.epci)


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


def exiger(autorise: bool, message: str = "Vous n'avez pas les droits pour cette action.") -> None:
    """Raise :class:`PermissionDenied` (HTTP 403) with a French message unless allowed."""
    if not autorise:
        raise PermissionDenied(message)
