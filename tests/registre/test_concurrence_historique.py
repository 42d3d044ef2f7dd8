"""Optimistic locking with two real logged-in sessions, and history entries."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

MOT_DE_PASSE = "mot-de-passe-de-test-2024"  # as in conftest.py


def _champs(html: str) -> dict[str, Any]:
    """The form's current values as a browser would submit them."""
    data: dict[str, Any] = {}
    for m in re.finditer(r"<input([^>]*)>", html):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if "name" in attrs and attrs.get("type") not in ("submit", "checkbox"):
            data[attrs["name"]] = attrs.get("value", "")
    for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[m.group(1)] = unescape(m.group(2).removeprefix("\n"))
    for m in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.findall(r'<option value="([^"]*)"[^>]*selected', m.group(2))
        if selected:
            data[m.group(1)] = selected if len(selected) > 1 or "multiple" in m.group(0) \
                else selected[0]
    return data


def _session(username: str) -> Client:
    c = Client()
    resp = c.post("/connexion/", {"username": username, "password": MOT_DE_PASSE})
    assert resp.status_code == 302, resp.content.decode()[:500]
    return c


def test_deux_sessions_meme_contrat_aucune_perte(monde: Any) -> None:
    from quartiers.registre.contrats.models import ContratDeVille

    ca = monde.contrat_a
    url = f"/registre/contrats/{ca.pk}/modifier/"
    alice, bob = _session("chef_a"), _session("agent69")
    form_a = _champs(alice.get(url).content.decode())
    form_b = _champs(bob.get(url).content.decode())
    assert form_a["version"] == form_b["version"] == "1"
    assert form_a["quartiers"] == [str(monde.qa1.pk), str(monde.qa2.pk)]

    form_a["intitule"] = "Contrat A – version d'Alice"
    r1 = alice.post(url, form_a)
    assert r1.status_code == 302

    form_b["statut"] = "signe"
    form_b["participation_citoyenne"] = "Conseils citoyens de Lyon et Villeurbanne."
    r2 = bob.post(url, form_b)
    assert r2.status_code == 409
    page = r2.content.decode()
    assert "Conflit de modification" in page
    assert "chef_a" in page  # who saved in between
    assert "Contrat A – version d&#x27;Alice" in page  # what changed
    ca.refresh_from_db()
    assert ca.intitule == "Contrat A – version d'Alice"  # Alice's update kept
    assert ca.statut == "preparation"  # Bob's not applied silently
    assert ca.version == 2

    # Bob sees the change, keeps Alice's title, confirms his status
    form_b2 = _champs(page)
    assert form_b2["version"] == "2"
    form_b2["intitule"] = ca.intitule
    r3 = bob.post(url, form_b2)
    assert r3.status_code == 302
    ca = ContratDeVille.objects.get(pk=ca.pk)
    assert (ca.intitule, ca.statut, ca.version) == ("Contrat A – version d'Alice", "signe", 3)


def test_conflit_sur_les_actions(monde: Any) -> None:
    aa = monde.action_a
    url = f"/registre/actions/{aa.pk}/modifier/"
    s1, s2 = _session("chef_a"), _session("admin")
    f1, f2 = _champs(s1.get(url).content.decode()), _champs(s2.get(url).content.decode())
    f1["porteur"] = "Nouveau porteur"
    assert s1.post(url, f1).status_code == 302
    f2["intitule"] = "Autre intitulé"
    resp = s2.post(url, f2)
    assert resp.status_code == 409
    aa.refresh_from_db()
    assert (aa.porteur, aa.intitule) == ("Nouveau porteur", "Action A")


def test_service_conflit_leve_une_exception(monde: Any) -> None:
    from quartiers.registre.commun import Conflit
    from quartiers.registre.contrats.models import ContratDeVille
    from quartiers.registre.contrats.services import enregistrer_contrat

    admin = monde.users["admin"]
    c1 = ContratDeVille.objects.get(pk=monde.contrat_a.pk)
    c2 = ContratDeVille.objects.get(pk=monde.contrat_a.pk)
    c1.intitule = "un"
    enregistrer_contrat(admin, c1, [monde.qa1], version_lue=1)
    c2.intitule = "deux"
    with pytest.raises(Conflit) as exc:
        enregistrer_contrat(admin, c2, [monde.qa1], version_lue=1)
    assert "modifié par quelqu'un d'autre" in str(exc.value)
    assert ContratDeVille.objects.get(pk=c1.pk).intitule == "un"


