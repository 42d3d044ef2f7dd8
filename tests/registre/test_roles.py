"""The full role x action matrix, over HTTP (pages) and through the permissions API
(what the REST API calls), allowed and refused, including direct URL access to another
EPCI's objects."""

from __future__ import annotations

from typing import Any

import pytest

from quartiers.registre.comptes import permissions as perms

ROLES = [None, "sans_role", "lecteur", "chef_a", "agent69", "admin"]  # admin last: it deletes


def _ok(status: int) -> bool:
    return status in (200, 302)


# (label, method, url builder, data builder, roles allowed)
def _cas(m: Any) -> list[tuple[str, str, str, dict[str, Any], set[str]]]:
    ca, cb = m.contrat_a, m.contrat_b
    aa, ab = m.action_a, m.action_b
    lecture = {"admin", "agent69", "chef_a", "lecteur"}
    return [
        ("liste contrats", "get", "/registre/contrats/", {}, lecture),
        ("détail contrat A", "get", f"/registre/contrats/{ca.pk}/", {}, lecture),
        ("détail contrat B", "get", f"/registre/contrats/{cb.pk}/", {}, lecture),
        ("historique B", "get", f"/registre/contrats/{cb.pk}/historique/", {}, lecture),
        ("tableau région", "get", "/registre/tableaux/region/84/", {}, lecture),
        ("tableau EPCI B", "get", f"/registre/tableaux/epci/{m.epci_b.siren}/", {}, lecture),
        ("liste actions", "get", "/registre/actions/", {}, lecture),
        ("liste NPNRU", "get", "/registre/npnru/", {}, lecture),
        ("export CSV", "get", "/registre/echanges/export/contrats.csv", {}, lecture),
        ("formulaire nouveau contrat", "get", "/registre/contrats/nouveau/", {},
         {"admin", "agent69", "chef_a"}),
        ("formulaire contrat A", "get", f"/registre/contrats/{ca.pk}/modifier/", {},
         {"admin", "agent69", "chef_a"}),
        ("formulaire contrat B", "get", f"/registre/contrats/{cb.pk}/modifier/", {},
         {"admin"}),
        ("signataire sur A", "post", f"/registre/contrats/{ca.pk}/signataire/ajouter/",
         {"organisation": "Préfecture", "role": "prefet"}, {"admin", "agent69", "chef_a"}),
        ("signataire sur B", "post", f"/registre/contrats/{cb.pk}/signataire/ajouter/",
         {"organisation": "Préfecture", "role": "prefet"}, {"admin"}),
        ("archiver A", "post", f"/registre/contrats/{ca.pk}/archiver/",
         {"version": ca.version}, {"admin", "agent69", "chef_a"}),
        ("archiver B", "post", f"/registre/contrats/{cb.pk}/archiver/",
         {"version": cb.version}, {"admin"}),
        ("formulaire action A", "get", f"/registre/actions/{aa.pk}/modifier/", {},
         {"admin", "agent69", "chef_a"}),
        ("formulaire action B", "get", f"/registre/actions/{ab.pk}/modifier/", {}, {"admin"}),
        ("nouvelle action sur B", "get", f"/registre/actions/nouvelle/?contrat={cb.pk}", {},
         {"admin"}),
        ("crédit sur A", "post", f"/registre/actions/{aa.pk}/financements/ajouter/",
         {"partenaire": "epci", "annee": "2025", "montant_demande": "100",
          "montant_accorde": "50", "montant_verse": "0"}, {"admin", "agent69", "chef_a"}),
        ("crédit sur B", "post", f"/registre/actions/{ab.pk}/financements/ajouter/",
         {"partenaire": "epci", "annee": "2025", "montant_demande": "100",
          "montant_accorde": "50", "montant_verse": "0"}, {"admin"}),
        ("modifier crédit B", "get", f"/registre/actions/financements/{m.ligne_b.pk}/modifier/",
         {}, {"admin"}),
        ("supprimer crédit B", "post",
         f"/registre/actions/financements/{m.ligne_b.pk}/supprimer/", {}, {"admin"}),
        ("formulaire NPNRU", "get", f"/registre/npnru/{m.projet_a.pk}/modifier/", {}, {"admin"}),
        ("nouveau NPNRU", "get", "/registre/npnru/nouveau/", {}, {"admin"}),
        ("enveloppe CPER", "get", "/registre/npnru/enveloppes/84/", {}, {"admin"}),
        ("page d'import", "get", "/registre/echanges/importer/", {},
         {"admin", "agent69", "chef_a"}),
    ]


