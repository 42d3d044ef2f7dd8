"""Helpers shared by the register's apps: money in integer cents, optimistic locking.

Money is stored as integer cents (``BigIntegerField``), never as floats. :func:`euros_en_centimes`
parses what users type ("1 234,56", "1234.5", "1234") exactly with :class:`~decimal.Decimal`.

Optimistic locking: every editable object with a ``version`` field is saved through
:func:`enregistrer_avec_version`, which increments the version with a conditional
``UPDATE ... WHERE version = <version read by the user>`` (atomic on SQLite and PostgreSQL)
and raises :class:`Conflit` when someone else saved in between.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models, transaction
from django.db.models import F

MONTANT_MAX = 10**15  # cents (10 000 billion euros), far below the BigIntegerField limit


class Conflit(Exception):
    """The object was modified by someone else since the user opened it."""

    def __init__(self, actuel: models.Model, version_lue: int):
        self.actuel = actuel
        self.version_lue = version_lue
        super().__init__(
            f"« {actuel} » a été modifié par quelqu'un d'autre pendant votre saisie "
            f"(version {version_lue} lue, version {actuel.version} enregistrée)."  # type: ignore[attr-defined]
        )


def euros_en_centimes(texte: object) -> int:
    """``"1 234,56"`` -> ``123456``; raises ``ValueError`` (French message) otherwise."""
    if isinstance(texte, int):
        return texte * 100
    s = str(texte).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    s = s.replace("€", "").replace(",", ".")
    if not s:
        raise ValueError("montant vide")
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise ValueError(f"« {texte} » n'est pas un montant en euros") from None
    if not d.is_finite():
        raise ValueError(f"« {texte} » n'est pas un montant en euros")
    cents = d * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"« {texte} » a plus de deux décimales")
    if abs(cents) > MONTANT_MAX:
        raise ValueError(f"« {texte} » dépasse le montant maximal (10 000 milliards d'euros)")
    return int(cents)


def centimes_en_euros(cents: int | None, sep: str = "\u202f") -> str:
    """``123456`` -> ``"1 234,56 €"`` (French formatting, exact)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    cents = abs(int(cents))
    euros, c = divmod(cents, 100)
    ent = f"{euros:,}".replace(",", sep)
    return f"{sign}{ent},{c:02d}\u00a0€"


def centimes_en_texte(cents: int | None) -> str:
    """Export form: ``123456`` -> ``"1234.56"`` (exact, no thousands separator)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    euros, c = divmod(abs(int(cents)), 100)
    return f"{sign}{euros}.{c:02d}"


def enregistrer_avec_version(obj: Any, version_lue: int, **save_kwargs: Any) -> None:
    """Save ``obj`` if nobody saved it since ``version_lue`` was read; else raise Conflit.

    Must run inside a transaction (it opens one): the version bump and the save (with its
    history entry) are committed together or not at all.
    """
    model = type(obj)
    with transaction.atomic():
        if obj.pk is None:
            obj.version = 1
            obj.save(**save_kwargs)
            return
        bumped = model.objects.filter(pk=obj.pk, version=version_lue).update(
            version=F("version") + 1
        )
        if not bumped:
            actuel = model.objects.get(pk=obj.pk)
            raise Conflit(actuel, version_lue)
        obj.version = version_lue + 1
        obj.save(**save_kwargs)
