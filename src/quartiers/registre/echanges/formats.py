"""Tabular files: reading CSV/XLSX into rows, writing CSV/XLSX; the import columns.

Column sets (header row first; order free, names case-insensitive; extra columns ignored):

- ``contrats``: reference, intitule, epci_siren, generation, date_debut, date_fin, statut,
  quartiers
- ``actions``: reference, contrat, intitule, porteur, pilier, quartiers, annee_debut,
  annee_fin
- ``financements``: action, partenaire, annee, montant_demande, montant_accorde,
  montant_verse
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
    "contrats": ["reference", "intitule", "epci_siren", "generation", "date_debut",
                 "date_fin", "statut", "quartiers"],
    "actions": ["reference", "contrat", "intitule", "porteur", "pilier", "quartiers",
                "annee_debut", "annee_fin"],
    "financements": ["action", "partenaire", "annee", "montant_demande", "montant_accorde",
                     "montant_verse"],
}
OBLIGATOIRES: dict[str, list[str]] = {
    "contrats": ["reference", "intitule", "epci_siren", "date_debut"],
    "actions": ["reference", "contrat", "intitule", "porteur", "pilier", "annee_debut",
                "annee_fin"],
    "financements": ["action", "partenaire", "annee"],
}
TYPES = list(COLONNES)


#: Reading limits of an imported file: the register holds hundreds of rows, not millions.
LIMITES = ReadLimits.for_upload(max_bytes=5 * 1024 * 1024, max_rows=20_000, max_seconds=60.0)


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


def ecrire_csv(entetes: list[str], lignes: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(entetes)
    w.writerows(lignes)
    return buf.getvalue().encode("utf-8-sig")


def ecrire_xlsx(feuilles: dict[str, tuple[list[str], list[list[Any]]]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for nom, (entetes, lignes) in feuilles.items():
        ws = wb.create_sheet(nom)
        ws.append(entetes)
        for row in lignes:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