def test_matrice_pages(monde: Any, client_de: Any) -> None:
    """Every (role, action): allowed -> 200/302 and effect; refused -> 403 (or login)."""
    from quartiers.registre.contrats.models import ContratDeVille, Signataire
    from quartiers.registre.financements.models import LigneFinancement

    echecs = []
    for label, method, url, data, allowed in _cas(monde):
        for role in ROLES:
            # each action on a fresh state for the objects it touches
            ContratDeVille.objects.filter(pk__in=[monde.contrat_a.pk, monde.contrat_b.pk]) \
                .update(archive=False)
            c = client_de(role)
            resp = c.get(url) if method == "get" else c.post(url, data)
            if role is None:
                ok = resp.status_code == 302 and "/connexion/" in resp["Location"]
                if not ok:
                    echecs.append((label, role, resp.status_code))
                continue
            expected = role in allowed
            if expected and not _ok(resp.status_code):
                echecs.append((label, role, resp.status_code, "refusé à tort"))
            if not expected and resp.status_code != 403:
                echecs.append((label, role, resp.status_code, "autorisé à tort"))
    assert not echecs, echecs
    # refused writes left nothing behind
    assert not Signataire.objects.filter(contrat=monde.contrat_b).exclude(
        organisation="Préfecture").exists()
    assert Signataire.objects.filter(contrat=monde.contrat_b).count() == 1  # admin's only
    assert LigneFinancement.objects.filter(action=monde.action_b, partenaire="epci").count() == 1


def test_modification_directe_autre_epci_refusee(monde: Any, client_de: Any) -> None:
    """A chef de projet posting the edit form of another EPCI's contract by URL: 403, and
    the contract is unchanged."""
    cb = monde.contrat_b
    c = client_de("chef_a")
    resp = c.post(f"/registre/contrats/{cb.pk}/modifier/", {
        "reference": "CV-B", "intitule": "Piraté", "epci": monde.epci_b.pk,
        "generation": "2024", "date_debut": "2024-01-01", "statut": "preparation",
        "quartiers": [monde.qb1.pk], "version": cb.version})
    assert resp.status_code == 403
    assert "périmètre" in resp.content.decode()
    cb.refresh_from_db()
    assert cb.intitule == "Contrat B"
    resp = c.post(f"/registre/actions/{monde.action_b.pk}/modifier/", {
        "reference": "ACT-B", "contrat": cb.pk, "intitule": "Piraté", "porteur": "x",
        "pilier": "emploi", "annee_debut": 2024, "annee_fin": 2025, "version": 1})
    assert resp.status_code == 403
    resp = c.post(f"/registre/contrats/{cb.pk}/supprimer/")
    assert resp.status_code == 403
    assert type(cb).objects.filter(pk=cb.pk).exists()


def test_chef_ne_peut_pas_deplacer_son_contrat_vers_autre_epci(monde: Any,
                                                               client_de: Any) -> None:
    ca = monde.contrat_a
    resp = client_de("chef_a").post(f"/registre/contrats/{ca.pk}/modifier/", {
        "reference": "CV-A", "intitule": "Contrat A", "epci": monde.epci_b.pk,
        "generation": "2024", "date_debut": "2024-01-01", "statut": "preparation",
        "quartiers": [], "version": ca.version})
    assert resp.status_code == 200  # form redisplayed with an error, EPCI B not offered
    assert "epci" in resp.context["form"].errors
    ca.refresh_from_db()
    assert ca.epci_id == monde.epci_a.pk


