"""SYNTHETIC test material for the geocoder (made up here, not real data):

- :func:`spellings`: held-out spellings of real reference addresses, the way people type them
  (lower case, no accents, abbreviations, no postcode, a typo, complements, arrondissements);
- :func:`fabricated`: invented street names in real communes;
- :func:`write_ban`: a BAN-format ``adresses-DD.csv.gz`` file of made-up addresses.

Everything is drawn from a seeded generator, so tests and bench are repeatable.
"""

from __future__ import annotations

import gzip
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from quartiers.geocoding.sources import BAN_COLUMNS

_ABBREVIATE = {
    "boulevard": "bd", "avenue": "av", "chemin": "ch", "place": "pl", "impasse": "imp",
    "allée": "all", "allee": "all", "route": "rte", "square": "sq", "quai": "qu",
    "faubourg": "fg", "saint": "st", "sainte": "ste", "général": "gal", "general": "gal",
    "maréchal": "mal", "marechal": "mal", "docteur": "dr", "rue": "r", "montée": "mte",
    "president": "pdt", "président": "pdt", "commandant": "cdt", "lieutenant": "lt",
}
_COMPLEMENTS = ("bât. C", "BAT B", "bâtiment 4", "appt 12", "Appartement 3", "BP 12",
                "CS 1234", "esc. 2", "2e étage", "Résidence Les Oliviers")
_SYLLABLES = ("zor", "glu", "bri", "vak", "tul", "mop", "fra", "dex", "qui", "lon", "pir",
              "vel", "gna", "bou", "tix", "wal", "zen", "kro", "plu", "sav")


