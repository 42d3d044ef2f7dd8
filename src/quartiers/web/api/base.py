"""REST API v1 (django-ninja): the API object, its error handlers and the routers of each
domain (``verification``, ``lots``, ``quartiers``, ``registre``, one module each). OpenAPI
document at ``/api/v1/openapi.json``, docs at ``/api/v1/docs``.

Every error is JSON ``{"code": "...", "message": "..."}`` with a stable code and a French
message. Machine clients authenticate with ``Authorization: Bearer <jeton>`` (tokens made by
``python -m quartiers.web creer_jeton``); browser sessions work too (with CSRF). The public
point lookup is rate limited per client address unless authenticated.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from quartiers.errors import QuartiersError
from quartiers.web.api import lots, quartiers, registre, verification
from quartiers.web.api.auth import TropDeRequetes
from quartiers.web.geodonnees import listes


class RenduJSON(JSONRenderer):
    """JSON with readable French (no \\u escapes)."""

    json_dumps_params = {"ensure_ascii": False}  # noqa: RUF012


api = NinjaAPI(
    renderer=RenduJSON(),
    title="API Quartiers prioritaires",
    version="1",
    description=(
        "Vérification d'adresses dans les quartiers prioritaires de la politique de la ville "
        "(QPV), périmètres en GeoJSON, fiches des quartiers, registre des contrats de ville. "
        "Les erreurs sont des objets JSON `{code, message}` (message en français, code "
        "stable). Authentification des clients machines : `Authorization: Bearer <jeton>`."
    ),
    urls_namespace="api-1",
    # no deep links: Swagger UI would nest a link inside each operation's toggle button
    # (axe: nested-interactive); the page's template is templates/ninja/swagger.html
    docs=Swagger(settings={"deepLinking": False}),
)
logger = logging.getLogger(__name__)

def _erreur(request: HttpRequest, status: int, code: str, message: str,
            **headers: str) -> HttpResponse:
    resp = api.create_response(request, {"code": code, "message": message}, status=status)
    for k, v in headers.items():
        resp[k] = v
    return resp


@api.exception_handler(NinjaValidationError)
def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    parts = []
    for e in exc.errors:
        loc = ".".join(str(x) for x in e.get("loc", [])[1:]) or "requête"
        kind = e.get("type", "")
        what = {"missing": "paramètre obligatoire absent", "float_parsing": "nombre attendu",
                "int_parsing": "entier attendu", "json_invalid": "JSON invalide"}.get(
            kind, e.get("msg", "valeur invalide"))
        parts.append(f"{loc} : {what}")
    return _erreur(request, 422, "requete_invalide", "requête invalide — " + " ; ".join(parts))


@api.exception_handler(listes.ErreurPoint)
def _point(request: HttpRequest, exc: listes.ErreurPoint) -> HttpResponse:
    return _erreur(request, 400, exc.code, exc.message)


@api.exception_handler(QuartiersError)
def _quartiers(request: HttpRequest, exc: QuartiersError) -> HttpResponse:
    return _erreur(request, 400, "parametre_invalide", exc.message_complet())


@api.exception_handler(TropDeRequetes)
def _trop(request: HttpRequest, exc: TropDeRequetes) -> HttpResponse:
    return _erreur(request, 429, "trop_de_requetes",
                   "trop de requêtes depuis cette adresse : réessayez dans "
                   f"{exc.attente} s ou utilisez un jeton d'API",
                   **{"Retry-After": str(exc.attente)})


@api.exception_handler(AuthenticationError)
def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _erreur(request, 401, "authentification_requise",
                   "authentification requise : jeton d'API (Authorization: Bearer) ou session")


@api.exception_handler(PermissionDenied)
def _refus(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _erreur(request, 403, "acces_refuse", str(exc) or "accès refusé")


@api.exception_handler(Http404)
def _introuvable(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _erreur(request, 404, "introuvable", str(exc) or "ressource introuvable")


@api.exception_handler(HttpError)
def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "requete_invalide", 401: "authentification_requise", 403: "acces_refuse",
            404: "introuvable", 405: "methode_non_autorisee", 409: "conflit",
            413: "trop_volumineux"}.get(exc.status_code, "erreur")
    return _erreur(request, exc.status_code, code, str(exc))


@api.exception_handler(Exception)
def _interne(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Any other exception: logged with its traceback, a JSON 500 for the client."""
    logger.error("erreur interne de l'API : %s %s", request.method, request.get_full_path(),
                 exc_info=exc)
    return _erreur(request, 500, "erreur_interne",
                   "erreur interne du serveur, enregistrée dans son journal : réessayez plus "
                   "tard ou signalez-la à l'exploitant")


@api.exception_handler(ValidationError)
def _regle(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    msgs = exc.messages if hasattr(exc, "messages") else [str(exc)]
    return _erreur(request, 400, "regle_non_respectee", " ; ".join(msgs))


for _domain in (verification, lots, quartiers, registre):
    api.add_router("/", _domain.router)
