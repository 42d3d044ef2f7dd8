"""Display names for streets read from raw, often upper-case, sources.

The reference files spell streets « AV MAL DE LATTRE DE TASSIGNY »; the index shows
« Avenue Maréchal de Lattre de Tassigny »: tokens after abbreviation expansion, title case,
French linking words in lower case, accents restored from the accented spellings met in the
same sources (plus a few common street words).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

_LOWER = {"de", "du", "des", "la", "le", "les", "l", "d", "et", "en", "sur", "sous", "aux", "au",
          "a", "lez", "dit", "dite"}
_ELIDED = {"l", "d"}
_COMMON_ACCENTS = {
    "allee": "allée", "general": "général", "marechal": "maréchal", "republique": "république",
    "liberation": "libération", "eglise": "église", "chateau": "château", "cote": "côte",
    "montee": "montée", "president": "président", "freres": "frères", "ecole": "école",
    "etienne": "étienne", "helene": "hélène", "cesar": "césar", "gare": "gare",
    "fontaine": "fontaine", "prefecture": "préfecture", "hotel": "hôtel", "ile": "île",
    "levant": "levant", "mediterranee": "méditerranée", "eugene": "eugène", "andre": "andré",
    "rene": "rené", "leon": "léon", "clemenceau": "clemenceau", "felix": "félix",
    "jose": "josé", "therese": "thérèse", "genevieve": "geneviève", "celestin": "célestin",
    "defense": "défense", "resistance": "résistance", "pre": "pré", "pres": "près",
    "deportes": "déportés", "federation": "fédération", "fraternite": "fraternité",
    "egalite": "égalité", "liberte": "liberté", "emile": "émile", "edouard": "édouard",
    "theatre": "théâtre", "cite": "cité", "residence": "résidence", "bourgade": "bourgade",
    "notre": "notre", "ferreol": "ferréol", "severine": "séverine", "frederic": "frédéric",
    "gerard": "gérard", "jerome": "jérôme", "michele": "michèle", "pere": "père",
    "mere": "mère", "ecoles": "écoles", "eglises": "églises", "etang": "étang",
}

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def fold_word(word: str) -> str:
    """Lower case without accents."""
    text = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def accent_table(texts: Iterable[str]) -> dict[str, str]:
    """Folded word -> its most frequent accented spelling in ``texts`` (lower case)."""
    counts: dict[str, Counter[str]] = {}
    for text in texts:
        if not text or text.isascii():
            continue
        for word in _WORD.findall(text):
            if word.isascii():
                continue
            low = word.lower()
            counts.setdefault(fold_word(low), Counter())[low] += 1
    table = dict(_COMMON_ACCENTS)
    table.update({k: c.most_common(1)[0][0] for k, c in counts.items()})
    return table


def display_name(tokens: list[str], accents: dict[str, str]) -> str:
    """A street name for display from folded tokens.

    >>> display_name(["avenue", "du", "marechal", "de", "lattre", "de", "tassigny"], {})
    'Avenue du Maréchal de Lattre de Tassigny'
    >>> display_name(["rue", "de", "l", "eglise"], {})
    "Rue de l'Église"
    """
    out: list[str] = []
    for i, token in enumerate(tokens):
        word = accents.get(token) or _COMMON_ACCENTS.get(token, token)
        piece = word if i and token in _LOWER else word[:1].upper() + word[1:]
        if out and out[-1].endswith("'"):
            out[-1] += piece
        else:
            out.append(piece)
        if token in _ELIDED and i + 1 < len(tokens):
            out[-1] += "'"
    return " ".join(out)


def title_city(name: str) -> str:
    """« CARRY LE ROUET » -> « Carry le Rouet » (names already in mixed case are kept)."""
    if not name or name != name.upper():
        return name
    words = re.split(r"([ \-'])", name.lower())
    return "".join(w if w in _LOWER and i else w[:1].upper() + w[1:]
                   for i, w in enumerate(words))
