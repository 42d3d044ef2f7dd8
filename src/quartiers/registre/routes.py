"""The URL layout of a register record, declared once for the apps that keep records
(contracts, actions, NPNRU projects): the list, the creation page, the record, its edit page
and its actions, each ``<pk>/<action>/`` served by the view of the same name."""

from __future__ import annotations

from types import ModuleType

from django.urls import URLPattern, path


def routes_fiche(views: ModuleType, *, nouveau: str = "nouveau",
                 actions: tuple[str, ...] = ()) -> list[URLPattern]:
    """``""`` → ``views.liste``; ``<nouveau>/`` → ``views.modifier`` without a record;
    ``<pk>/`` → ``views.detail``; ``<pk>/modifier/`` and ``<pk>/<action>/`` → the view named
    like the action. URL names are the same words (``liste``, ``detail``, ``archiver``...)."""
    return [
        path("", views.liste, name="liste"),
        path(f"{nouveau}/", views.modifier, name=nouveau),
        path("<int:pk>/", views.detail, name="detail"),
        *(path(f"<int:pk>/{action}/", getattr(views, action), name=action)
          for action in ("modifier", *actions)),
    ]
