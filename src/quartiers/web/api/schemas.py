"""Schemas shared by the API's routers."""

from __future__ import annotations

from ninja import Schema


class Erreur(Schema):
    """Every error: a stable code and a French message."""

    code: str
    message: str
