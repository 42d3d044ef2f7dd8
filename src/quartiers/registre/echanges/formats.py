"""Tabular files: reading CSV/XLSX into rows, writing CSV/XLSX; the import columns.

Column sets (header row first; order free, names case-insensitive; extra columns ignored):

- ``contrats``: reference, intitule, epci_siren, commune_porteuse, generation, date_debut,
  date_fin, statut, quartiers, participation_citoyenne, conseils_citoyens,
  volet_investissement, demonstration
- ``actions``: reference, contrat, intitule, porteur, pilier, quartiers, annee_debut,
  annee_fin, demonstration
- ``financements``: action, partenaire, annee, montant_demande, montant_accorde,
  montant_verse, demonstration (that of its action)
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quartiers.io.limits import FichierRefuse, ReadLimits
from quartiers.io.readers import open_table, sheet_names, sniff_kind

COLONNES: dict[str, list[str]] = {
    "contrats": ["reference", "intitule", "epci_siren", "commune_porteuse", "generation",
                 "date_debut", "date_fin", "statut", "quartiers", "participation_citoyenne",
                 "conseils_citoyens", "volet_investissement", "demonstration"],
    "actions": ["reference", "contrat", "intitule", "porteur", "pilier", "quartiers",
                "annee_debut", "annee_fin", "demonstration"],
    "financements": ["action", "partenaire", "annee", "montant_demande", "montant_accorde",
                     "montant_verse", "demonstration"],
}
OBLIGATOIRES: dict[str, list[str]] = {
    "contrats": ["reference", "intitule", "epci_siren", "date_debut"],
    "actions": ["reference", "contrat", "intitule", "porteur", "pilier", "annee_debut",
                "annee_fin"],
    "financements": ["action", "partenaire", "annee"],
}
TYPES = list(COLONNES)
#: ``demonstration`` column: ``oui`` marks an invented record (exports say it; an import
#: keeps it apart from the real records).
OUI_NON = [("oui", "oui"), ("non", "non")]


#: Reading limits of an imported file: the register holds hundreds of rows, not millions.
#: The rows of a sheet are applied in one transaction (all or nothing), a few milliseconds
#: each: 5 000 rows keep it within seconds, under SQLite's wait for a write lock.
LIMITES = ReadLimits.for_upload(max_bytes=5 * 1024 * 1024, max_rows=5_000, max_seconds=60.0)


class FichierIllisible(Exception):
    """The file cannot be read as CSV/XLSX/ODS (French message)."""


@dataclass
class Table:
    type: str
    entetes: list[str]
    lignes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (line no, row)
    illisibles: list[tuple[int, str]] = field(default_factory=list)  # (line no, reason)


def _normaliser(entete: Any) -> str:
    return str(entete or "").strip().lower().replace(" ", "_").replace("é", "e").replace(
        "è", "e")


def _table(path: Path, nom: str, type_: str, sheet: str | None) -> Table:
    source = open_table(path, limits=LIMITES, sheet=sheet, name=nom, chunk_rows=5_000)
    entetes = [_normaliser(c) for c in source.columns]
    table = Table(type_, entetes)
    for chunk in source:
        names = dict(zip(source.columns, entetes, strict=True))
        for line, row in zip(chunk.lines.tolist(), chunk.table.to_pylist(), strict=True):
            table.lignes.append((line, {names[k]: v for k, v in row.items()}))
        table.illisibles.extend((line, motif) for line, motif, _ in chunk.unreadable)
    return table


def lire(nom: str, data: bytes, type_defaut: str) -> list[Table]:
    """Tables of an uploaded file, read under :data:`LIMITES` by the one reader of user
    tables: a workbook (XLSX or ODS: sheets named by type, else the first sheet with
    ``type_defaut``) or a CSV (one table of ``type_defaut``)."""
    with tempfile.TemporaryDirectory(prefix="quartiers-import-") as tmp:
        path = Path(tmp) / ("fichier" + Path(nom).suffix.lower()[:8])
        path.write_bytes(data)
        try:
            kind = sniff_kind(path, nom)
            if kind == "parquet":
                raise FichierIllisible("format Parquet non pris en charge ici : CSV, XLSX ou "
                                       "ODS attendu")
            if kind == "csv":
                if nom and not nom.lower().endswith((".csv", ".txt", ".tsv")):
                    raise FichierIllisible(f"format de fichier non reconnu « {nom} » : CSV, "
                                           "XLSX ou ODS attendu")
                return [_table(path, nom, type_defaut, None)]
            feuilles = {n.strip().lower(): n for n in sheet_names(path, name=nom)}
            connues = [t for t in TYPES if t in feuilles]
            if not connues:
                return [_table(path, nom, type_defaut, None)]
            return [_table(path, nom, t, feuilles[t]) for t in connues]
        except FichierRefuse as e:
            raise FichierIllisible(e.message) from None


#: First characters a spreadsheet reads as a formula (OWASP « CSV injection »).
DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def neutraliser(valeur: Any) -> Any:
    """A text cell starting like a formula gets a leading apostrophe (CSV); other values
    are left as they are. The import removes that apostrophe again (round trip)."""
    if isinstance(valeur, str) and valeur.startswith(DEBUTS_DE_FORMULE):
        return "'" + valeur
    return valeur


def sans_neutralisation(texte: str) -> str:
    """Undo :func:`neutraliser` on an imported cell."""
    if texte.startswith("'") and texte[1:].startswith(DEBUTS_DE_FORMULE):
        return texte[1:]
    return texte


def ecrire_csv(entetes: list[str], lignes: list[list[Any]]) -> bytes:
    """CSV (``;``, UTF-8 with BOM) of the register's exports, formulas neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([neutraliser(v) for v in entetes])
    w.writerows([neutraliser(v) for v in row] for row in lignes)
    return buf.getvalue().encode("utf-8-sig")


def ecrire_xlsx(feuilles: dict[str, tuple[list[str], list[list[Any]]]]) -> bytes:
    """XLSX of the register's exports: every text is written as text (never a formula),
    and text that looks like a formula is marked so that editing it keeps it text."""
    from openpyxl import Workbook

    wb = Workbook(write_only=False)
    wb.remove(wb.active)
    for nom, (entetes, lignes) in feuilles.items():
        ws = wb.create_sheet(nom[:31])
        for row in [entetes, *lignes]:
            ws.append([None if v is None else v for v in row])
        for colonnes in ws.iter_rows():
            for cell in colonnes:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    if cell.value.startswith(DEBUTS_DE_FORMULE):
                        cell.quotePrefix = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
