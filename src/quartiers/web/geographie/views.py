"""Run the delimitation engine on the bundled data with chosen rules and parameters."""

from __future__ import annotations

import functools
import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from quartiers.errors import QuartiersError
from quartiers.parameters import load_rules, parameter_info, rule_sets
from quartiers.web.carte.views import COULEURS, config_carte
from quartiers.web.geodonnees import geojson, listes
from quartiers.web.libelles import CHOIX, METHODES, code_lisible

PREFIXE = "p_"


def _parametres(request: HttpRequest) -> tuple[str, dict[str, str], list[dict[str, Any]]]:
    """Rule set, overrides (only values that differ from the default) and form rows."""
    jeux = rule_sets()
    jeu = request.GET.get("jeu", "2024")
    if not isinstance(jeu, str) or jeu not in jeux:
        jeu = "2024"
    defaults = load_rules(jeu).describe()
    overrides: dict[str, str] = {}
    rows = []
    for d in defaults:
        name = d["parametre"]
        default = d["valeur"]
        shown = _texte(default)
        raw = (request.GET.get(PREFIXE + name) or "").strip()
        if raw and raw != shown and not _meme_valeur(jeu, name, raw, default):
            overrides[name] = raw
            shown = raw
        info = parameter_info(name)
        rows.append({**d, **info, "champ": PREFIXE + name, "saisie": shown,
                     "defaut": _texte(default), "booleen": isinstance(default, bool),
                     "options": [(c, CHOIX.get(c, c)) for c in info["choix"]]})
    return jeu, overrides, rows


def _meme_valeur(jeu: str, name: str, raw: str, default: Any) -> bool:
    """``raw`` reads as the default value (``0.6`` and ``0,6`` alike)."""
    try:
        return bool(getattr(load_rules(jeu, {name: raw}), name) == default)
    except QuartiersError:
        return False


def _texte(v: Any) -> str:
    """A parameter's value as the form shows it (French decimals, no thousands separator, so
    that it reads back as the same number)."""
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, float):
        return f"{v:g}".replace(".", ",")
    return str(v)


def _lancer(jeu: str, overrides: dict[str, str]) -> Any:
    return listes.delimitation(jeu, tuple(sorted(overrides.items())))


def _query(jeu: str, overrides: dict[str, str]) -> str:
    return urlencode({"jeu": jeu, **{PREFIXE + k: v for k, v in overrides.items()}})


def geographie(request: HttpRequest) -> HttpResponse:
    jeu, overrides, rows = _parametres(request)
    erreur, result, comparaison, resume = None, None, None, None
    try:
        result = _lancer(jeu, overrides)
    except QuartiersError as e:
        erreur = str(e)
    query = _query(jeu, overrides)
    ctx: dict[str, Any] = {
        "title": "Géographie prioritaire", "jeux": rule_sets(), "jeu": jeu, "lignes": rows,
        "erreur": erreur, "query": query, "modifies": overrides,
    }
    if result is not None:
        q = result.quartiers
        expl = result.explanations
        motifs = expl.groupby("explication").agg(zones=("code", "size"),
                                                 population=("population", "sum"))
        resume = {
            "nb_quartiers": len(q),
            "population": round(float(q["population"].sum())),
            "nb_zones": len(expl),
            "methode": METHODES.get(result.squares.statistic_kind, result.method),
            "motifs": [{"explication": k, "zones": int(v.zones), "population": round(v.population)}
                       for k, v in motifs.iterrows()],
        }
        comparaison = _comparer(result)
        kept = expl[expl["decision"] != "rejete"].sort_values("code")
        ctx.update(
            resume=resume, comparaison=comparaison,
            quartiers=kept.head(300).to_dict("records"),
            config=config_carte(("calcul",)) | {
                "couches": [
                    {"id": "run", "libelle": "Quartiers calculés", "couleur": COULEURS["calcul"],
                     "visible": True, "url": reverse("geographie:geojson") + "?" + query},
                    {"id": "2024", "libelle": "Liste officielle 2024",
                     "couleur": COULEURS["2024"], "visible": True,
                     "url": reverse("api-1:quartiers_geojson") + "?millesime=2024"},
                ],
            },
        )
    return render(request, "geographie/geographie.html", ctx)


