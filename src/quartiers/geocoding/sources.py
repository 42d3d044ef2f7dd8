"""Address sources read into uniform batches: BAN files (streamed), the real reference
addresses of the data directory, commune outlines.

A batch is a :class:`pyarrow.Table` with the columns of :data:`BATCH_SCHEMA`; street tokens
are computed by the builder. Rows that cannot be used are never silently dropped: each one is
reported as a :class:`Rejet` (file, line, field, reason in French).
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from quartiers.errors import QuartiersError

BATCH_SCHEMA = pa.schema([
    ("numero", pa.int32()),  # -1: no house number (a street or a place as a whole)
    ("rep", pa.string()),
    ("voie", pa.string()),  # street name as it should be displayed
    ("code_postal", pa.string()),
    ("code_insee", pa.string()),  # "" when unknown: placed by the commune outlines
    ("commune", pa.string()),
    ("autres_noms", pa.string()),  # other names of the place, "|"-separated (may be empty)
    ("lon", pa.float64()),
    ("lat", pa.float64()),
])

BAN_COLUMNS = str.split(
    "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;"
    "code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;"
    "libelle_acheminement;nom_afnor;source_position;source_nom_voie;certification_commune;"
    "cad_parcelles", ";"
)
_BAN_NEEDED = ("numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune", "lon",
               "lat")
#: Read when present: other names under which people know the place (merged communes,
#: postal localities), kept as aliases of the commune.
_BAN_ALIASES = ("nom_ancienne_commune", "libelle_acheminement")
#: Bounds of metropolitan France and the overseas départements would be wider; a position
#: outside [-180, 180] x [-90, 90] is an error, one at (0, 0) is a missing position.
CHUNK_BYTES = 16 << 20


@dataclass(frozen=True)
class Rejet:
    """A source row that was not indexed, and why."""

    fichier: str
    ligne: int
    champ: str
    motif: str

    def message(self) -> str:
        return f"{self.fichier}, ligne {self.ligne}, champ « {self.champ} » : {self.motif}"


Progress = Callable[[int, int], None]  # (bytes or rows done, total)


def _open_text(path: Path) -> io.BufferedIOBase:
    raw = path.open("rb")
    head = raw.read(2)
    raw.seek(0)
    if head == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    return raw  # type: ignore[return-value]


def _valid_rows(path: Path, table: pa.Table, lines: np.ndarray,
                rejets: list[Rejet]) -> pa.Table:
    """Check the BAN fields of a parsed chunk; drop and report the bad rows."""
    name = path.name
    keep = np.ones(table.num_rows, dtype=bool)

    def reject(mask: np.ndarray, field: str, reason: Callable[[int], str]) -> None:
        for i in np.flatnonzero(mask & keep):
            rejets.append(Rejet(name, int(lines[i]), field, reason(int(i))))
        keep[mask] = False

    def col(field: str) -> pa.Array:
        return pc.fill_null(table.column(field).combine_chunks(), "")

    numero = col("numero")
    bad = ~pc.match_substring_regex(numero, r"^[0-9]{1,5}$").to_numpy(zero_copy_only=False)
    values = numero.to_pylist()
    reject(bad, "numero", lambda i: f"numéro invalide « {values[i]} » (entier attendu)")
    voie = col("nom_voie")
    reject(pc.equal(pc.utf8_trim_whitespace(voie), "").to_numpy(zero_copy_only=False),
           "nom_voie", lambda i: "nom de voie vide")
    insee = col("code_insee")
    bad = ~pc.match_substring_regex(insee, r"^[0-9][0-9AB][0-9]{3}$").to_numpy(
        zero_copy_only=False)
    codes = insee.to_pylist()
    reject(bad, "code_insee", lambda i: f"code INSEE invalide « {codes[i]} »")
    coords = {}
    for field, bound in (("lon", 180.0), ("lat", 90.0)):
        text = col(field)
        ok = pc.match_substring_regex(text, r"^-?[0-9]+(\.[0-9]+)?$").to_numpy(
            zero_copy_only=False)
        raw = text.to_pylist()
        vals = np.full(len(raw), np.nan)
        vals[ok] = np.asarray(pc.cast(pc.filter(text, pa.array(ok)), pa.float64()))
        out = ~ok | ~(np.abs(vals) <= bound)
        what = "longitude" if field == "lon" else "latitude"

        def invalid(i: int, raw: list = raw, what: str = what) -> str:
            return f"{what} invalide « {raw[i]} »"

        reject(out, field, invalid)
        coords[field] = vals
    zero = (coords["lon"] == 0.0) & (coords["lat"] == 0.0)
    reject(zero, "lon", lambda i: "position absente (0, 0)")
    mask = pa.array(keep)
    numeros = pc.cast(pc.filter(numero, mask), pa.int32()).to_numpy(zero_copy_only=False)
    # 0 and 99999 stand for the place itself in BAN exports, not for a house number
    numeros = np.where((numeros <= 0) | (numeros >= 99999), -1, numeros).astype(np.int32)
    return pa.table({
        "numero": numeros,
        "rep": pc.utf8_lower(pc.filter(col("rep"), mask)),
        "voie": pc.utf8_trim_whitespace(pc.filter(voie, mask)),
        "code_postal": pc.filter(col("code_postal"), mask),
        "code_insee": pc.filter(insee, mask),
        "commune": pc.filter(col("nom_commune"), mask),
        "autres_noms": pc.filter(pc.binary_join_element_wise(
            col("nom_ancienne_commune"), col("libelle_acheminement"), "|"), mask),
        "lon": coords["lon"][keep],
        "lat": coords["lat"][keep],
    }, schema=BATCH_SCHEMA)


def iter_ban(path: str | Path, rejets: list[Rejet],
             progress: Progress | None = None) -> Iterator[pa.Table]:
    """Stream a BAN ``adresses-DD.csv[.gz]`` file in batches (constant memory).

    The file is read in chunks of whole lines; each chunk is parsed by pyarrow with the
    header of the file, so every row keeps its physical line number for the rejections.
    A row with the wrong number of fields, or a bad number, code or position, is reported
    in ``rejets`` and skipped.
    """
    path = Path(path)
    if not path.is_file():
        raise QuartiersError("fichier introuvable", fichier=path)
    total = path.stat().st_size
    with path.open("rb") as raw_handle, _open_text(path) as handle:
        header = handle.readline()
        names = header.decode("utf-8-sig", errors="replace").strip().split(";")
        missing = [c for c in _BAN_NEEDED if c not in names]
        if missing:
            raise QuartiersError(
                "ce n'est pas un fichier d'adresses de la BAN : colonne(s) absente(s) "
                + ", ".join(missing) + " (en-tête attendu : " + ";".join(BAN_COLUMNS) + ")",
                fichier=path, ligne=1)
        first_line = 2
        tail = b""
        while True:
            block = handle.read(CHUNK_BYTES)
            data = tail + block
            if not block:
                tail = b""
            else:
                cut = data.rfind(b"\n")
                if cut < 0:
                    tail = data
                    continue
                data, tail = data[: cut + 1], data[cut + 1:]
            if data.strip():
                n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
                table, lines = _parse_chunk(path, header, data, first_line, n_lines, rejets)
                first_line += n_lines
                if table.num_rows:
                    yield _valid_rows(path, table, lines, rejets)
            if progress is not None:
                progress(min(raw_handle.tell() if not block else _compressed_pos(handle),
                             total), total)
            if not block:
                break


def _compressed_pos(handle: io.BufferedIOBase) -> int:
    fileobj = getattr(handle, "fileobj", None)
    if fileobj is not None:
        return int(fileobj.tell())
    return int(handle.tell())


def _parse_chunk(path: Path, header: bytes, data: bytes, first_line: int, n_lines: int,
                 rejets: list[Rejet]) -> tuple[pa.Table, np.ndarray]:
    bad_lines: list[int] = []
    expected = len(header.decode("utf-8-sig", errors="replace").strip().split(";"))

    def invalid(row: pacsv.InvalidRow) -> str:
        line = first_line + int(row.number or 1) - 2  # the header is the chunk's line 1
        bad_lines.append(line)
        rejets.append(Rejet(path.name, line, "(ligne entière)",
                            f"{row.actual_columns} champ(s) au lieu de {expected}"))
        return "skip"

    table = pacsv.read_csv(
        io.BytesIO(header + data),
        read_options=pacsv.ReadOptions(use_threads=False, encoding="utf8"),
        parse_options=pacsv.ParseOptions(delimiter=";", quote_char='"',
                                         invalid_row_handler=invalid,
                                         newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(_BAN_NEEDED + _BAN_ALIASES, pa.string()),
            include_columns=list(_BAN_NEEDED + _BAN_ALIASES), include_missing_columns=True,
            strings_can_be_null=False),
    )
    all_lines = np.arange(first_line, first_line + n_lines, dtype=np.int64)
    blank = _blank_lines(data, first_line)
    lines = np.setdiff1d(all_lines, np.array(bad_lines + blank, dtype=np.int64))
    if len(lines) != table.num_rows:  # quoted line breaks: line numbers become row numbers
        lines = np.arange(first_line, first_line + table.num_rows, dtype=np.int64)
    return table, lines


def _blank_lines(data: bytes, first_line: int) -> list[int]:
    if b"\n\n" not in data and not data.startswith(b"\n"):
        return []
    return [first_line + i for i, line in enumerate(data.split(b"\n")[:-1]) if not line.strip()]


# -- the real reference of the data directory ------------------------------------------------

REFERENCE_FILE = "adresses-reference/adresses-reelles-06-13-69-83-84.csv"
FRANCE_SERVICES_FILE = "adresses-reference/france-services-20240801.csv"
#: The columns each file gives, under our names (``BATCH_SCHEMA``'s, ``adresse`` raw).
_REFERENCE_COLUMNS = {"adresse": "address", "code_postal": "postcode", "code_insee": "citycode",
                      "commune": "city", "lon": "lon", "lat": "lat"}
_FRANCE_SERVICES_COLUMNS = {"adresse": "adresse", "code_postal": "code_postal",
                            "code_insee": "insee_com", "commune": "lib_com", "lon": "longitude",
                            "lat": "latitude"}


@dataclass(frozen=True)
class Reference:
    """The reference addresses: a batch with raw address text, and what was skipped."""

    table: pa.Table  # BATCH_SCHEMA plus "adresse" (raw text, number and street together)
    rejets: list[Rejet]


def _float(text: pa.Array) -> np.ndarray:
    text = pc.fill_null(text, "")
    ok = pc.match_substring_regex(text, r"^-?[0-9]+(\.[0-9]+)?$").to_numpy(zero_copy_only=False)
    out = np.full(len(text), np.nan)
    out[ok] = np.asarray(pc.cast(pc.filter(text, pa.array(ok)), pa.float64()))
    return out


def _usable_position(path: Path, lon: np.ndarray, lat: np.ndarray, lines: np.ndarray,
                     rejets: list[Rejet]) -> np.ndarray:
    """Positions that can be used: present, in range, in France's broad box (the
    reference has rows at (0, 0), swapped lon/lat and points in the ocean)."""
    missing = np.isnan(lon) | np.isnan(lat)
    zero = ~missing & (lon == 0.0) & (lat == 0.0)
    # metropolitan France and Corsica, broadly; overseas addresses use their own boxes
    metro = (lon > -5.5) & (lon < 10.0) & (lat > 41.0) & (lat < 51.5)
    overseas = ((lat > -22.0) & (lat < -12.5) & (lon > 44.0) & (lon < 56.0)) | (
        (lat > 2.0) & (lat < 18.5) & (lon > -63.5) & (lon < -51.0)) | (
        (lat > 46.5) & (lat < 47.5) & (lon > -57.0) & (lon < -56.0))
    outside = ~missing & ~zero & ~(metro | overseas)
    for i in np.flatnonzero(missing):
        rejets.append(Rejet(path.name, int(lines[i]), "lat/lon", "position absente"))
    for i in np.flatnonzero(zero):
        rejets.append(Rejet(path.name, int(lines[i]), "lat/lon", "position nulle (0, 0)"))
    for i in np.flatnonzero(outside):
        rejets.append(Rejet(path.name, int(lines[i]), "lat/lon",
                            f"position hors de France ({lat[i]:.4f}, {lon[i]:.4f})"))
    return ~(missing | zero | outside)


def read_reference(root: Path, france_services: bool = True) -> Reference:
    """The real addresses of ``adresses-reference/`` (not the BAN), with the rows skipped.

    The address text is kept whole (number, street and complements as the source typed
    them): the builder takes it apart with the query parser, so that the index and the
    queries meet on the same normal form.
    """
    rejets: list[Rejet] = []
    path = root / REFERENCE_FILE
    if not path.is_file():
        from quartiers.errors import DonneesManquantes

        raise DonneesManquantes(f"adresses de référence absentes : {path}")
    tables = [_reference_table(path, _REFERENCE_COLUMNS, rejets)]
    fs_path = root / FRANCE_SERVICES_FILE
    if france_services and fs_path.is_file():
        tables.append(_reference_table(fs_path, _FRANCE_SERVICES_COLUMNS, rejets))
    return Reference(pa.concat_tables(tables), rejets)


def _reference_table(path: Path, names: dict[str, str], rejets: list[Rejet]) -> pa.Table:
    """The rows of one reference file (``names``: our column -> the file's) that have a
    usable position and an address; the others go to ``rejets``.

    A row's number stands for its line: quoted fields of the France services list may hold
    line breaks, after which the true line is further down."""
    raw = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types=dict.fromkeys(names.values(), pa.string()), strings_can_be_null=False))
    column = {ours: raw.column(theirs).combine_chunks() for ours, theirs in names.items()}
    lines = np.arange(2, raw.num_rows + 2)
    lon, lat = _float(column["lon"]), _float(column["lat"])
    keep = _usable_position(path, lon, lat, lines, rejets)
    empty = pc.equal(pc.utf8_trim_whitespace(column["adresse"]), "").to_numpy(
        zero_copy_only=False)
    for i in np.flatnonzero(empty & keep):
        rejets.append(Rejet(path.name, int(lines[i]), names["adresse"], "adresse vide"))
    keep &= ~empty
    mask = pa.array(keep)
    return pa.table({
        **{k: pc.filter(column[k], mask) for k in ("adresse", "code_postal", "code_insee",
                                                   "commune")},
        "autres_noms": pa.nulls(int(keep.sum()), pa.string()),
        "lon": lon[keep],
        "lat": lat[keep],
    })
