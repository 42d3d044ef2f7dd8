"""Helpers shared by the register's apps: money in integer cents, optimistic locking, dated
parameters (``parameters/*.yaml``), related objects not saved yet.

Money is stored as integer cents (``BigIntegerField``), never as floats. :func:`euros_en_centimes`
parses what users type ("1 234,56", "1234.5", "1234") exactly with :class:`~decimal.Decimal`.

Optimistic locking: every editable object with a ``version`` field is saved through
:func:`enregistrer_avec_version`, which increments the version with a conditional
``UPDATE ... WHERE version = <version read by the user>`` (atomic on SQLite and PostgreSQL)
and raises :class:`Conflit` when someone else saved in between.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, DecimalException
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F

from quartiers.parameters.dated import Value, value

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


class ObjetDuRegistre(models.Model):
    """A record users edit in the register (contract, action, NPNRU project): known by a
    stable reference (the imports' key), saved with optimistic locking (``version``), flagged
    when it is demonstration data; named by its reference and its ``libelle`` field."""

    reference = models.CharField("référence", max_length=40, unique=True)
    version = models.PositiveIntegerField("version", default=1, editable=False)
    demonstration = models.BooleanField("données de démonstration", default=False)
    libelle = "intitule"

    class Meta:
        abstract = True
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference} – {getattr(self, self.libelle)}"


def euros_en_centimes(texte: object) -> int:
    """``"1 234,56"`` -> ``123456``; raises ``ValueError`` (French message) otherwise."""
    if isinstance(texte, int):
        return texte * 100
    s = str(texte).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    s = s.replace("€", "").replace(",", ".")
    if not s:
        raise ValueError("montant vide")
    # Decimal accepts what float() does not need: only ASCII digits, one sign, one point and
    # an exponent; checked before arithmetic so that "1e999999999" cannot overflow.
    if len(s) > 40 or not s.isascii():
        raise ValueError(f"« {str(texte)[:40]} » n'est pas un montant en euros")
    try:
        d = Decimal(s)
    except DecimalException:
        raise ValueError(f"« {texte} » n'est pas un montant en euros") from None
    if not d.is_finite():
        raise ValueError(f"« {texte} » n'est pas un montant en euros")
    if d.adjusted() > 15:
        raise ValueError(f"« {texte} » dépasse le montant maximal (10 000 milliards d'euros)")
    try:
        cents = d.scaleb(2)
        entier = cents.to_integral_value()
    except DecimalException:
        raise ValueError(f"« {texte} » n'est pas un montant en euros") from None
    if cents != entier:
        raise ValueError(f"« {texte} » a plus de deux décimales")
    if abs(cents) > MONTANT_MAX:
        raise ValueError(f"« {texte} » dépasse le montant maximal (10 000 milliards d'euros)")
    return int(entier)


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


VERSION_MANQUANTE = ("Version lue manquante : rechargez la page (ou relisez l'objet) avant "
                     "d'enregistrer, pour ne pas écraser une modification faite entre-temps.")


def enregistrer_avec_version(obj: Any, version_lue: int | None, **save_kwargs: Any) -> None:
    """Save ``obj`` if nobody saved it since ``version_lue`` was read; else raise Conflit.

    An existing object needs the version its author read: without it the save is refused
    (``ValidationError``), never a silent overwrite. Runs in a transaction (it opens one):
    the version bump and the save (with its history entry) are committed together or not at
    all.
    """
    model = type(obj)
    with transaction.atomic():
        if obj.pk is None:
            obj.version = 1
            obj.save(**save_kwargs)
            return
        if version_lue is None:
            raise ValidationError({"version": VERSION_MANQUANTE})
        bumped = model.objects.filter(pk=obj.pk, version=version_lue).update(
            version=F("version") + 1
        )
        if not bumped:
            actuel = model.objects.get(pk=obj.pk)
            raise Conflit(actuel, version_lue)
        obj.version = version_lue + 1
        obj.save(**save_kwargs)


def valider_avec_quartiers(obj: Any, hors: list[str], **options: Any) -> None:
    """Every rule of ``obj`` (``full_clean(**options)``) and ``hors``, the errors of the
    quartiers it is to cover, in one ValidationError by field."""
    erreurs: dict[str, list[str]] = {}
    try:
        obj.full_clean(**options)
    except ValidationError as e:
        erreurs.update(e.message_dict)
    if hors:
        erreurs.setdefault("quartiers", []).extend(hors)
    if erreurs:
        raise ValidationError(erreurs)


def enregistrer_avec_quartiers(obj: Any, quartiers: list[Any], version_lue: int | None) -> None:
    """Save ``obj`` (:func:`enregistrer_avec_version`) with ``quartiers`` as its quartiers;
    the links, and their history, are written only when they change."""
    enregistrer_avec_version(obj, version_lue)
    if set(obj.quartiers.values_list("pk", flat=True)) != {q.pk for q in quartiers}:
        obj.quartiers.set(quartiers)


def parametre(nom: str, le: dt.date | None = None) -> Value:
    """A dated parameter (``parameters/*.yaml``) in force on ``le`` (today by default)."""
    return value(nom, le)


def date_parametre(nom: str, le: dt.date | None = None) -> dt.date:
    """A dated parameter whose value is a date (``AAAA-MM-JJ``)."""
    v = value(nom, le).valeur
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def lie(obj: Any, champ: str) -> Any:
    """The object a foreign key points to, saved or only assigned (an import checks rows
    that refer to objects created earlier in the same file), else ``None``."""
    descripteur = getattr(type(obj), champ)
    if descripteur.is_cached(obj) or getattr(obj, f"{champ}_id") is not None:
        return getattr(obj, champ)
    return None