def _comparer(result: Any) -> dict[str, Any] | None:
    from quartiers.comparison import compare

    ref = listes.perimetres("2024")
    uus = sorted({geojson.uu_de_communes(str(c).split(","))[0] for c in ref.communes} - {""})
    inp = listes.entrees()
    if len(result.quartiers) == 0:
        return None
    comp = compare(result.quartiers, ref, inp.grid, inp.uus, uu_codes=uus)
    return {"resume": comp.summary, "par_qpv": comp.per_qpv.to_dict("records"), "uus": uus}


def _erreur_json(e: QuartiersError) -> HttpResponse:
    return HttpResponse(json.dumps({"code": "parametre_invalide", "message": str(e)},
                                   ensure_ascii=False), status=400,
                        content_type="application/json")


def _erreur_texte(e: QuartiersError) -> HttpResponse:
    return HttpResponse(str(e), status=400, content_type="text/plain; charset=utf-8")


Vue = Callable[[HttpRequest], HttpResponse]


def _sur_delimitation(erreur: Callable[[QuartiersError], HttpResponse],
                      ) -> Callable[[Callable[[str, Any], HttpResponse]], Vue]:
    """The view of the delimitation the query asks for, given its rule set and result; a
    value the rules refuse gets ``erreur``'s answer (400)."""
    def decorer(vue: Callable[[str, Any], HttpResponse]) -> Vue:
        @functools.wraps(vue)
        def lancer(request: HttpRequest) -> HttpResponse:
            jeu, overrides, _ = _parametres(request)
            try:
                result = _lancer(jeu, overrides)
            except QuartiersError as e:
                return erreur(e)
            return vue(jeu, result)
        return lancer
    return decorer


def _piece_jointe(contenu: str | bytes, content_type: str, nom: str) -> HttpResponse:
    return HttpResponse(contenu, content_type=content_type,
                        headers={"Content-Disposition": f'attachment; filename="{nom}"'})


@_sur_delimitation(_erreur_json)
def resultat_geojson(jeu: str, result: Any) -> HttpResponse:
    q = result.quartiers.drop(columns=["zone"]).to_crs("EPSG:4326")
    features = []
    for i, row in enumerate(q.itertuples(index=False)):
        features.append({
            "type": "Feature", "id": i,
            "properties": {"code": row.code, "libelle": code_lisible(row.code), "nom": row.nom,
                           "population": float(row.population),
                           "uu_code": row.uu_code, "statistique": float(row.statistique),
                           "seuil": int(row.seuil)},
            "geometry": json.loads(json.dumps(row.geometry.__geo_interface__)),
        })
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      default=_json_default)
    return HttpResponse(body, content_type="application/geo+json")


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    raise TypeError(type(o))


@_sur_delimitation(_erreur_texte)
def explications_csv(jeu: str, result: Any) -> HttpResponse:
    buf = io.StringIO()
    result.explanations.drop(columns=["zone"]).to_csv(buf, index=False)
    return _piece_jointe(buf.getvalue(), "text/csv; charset=utf-8", "explications.csv")


@_sur_delimitation(_erreur_texte)
def resultats_zip(jeu: str, result: Any) -> HttpResponse:
    from quartiers.delimitation.export import write_delimitation

    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "resultats"
        write_delimitation(result, listes.entrees().uus, out)
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(out.iterdir()):
                z.write(f, f"delimitation-{jeu}/{f.name}")
    return _piece_jointe(buf.getvalue(), "application/zip", f"delimitation-{jeu}.zip")
