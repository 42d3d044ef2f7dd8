"""End to end in headless Debian chromium driven by Playwright (never `playwright install`).

The map draws polygons (screenshot not blank, a known QPV clickable), an address check
inside and outside, a batch upload to download, an EPCI user editing its contract and
refused on another, an axe-core accessibility scan of the main pages. Screenshots are kept in
``var/captures/`` for a human look.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest

from tests.web.axe import axe_graves

CHROMIUM = os.environ.get("QUARTIERS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="chromium absent : bash scripts/setup.sh --tests l'installe"),
]


@pytest.fixture(scope="module")
def navigateur():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def prechauffe() -> None:
    """The live server runs in this process: load the lists, the outlines and the address
    index before the first page, as the real server does before forking its workers."""
    from quartiers.web import demarrage

    demarrage.prechauffer()


@pytest.fixture
def page(navigateur, live_server, settings, tmp_path, prechauffe):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LOTS_TRAITEMENT_INTEGRE = True
    context = navigateur.new_context(viewport={"width": 1280, "height": 900},
                                     accept_downloads=True, locale="fr-FR")
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # every Content-Security-Policy violation is reported on the console by Chromium
    csp: list[str] = []
    pg.on("console", lambda m: csp.append(f"{m.text} ({pg.url})")
          if "Content Security Policy" in m.text else None)
    # nothing may leave the machine: every request goes to the live server
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.base = live_server.url  # type: ignore[attr-defined]
    yield pg
    context.close()
    outside = [u for u in requests if not u.startswith(live_server.url)
               and not u.startswith(("data:", "blob:"))]
    assert not outside, f"requêtes hors du serveur : {outside[:5]}"
    assert not errors, f"erreurs JavaScript : {errors}"
    assert not csp, f"violations de la politique de sécurité du contenu : {csp}"


def _captures() -> Path:
    from django.conf import settings

    d = Path(settings.VAR_DIR) / "captures"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _couleurs_distinctes(page, png: bytes) -> int:  # type: ignore[no-untyped-def]
    """Number of distinct colours of a PNG, decoded by the browser itself."""
    data = base64.b64encode(png).decode()
    return page.evaluate(
        """async (data) => {
          const img = new Image();
          img.src = "data:image/png;base64," + data;
          await img.decode();
          const c = document.createElement("canvas");
          c.width = img.width; c.height = img.height;
          const ctx = c.getContext("2d");
          ctx.drawImage(img, 0, 0);
          const px = ctx.getImageData(0, 0, c.width, c.height).data;
          const seen = new Set();
          for (let i = 0; i < px.length; i += 16) {
            seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
          }
          return seen.size;
        }""",
        data,
    )


def _attendre_carte(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("#carte[data-etat='pret']", timeout=60_000)
    page.wait_for_function("() => window.quartiersMap && window.quartiersMap.loaded()",
                           timeout=30_000)
    assert page.get_attribute("#carte", "data-erreur") is None


def test_carte_dessine_et_clic_ouvre_la_fiche(page, point_dedans):  # type: ignore[no-untyped-def]
    page.goto(page.base + "/carte/?millesime=2024")
    _attendre_carte(page)
    nb = page.inner_text("#nb-2024")
    assert int(nb) == 73
    n_features = page.evaluate(
        "window.quartiersMap.querySourceFeatures('q-2024').length")
    assert n_features > 0
    png = page.locator("#carte").screenshot(path=str(_captures() / "carte.png"))
    assert _couleurs_distinctes(page, png) > 20, "la carte est vide"
    # zoom on a known QPV and click its interior point
    page.evaluate("([lon, lat]) => window.quartiersMap.jumpTo({center: [lon, lat], zoom: 15})",
                  [point_dedans.lon, point_dedans.lat])
    page.wait_for_function("() => window.quartiersMap.loaded() && "
                           "window.quartiersMap.queryRenderedFeatures({layers: ['q-2024-fond']})"
                           ".length > 0", timeout=30_000)
    page.locator("#carte").screenshot(path=str(_captures() / "carte-zoom.png"))
    x, y = page.evaluate(
        "([lon, lat]) => { const p = window.quartiersMap.project([lon, lat]); "
        "return [p.x, p.y]; }", [point_dedans.lon, point_dedans.lat])
    box = page.locator("#carte canvas").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(re.compile(rf"/quartiers/{point_dedans.code}/$"), timeout=30_000)
    assert point_dedans.code in page.inner_text("#code-quartier")
    _attendre_carte(page)
    page.screenshot(path=str(_captures() / "fiche.png"), full_page=True)


def test_bascule_des_couches(page):  # type: ignore[no-untyped-def]
    page.goto(page.base + "/carte/")
    _attendre_carte(page)
    vis = "(id) => window.quartiersMap.getLayoutProperty(id, 'visibility')"
    assert page.evaluate(vis, "q-2015-fond") == "visible"
    page.click("label[for='couche-2015']")
    assert not page.is_checked("#couche-2015")
    assert page.evaluate(vis, "q-2015-fond") == "none"
    assert page.evaluate("window.quartiersMap.getLayer('q-calcul-fond')") is None
    page.click("label[for='couche-calcul']")  # downloaded when first switched on
    _attendre_carte(page)
    assert page.evaluate(vis, "q-calcul-fond") == "visible"


def test_verifier_adresse_dedans_et_dehors(page, point_dedans, point_dehors):  # type: ignore[no-untyped-def]
    page.goto(page.base + "/verifier/")
    page.fill("#id_adresse", f"{point_dedans.lat:.6f}, {point_dedans.lon:.6f}".replace(".", ","))
    page.click("#verifier")
    page.wait_for_selector("[data-statut='oui']")
    assert point_dedans.code in page.inner_text("#resultat")
    page.fill("#id_adresse", f"{point_dehors[1]}, {point_dehors[0]}")
    page.click("#verifier")
    page.wait_for_selector("[data-statut='non']")
    assert "Non : hors quartier prioritaire" in page.inner_text("#resultat")
    # Marseille: the 2024 file says nothing there
    page.fill("#id_adresse", "43.2965, 5.3698")
    page.click("#verifier")
    page.wait_for_selector("[data-statut='inconnu']")
    assert "ne couvre pas la commune Marseille" in page.inner_text("#resultat")
    # a click on the map checks the clicked point
    page.goto(page.base + "/verifier/")
    _attendre_carte(page)
    page.evaluate("([lon, lat]) => window.quartiersMap.jumpTo({center: [lon, lat], zoom: 15})",
                  [point_dedans.lon, point_dedans.lat])
    page.wait_for_function("() => window.quartiersMap.loaded()")
    x, y = page.evaluate(
        "([lon, lat]) => { const p = window.quartiersMap.project([lon, lat]); "
        "return [p.x, p.y]; }", [point_dedans.lon, point_dedans.lat])
    box = page.locator("#carte canvas").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_selector("[data-statut='oui']", timeout=30_000)
    page.screenshot(path=str(_captures() / "verification.png"), full_page=True)


def test_adresse_tapee_avec_suggestions(page):  # type: ignore[no-untyped-def]
    """Issue 12: type an address as people type, pick a suggestion, read the answer."""
    page.goto(page.base + "/verifier/")
    page.locator("#id_adresse").press_sequentially("8 rue docteur barb", delay=40)
    page.wait_for_selector("#suggestions li", timeout=30_000)
    assert page.get_attribute("#id_adresse", "aria-expanded") == "true"
    assert "Barbaroux" in page.inner_text("#suggestions li >> nth=0")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-statut='oui']", timeout=30_000)
    texte = page.inner_text("#resultat")
    assert "Adresse trouvée" in texte and "Barbaroux" in texte and "au numéro" in texte
    assert "Brignoles (83023)" in texte
    # the map shows the position found
    page.wait_for_function("document.querySelector('.maplibregl-marker') !== null",
                           timeout=30_000)
    # a made-up street: inconnu with its reason, never a confident answer
    page.fill("#id_adresse", "3 rue des Licornes Bleues, Nice")
    page.click("#verifier")
    page.wait_for_selector("[data-statut='inconnu']")
    assert "adresse introuvable" in page.inner_text("#motif")


def test_lot_depose_puis_telecharge(page, point_dedans, point_dehors, tmp_path):  # type: ignore[no-untyped-def]
    src = tmp_path / "adresses.csv"
    src.write_text("id;lon;lat\n"
                   f"1;{point_dedans.lon};{point_dedans.lat}\n"
                   f"2;{point_dehors[0]};{point_dehors[1]}\n"
                   "3;;\n", encoding="utf-8")
    # the live server runs in this process: load the perimeters and the index now, so the
    # upload's redirect is not raced by the worker's first, cold load on a busy CI machine
    from quartiers.web.verification.services import liste

    liste("2024")
    page.goto(page.base + "/verifier/lots/")
    page.set_input_files("#id_fichier", str(src))
    page.click("#deposer")
    try:
        page.wait_for_url(re.compile(r"/verifier/lots/[0-9a-f-]+/$"), timeout=90_000)
    except Exception as e:  # say where the browser stands, not only "timeout"
        raise AssertionError(f"{e}\nURL : {page.url}\n{page.content()[:3000]}") from e
    lot_url = page.url
    page.wait_for_selector("#lot[data-statut='termine']", timeout=60_000)
    assert page.is_visible("#lien-resultat")
    with page.expect_download() as dl:
        page.click("#lien-resultat")
    text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert point_dedans.code in text and len(text.strip().splitlines()) == 4
    assert "coordonnée manquante" in text  # every row has its answer
    # closing the page loses nothing: a new browser context finds the job finished
    ctx = page.context.browser.new_context()
    other = ctx.new_page()
    other.goto(lot_url)
    assert other.get_attribute("#lot", "data-statut") == "termine"
    ctx.close()
    from quartiers.web.verification.lots import attendre_travailleur

    attendre_travailleur()


def _connexion(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base + "/connexion/")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", password)
    page.locator("form button[type='submit'], form input[type='submit']").last.click()
    page.wait_for_load_state()


def test_epci_modifie_son_contrat_et_pas_un_autre(page):  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    call_command("charger_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from quartiers.registre.comptes.models import Profil
    from quartiers.registre.contrats.models import ContratDeVille
    from quartiers.registre.echanges.demonstration import MOT_DE_PASSE_DEMO

    profil = Profil.objects.select_related("epci").get(user__username="chef.lyon")
    mien = ContratDeVille.objects.filter(epci=profil.epci, archive=False).first()
    autre = ContratDeVille.objects.exclude(epci=profil.epci).first()
    assert mien is not None and autre is not None
    _connexion(page, "chef.lyon", MOT_DE_PASSE_DEMO)
    page.goto(page.base + f"/registre/contrats/{mien.pk}/modifier/")
    page.fill("input[name='intitule']", mien.intitule + " (modifié en test)")
    page.locator("form button[type='submit']").last.click()
    page.wait_for_load_state()
    mien.refresh_from_db()
    assert mien.intitule.endswith("(modifié en test)")
    resp = page.goto(page.base + f"/registre/contrats/{autre.pk}/modifier/")
    assert resp is not None and resp.status == 403
    autre_avant = autre.intitule
    # a forged POST is refused too (server-side check, not only hidden in templates)
    token = page.evaluate("document.cookie.match(/csrftoken=([^;]+)/)?.[1] || ''")
    r = page.request.post(page.base + f"/registre/contrats/{autre.pk}/modifier/",
                          form={"csrfmiddlewaretoken": token, "intitule": "piraté"},
                          headers={"X-CSRFToken": token, "Referer": page.base + "/"})
    assert r.status == 403
    autre.refresh_from_db()
    assert autre.intitule == autre_avant


PAGES_AXE = ["/", "/carte/", "/verifier/", "/verifier/lots/", "/quartiers/", "/geographie/",
             "/accessibilite/", "/mentions-legales/", "/donnees-personnelles/",
             "/plan-du-site/", "/page-qui-n-existe-pas/", "/connexion/", "/api/v1/docs"]


def test_accessibilite_axe(page, point_dedans):  # type: ignore[no-untyped-def]
    graves: dict[str, list[str]] = {}
    for url in [*PAGES_AXE, f"/quartiers/{point_dedans.code}/",
                f"/verifier/?lon={point_dedans.lon}&lat={point_dedans.lat}&millesime=2024"]:
        page.goto(page.base + url)
        if url.startswith("/api/"):  # Swagger UI, one operation unfolded
            page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
            page.locator(".opblock-summary-control").first.click()
            page.wait_for_selector(".opblock-body")
        bad = axe_graves(page)
        if bad:
            graves[url] = bad
    assert not graves, graves


def test_accessibilite_axe_telephone_theme_sombre(page, point_dedans):  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.add_init_script("localStorage.setItem('scheme', 'dark')")
    graves: dict[str, list[str]] = {}
    for url in [u for u in PAGES_AXE if not u.startswith("/api/")] + [
            f"/quartiers/{point_dedans.code}/",
            f"/verifier/?lon={point_dedans.lon}&lat={point_dedans.lat}"]:
        page.goto(page.base + url)
        assert page.get_attribute("html", "data-fr-theme") == "dark", url
        bad = axe_graves(page)
        if bad:
            graves[url] = bad
    assert not graves, graves


def test_documentation_api_sans_cdn(page):  # type: ignore[no-untyped-def]
    """Swagger UI is served from local static files (the fixture fails on any outside
    request)."""
    page.goto(page.base + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert "/api/v1/verification" in page.inner_text(".swagger-ui")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("h1").startswith("API Quartiers prioritaires")


def _contraste(rgb1: list[float], rgb2: list[float]) -> float:
    def lum(c: list[float]) -> float:
        v = [x / 255 for x in c[:3]]
        v = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in v]
        return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]

    a, b = sorted((lum(rgb1), lum(rgb2)), reverse=True)
    return (a + 0.05) / (b + 0.05)


RGB = "(s) => s.match(/[0-9.]+/g).slice(0, 3).map(Number)"


def test_menu_mobile_sur_telephone(page):  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base + "/")
    assert page.is_visible("#bouton-menu")
    assert not page.is_visible("#fr-navigation a[href='/carte/']")  # the menu is folded
    assert page.locator("main h1").bounding_box()["y"] < 844  # content on the first screen
    page.click("#bouton-menu")
    page.wait_for_selector("#menu-principal.fr-modal--opened")
    page.click("#fr-navigation a[href='/carte/']")
    page.wait_for_url(re.compile(r"/carte/$"))
    page.goto(page.base + "/")
    page.click("#bouton-menu")
    page.wait_for_selector("#menu-principal.fr-modal--opened")
    page.click("#menu-principal .fr-btn--close")
    page.wait_for_selector("#menu-principal.fr-modal--opened", state="detached")
    # skip links lead somewhere; the display settings open from the footer
    cibles = page.eval_on_selector_all(".fr-skiplinks a", "as => as.map(a => a.hash)")
    assert cibles and all(page.locator(c).count() == 1 for c in cibles)
    assert not page.locator("footer a[href='']").count()
    page.click("#bouton-affichage")
    page.wait_for_selector("#fr-theme-modal.fr-modal--opened")
    page.screenshot(path=str(_captures() / "mobile-affichage.png"))
    assert not axe_graves(page)


def test_graphiques_lisibles_en_theme_sombre_et_sur_telephone(page):  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    from quartiers.registre.echanges.demonstration import MOT_DE_PASSE_DEMO

    call_command("charger_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    _connexion(page, "lecteur", MOT_DE_PASSE_DEMO)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base + "/registre/tableaux/region/84/")
    page.wait_for_selector("figure.graphique svg text")
    # the theme chosen in the display settings, as a user does
    page.click("#bouton-affichage")
    page.wait_for_selector("#fr-theme-modal.fr-modal--opened")
    page.click("label[for='fr-radios-theme-dark']")
    page.wait_for_function("() => document.documentElement.getAttribute('data-fr-theme') "
                           "=== 'dark'")
    page.click("#fr-theme-modal .fr-btn--close")
    page.wait_for_selector("#fr-theme-modal.fr-modal--opened", state="detached")
    fond = page.evaluate(f"({RGB})(getComputedStyle(document.body).backgroundColor)")
    textes = page.eval_on_selector_all(
        "figure.graphique svg text",
        f"ts => ts.map(t => [({RGB})(getComputedStyle(t).fill), "
        "t.getBoundingClientRect().height])")
    assert textes
    pires = min(_contraste(c, fond) for c, _ in textes)
    assert pires >= 4.5, f"contraste {pires:.2f} du texte des graphiques en thème sombre"
    assert min(h for _, h in textes) >= 9, "texte des graphiques illisible sur téléphone"
    page.screenshot(path=str(_captures() / "graphiques-sombre-mobile.png"), full_page=True)
    assert not axe_graves(page, "figure.graphique")  # the page itself is the register's


def test_page_404_en_francais(page):  # type: ignore[no-untyped-def]
    resp = page.goto(page.base + "/cette-page-n-existe-pas/")
    assert resp is not None and resp.status == 404
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("main h1") == "Page non trouvée"
    assert page.is_visible("header.fr-header") and page.is_visible("footer.fr-footer")


def test_declaration_d_accessibilite(page):  # type: ignore[no-untyped-def]
    page.goto(page.base + "/")
    page.click("footer >> text=Accessibilité : non conforme")
    page.wait_for_url(re.compile(r"/accessibilite/$"))
    titres = page.eval_on_selector_all("main h2", "hs => hs.map(h => h.textContent.trim())")
    for t in ("État de conformité", "Résultats des tests", "Contenus non accessibles",
              "Établissement de cette déclaration d'accessibilité",
              "Retour d'information et contact", "Voies de recours"):
        assert t in titres
    assert "non conforme" in page.inner_text("main")
    assert "Défenseur des droits" in page.inner_text("main")


def test_carte_en_francais_avec_fond_et_noms_des_communes(page, settings, point_dedans):  # type: ignore[no-untyped-def]
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    tuiles: list[str] = []

    def servir(route):  # type: ignore[no-untyped-def]
        tuiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=png)

    settings.FOND_CARTE_URL = page.base + "/tuiles-test/{z}/{x}/{y}.png"
    settings.FOND_CARTE_ATTRIBUTION = "Fond de carte de test"
    page.route("**/tuiles-test/**", servir)
    page.goto(page.base + "/carte/")
    _attendre_carte(page)
    assert page.get_attribute(".maplibregl-ctrl-zoom-in", "title") == "Zoomer"
    assert page.get_attribute(".maplibregl-ctrl-zoom-out", "title") == "Dézoomer"
    assert page.get_attribute("#carte canvas", "aria-label") == "Carte"
    assert "Fond de carte de test" in page.inner_text(".maplibregl-ctrl-attrib")
    assert page.evaluate("() => !!window.quartiersMap.getSource('fond')")
    assert tuiles, "aucune tuile du fond de carte demandée"
    page.evaluate("([lon, lat]) => window.quartiersMap.jumpTo({center: [lon, lat], zoom: 12})",
                  [point_dedans.lon, point_dedans.lat])
    page.wait_for_selector(".etiquette-commune", timeout=30_000)
    assert page.locator(".etiquette-commune").count() > 0
    page.locator("#carte").screenshot(path=str(_captures() / "carte-noms-communes.png"))