def test_creation_pour_autre_epci_refusee_par_le_service(monde: Any) -> None:
    from django.core.exceptions import PermissionDenied

    from quartiers.registre.contrats.models import ContratDeVille
    from quartiers.registre.contrats.services import enregistrer_contrat

    c = ContratDeVille(reference="CV-X", intitule="X", epci=monde.epci_b,
                       date_debut=monde.contrat_a.date_debut)
    with pytest.raises(PermissionDenied):
        enregistrer_contrat(monde.users["chef_a"], c, [])
    with pytest.raises(PermissionDenied):
        enregistrer_contrat(monde.users["agent69"], c, [])
    enregistrer_contrat(monde.users["admin"], c, [monde.qb1])
    assert ContratDeVille.objects.filter(reference="CV-X").exists()


def test_matrice_fonctions_permissions(monde: Any) -> None:
    """The function-level API used by the REST API: same matrix, no HTTP."""
    u = monde.users
    ca, cb, aa, ab = monde.contrat_a, monde.contrat_b, monde.action_a, monde.action_b
    attendu = {
        "admin": dict(lire=1, creer=1, mod_a=1, mod_b=1, act_a=1, act_b=1, fin_b=1, npnru=1,
                      env=1, imp=1, adm=1),
        "agent69": dict(lire=1, creer=1, mod_a=1, mod_b=0, act_a=1, act_b=0, fin_b=0,
                        npnru=0, env=0, imp=1, adm=0),
        "chef_a": dict(lire=1, creer=1, mod_a=1, mod_b=0, act_a=1, act_b=0, fin_b=0, npnru=0,
                       env=0, imp=1, adm=0),
        "lecteur": dict(lire=1, creer=0, mod_a=0, mod_b=0, act_a=0, act_b=0, fin_b=0,
                        npnru=0, env=0, imp=0, adm=0),
        "sans_role": dict(lire=0, creer=0, mod_a=0, mod_b=0, act_a=0, act_b=0, fin_b=0,
                          npnru=0, env=0, imp=0, adm=0),
    }
    for name, exp in attendu.items():
        user = u[name]
        got = dict(
            lire=perms.peut_lire(user), creer=perms.peut_creer_contrat(user),
            mod_a=perms.peut_modifier_contrat(user, ca),
            mod_b=perms.peut_modifier_contrat(user, cb),
            act_a=perms.peut_modifier_action(user, aa),
            act_b=perms.peut_modifier_action(user, ab),
            fin_b=perms.peut_modifier_financement(user, monde.ligne_b),
            npnru=perms.peut_modifier_npnru(user, monde.projet_a),
            env=perms.peut_modifier_enveloppe(user), imp=perms.peut_importer(user),
            adm=perms.peut_utiliser_admin(user))
        assert {k: int(v) for k, v in got.items()} == exp, name
    assert list(perms.epcis_modifiables(u["chef_a"])) == [monde.epci_a]
    assert list(perms.epcis_modifiables(u["agent69"])) == [monde.epci_a]
    assert not perms.epcis_modifiables(u["lecteur"]).exists()
    from django.contrib.auth.models import AnonymousUser

    assert perms.role(AnonymousUser()) is None
    assert not perms.peut_lire(AnonymousUser())


def test_admin_django_reserve_aux_administrateurs(monde: Any, client_de: Any) -> None:
    from django.contrib.auth import get_user_model

    assert client_de("admin").get("/admin/").status_code == 200
    for name in ("agent69", "chef_a", "lecteur", "sans_role"):
        resp = client_de(name).get("/admin/")
        assert resp.status_code == 302 and "/admin/login/" in resp["Location"], name
    # a staff superuser demoted to "lecteur" in the register loses the admin
    lecteur = get_user_model().objects.get(username="lecteur")
    lecteur.is_staff = lecteur.is_superuser = True
    lecteur.save()
    resp = client_de("lecteur").get("/admin/")
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]
