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
from dataclasses import dataclass, field
from typing import Any

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


class FichierIllisible(Exception):
    """The file cannot be read as CSV/XLSX (French message)."""


@dataclass
class Table:
    type: str
    entetes: list[str]
    lignes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (line no, row)


def _normaliser(entete: Any) -> str:
    return str(entete or "").strip().lower().replace(" ", "_").replace("é", "e").replace(
        "è", "e")


def _table(type_: str, rows: list[list[Any]]) -> Table:
    while rows and not any(str(c or "").strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise FichierIllisible(f"la feuille « {type_} » est vide (ligne d'en-tête attendue)")
    entetes = [_normaliser(c) for c in rows[0]]
    table = Table(type_, entetes)
    for i, row in enumerate(rows[1:], start=2):
        if not any(str(c if c is not None else "").strip() for c in row):
            continue
        table.lignes.append((i, {h: (row[j] if j < len(row) else None)
                                 for j, h in enumerate(entetes) if h}))
    return table


def lire_csv(data: bytes, type_: str) -> Table:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise FichierIllisible("encodage non reconnu (UTF-8 attendu)")
    if "\x00" in text:
        raise FichierIllisible("ce n'est pas un fichier CSV (contenu binaire)")
    first = text.splitlines()[0] if text.strip() else ""
    delim = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    if ";" not in first and "," not in first and "\t" in first:
        delim = "\t"
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    return _table(type_, rows)


def lire_xlsx(data: bytes, type_defaut: str) -> list[Table]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:
        raise FichierIllisible(f"ce n'est pas un classeur XLSX lisible ({type(e).__name__})") \
            from None
    tables = []
    noms = {ws.title.strip().lower(): ws for ws in wb.worksheets}
    connues = [t for t in TYPES if t in noms]
    if connues:
        for t in connues:
            tables.append(_table(t, [list(r) for r in noms[t].iter_rows(values_only=True)]))
    else:
        ws = wb.worksheets[0]
        tables.append(_table(type_defaut, [list(r) for r in ws.iter_rows(values_only=True)]))
    wb.close()
    return tables


def lire(nom: str, data: bytes, type_defaut: str) -> list[Table]:
    """Tables of an uploaded file: XLSX (sheets named by type, else the first sheet with
    ``type_defaut``) or CSV (one table of ``type_defaut``)."""
    if data[:2] == b"PK" or nom.lower().endswith(".xlsx"):
        return lire_xlsx(data, type_defaut)
    if nom.lower().endswith((".csv", ".txt")) or not nom:
        return [lire_csv(data, type_defaut)]
    raise FichierIllisible(f"format de fichier non reconnu « {nom} » : CSV ou XLSX attendu")


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