def _unaccent(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


@dataclass(frozen=True)
class Spelling:
    """A query and where it should land."""

    query: str
    kind: str  # which alteration
    lat: float
    lon: float
    source_row: int


def _typo(word: str, rng: np.random.Generator) -> str:
    if len(word) < 5:
        return word
    i = int(rng.integers(1, len(word) - 1))
    op = int(rng.integers(0, 3))
    if op == 0:  # swap two letters
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == 1:  # drop one
        return word[:i] + word[i + 1:]
    letter = "aeioursnt"[int(rng.integers(0, 9))]
    if letter == word[i]:
        letter = "x"
    return word[:i] + letter + word[i + 1:]


def spellings(addresses: list[str], postcodes: list[str], cities: list[str],
              lat: np.ndarray, lon: np.ndarray, seed: int = 12) -> list[Spelling]:
    """Several altered spellings of each address (number and street, postcode, city)."""
    rng = np.random.default_rng(seed)
    out: list[Spelling] = []
    for i, (addr, pcode, city) in enumerate(zip(addresses, postcodes, cities, strict=True)):
        base = f"{addr} {pcode} {city}".strip()
        la, lo = float(lat[i]), float(lon[i])

        def add(query: str, kind: str, la: float = la, lo: float = lo, i: int = i) -> None:
            out.append(Spelling(" ".join(query.split()), kind, la, lo, i))

        add(base, "telle_quelle")
        add(_unaccent(base).lower(), "minuscules_sans_accents")
        words = addr.split()
        abbreviated = [_ABBREVIATE.get(w.lower(), w) for w in words]
        add(f"{' '.join(abbreviated)} {pcode} {city}", "abreviations")
        add(f"{addr}, {city}", "sans_code_postal")
        long_words = [k for k, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
        if long_words:
            k = long_words[int(rng.integers(0, len(long_words)))]
            typo = [*words[:k], _typo(words[k], rng), *words[k + 1:]]
            add(f"{' '.join(typo)} {pcode} {city}", "une_faute")
        comp = _COMPLEMENTS[int(rng.integers(0, len(_COMPLEMENTS)))]
        if rng.random() < 0.5:
            add(f"{comp}, {addr} {pcode} {city}", "complement")
        else:
            add(f"{addr}, {comp}, {pcode} {city}", "complement")
        low = city.lower()
        if pcode[:3] in ("130", "690") and ("marseille" in low or "lyon" in low):
            n = int(pcode[3:])
            name = "MARSEILLE" if "marseille" in low else "Lyon"
            suffix = "er" if n == 1 else "e"
            add(f"{addr} {pcode} {name} {n}", "arrondissement")
            add(f"{addr} {name} {n}{suffix}", "arrondissement")
    return out


def fabricated(cities: list[tuple[str, str]], n: int, seed: int = 7) -> list[str]:
    """``n`` invented addresses (made-up street names) in the given (postcode, city)."""
    rng = np.random.default_rng(seed)
    types = ("rue", "avenue", "boulevard", "chemin", "impasse", "allée")
    out = []
    for k in range(n):
        postcode, city = cities[k % len(cities)]
        word = "".join(_SYLLABLES[int(i)] for i in rng.integers(0, len(_SYLLABLES), 3))
        other = "".join(_SYLLABLES[int(i)] for i in rng.integers(0, len(_SYLLABLES), 2))
        kind = types[int(rng.integers(0, len(types)))]
        out.append(f"{int(rng.integers(1, 120))} {kind} {word.capitalize()} "
                   f"{other.capitalize()} {postcode} {city}")
    return out


# -- a BAN-format file -----------------------------------------------------------------------

_NAMES = ("Pasteur", "Victor Hugo", "Jean Jaurès", "de la République", "du Général de Gaulle",
          "des Lilas", "de la Gare", "du Moulin", "des Écoles", "Jean Moulin", "de la Paix",
          "Gambetta", "de l'Église", "des Acacias", "du Stade", "Émile Zola", "Carnot",
          "de la Liberté", "des Pins", "Saint-Exupéry")
_TYPES = ("Rue", "Avenue", "Boulevard", "Chemin", "Impasse", "Allée", "Place", "Route")


def write_ban(path: str | Path, n_addresses: int, departement: str = "99",
              n_communes: int = 300, seed: int = 1, bad_rows: int = 0) -> Path:
    """Write a SYNTHETIC BAN-format file (``;``, the BAN's header, gzip if ``.gz``).

    Communes, streets and numbers are made up (names combine common French street names
    with invented words so that streets are distinct); positions lie along each street.
    ``bad_rows`` malformed rows are scattered in (wrong field count, bad number, bad
    position) to exercise the error reports.
    """
    rng = np.random.default_rng(seed)
    path = Path(path)
    per_street = 28
    n_streets = max(1, n_addresses // per_street)
    commune = rng.integers(0, n_communes, n_streets)
    c_lat = 43.0 + rng.random(n_communes) * 2.0
    c_lon = 4.0 + rng.random(n_communes) * 3.0
    sylls = np.array(_SYLLABLES, dtype=object)
    rows_written = 0
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8", newline="") as f:  # type: ignore[operator]
        f.write(";".join(BAN_COLUMNS) + "\n")
        bad_at = set(rng.choice(n_addresses, size=min(bad_rows, n_addresses),
                                replace=False).tolist()) if bad_rows else set()
        for s in range(n_streets):
            c = int(commune[s])
            code = f"{departement}{c + 1:03d}"
            postcode = f"{departement}{(c // 3) % 90 * 10 + 100:03d}"
            city = "Synthé" + "".join(sylls[[c % 20, (c // 20) % 20, (c // 400) % 20]])
            name = (f"{_TYPES[s % len(_TYPES)]} {_NAMES[(s // 8) % len(_NAMES)]} "
                    + "".join(sylls[[s % 20, (s // 20) % 20, (s // 400) % 20]]).capitalize())
            bearing = rng.random() * np.pi
            lat0 = c_lat[c] + rng.normal(0, 0.01)
            lon0 = c_lon[c] + rng.normal(0, 0.01)
            count = per_street if s < n_streets - 1 else n_addresses - rows_written
            for k in range(count):
                step = k * 0.00015
                lat = lat0 + step * np.cos(bearing)
                lon = lon0 + step * np.sin(bearing)
                numero = 1 + 2 * k
                rep = "bis" if k % 13 == 5 else ""
                # one commune in five merged another: its addresses keep the old name
                old_name = f"Vieux-{city}" if c % 5 == 0 else ""
                fields = [f"{code}_{s:05d}_{numero:05d}", "", str(numero), rep, name, postcode,
                          code, city, "", old_name, "", "", f"{lon:.6f}", f"{lat:.6f}",
                          "entrée",
                          "", "", city.upper(), name.upper(), "synthétique", "synthétique",
                          "", ""]
                if rows_written in bad_at:
                    kind = rows_written % 3
                    if kind == 0:
                        fields = fields[:7]
                    elif kind == 1:
                        fields[2] = "douze"
                    else:
                        fields[13] = "quatre-vingt"
                f.write(";".join(fields) + "\n")
                rows_written += 1
    return path
