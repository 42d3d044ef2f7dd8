"""User-facing errors, in French, that name the file, line and field at fault."""

from __future__ import annotations

from pathlib import Path


class QuartiersError(Exception):
    """An error caused by user input or configuration.

    The CLI prints :meth:`message_complet` and exits with a non-zero code.

    Examples
    --------
    >>> e = QuartiersError("valeur négative", fichier="a.csv", ligne=3, champ="ind")
    >>> e.message_complet()
    'a.csv, ligne 3, champ « ind » : valeur négative'
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        fichier: str | Path | None = None,
        ligne: int | None = None,
        champ: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fichier = str(fichier) if fichier is not None else None
        self.ligne = ligne
        self.champ = champ

    def message_complet(self) -> str:
        where = []
        if self.fichier:
            where.append(self.fichier)
        if self.ligne is not None:
            where.append(f"ligne {self.ligne}")
        if self.champ:
            where.append(f"champ « {self.champ} »")
        return (", ".join(where) + " : " if where else "") + self.message

    def __str__(self) -> str:
        return self.message_complet()


class DonneesManquantes(QuartiersError):
    """A dataset the command needs is absent from the data directory."""

    exit_code = 3