def test_historique_qui_quand_avant_apres(monde: Any) -> None:
    from quartiers.registre.contrats.models import ContratDeVille

    ca = monde.contrat_a
    url = f"/registre/contrats/{ca.pk}/modifier/"
    c = _session("chef_a")
    form = _champs(c.get(url).content.decode())
    form["intitule"] = "Intitulé modifié"
    form["quartiers"] = [str(monde.qa1.pk)]
    assert c.post(url, form).status_code == 302
    ca = ContratDeVille.objects.get(pk=ca.pk)
    records = list(ca.history.order_by("history_date", "history_id"))
    dernier = records[-1]
    assert dernier.history_user.username == "chef_a"
    assert dernier.history_type == "~"
    avant = next(r for r in records if r.version == 1)
    delta = dernier.diff_against(avant)
    champs = {ch.field: (ch.old, ch.new) for ch in delta.changes}
    assert champs["intitule"] == ("Contrat A", "Intitulé modifié")
    assert "quartiers" in champs  # many-to-many history too
    page = c.get(f"/registre/contrats/{ca.pk}/historique/").content.decode()
    assert "chef_a" in page and "Contrat A" in page and "Intitulé modifié" in page
    assert "QN06902M" in page  # removed quartier shown in the before/after


def test_historique_des_credits_et_suppression(monde: Any, client_de: Any) -> None:
    from quartiers.registre.financements.models import LigneFinancement

    c = client_de("admin")
    ligne = monde.ligne_b
    donnees = {"partenaire": "caf", "annee": 2024, "montant_demande": "5 000,00",
               "montant_accorde": "4 000,50", "montant_verse": "0"}
    url = f"/registre/actions/financements/{ligne.pk}/modifier/"
    # a funding line carries a version too: without it, nothing is overwritten
    resp = c.post(url, donnees)
    assert resp.status_code == 200 and "Version lue manquante" in resp.content.decode()
    ligne.refresh_from_db()
    assert ligne.montant_accorde == 0
    resp = c.post(url, {**donnees, "version": ligne.version})
    assert resp.status_code == 302
    ligne.refresh_from_db()
    assert ligne.montant_accorde == 400050
    h = list(LigneFinancement.history.filter(id=ligne.pk).order_by("history_date"))
    assert [r.history_type for r in h] == ["+", "~"]
    assert h[-1].history_user.username == "admin" and h[-1].version == 2
    assert (h[0].montant_accorde, h[1].montant_accorde) == (0, 400050)
    # deleting asks for confirmation first (a page), then the post deletes
    confirmer = c.get(f"/registre/actions/financements/{ligne.pk}/supprimer/")
    assert confirmer.status_code == 200 and "Supprimer un crédit" in confirmer.content.decode()
    assert LigneFinancement.objects.filter(pk=ligne.pk).exists()
    assert c.post(f"/registre/actions/financements/{ligne.pk}/supprimer/").status_code == 302
    assert LigneFinancement.history.filter(id=ligne.pk, history_type="-").exists()
    page = c.get(f"/registre/actions/{monde.action_b.pk}/historique/").content.decode()
    assert "crédit supprimé" in page and "4000,50" in page.replace("\u202f", "")


def test_projet_npnru_verrou_et_historique(monde: Any, client_de: Any) -> None:
    from quartiers.registre.commun import Conflit
    from quartiers.registre.npnru.models import ProjetNPNRU
    from quartiers.registre.npnru.services import enregistrer_projet

    admin = monde.users["admin"]
    p1 = ProjetNPNRU.objects.get(pk=monde.projet_a.pk)
    p2 = ProjetNPNRU.objects.get(pk=monde.projet_a.pk)
    p1.etape, p1.date_convention = "convention", dt.date(2020, 5, 1)
    enregistrer_projet(admin, p1, [monde.qa1], version_lue=1)
    p2.nom = "Autre nom"
    with pytest.raises(Conflit):
        enregistrer_projet(admin, p2, [monde.qa1], version_lue=1)
    p = ProjetNPNRU.objects.get(pk=p1.pk)
    assert (p.etape, p.nom, p.version) == ("convention", "Projet A", 2)
    page = client_de("lecteur").get(f"/registre/npnru/{p.pk}/").content.decode()
    assert "convention pluriannuelle signée" in page and "protocole de préfiguration" in page
