"""French address vocabulary: street types, abbreviations, articles, number words.

Everything is written folded (lower case, no accents), the form :mod:`.text` produces. The
lists follow the usage of the BAN and of La Poste (norme AFNOR NF Z 10-011), learnt from the
abbreviations that addok-france and addok-fr recognise; they are data, kept in one place.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


#: Road types, full folded form. A street whose name starts with none of them is a
#: ``lieudit`` (a named place: « Les Vernailles », « Hameau de Palette »).
STREET_TYPES: frozenset[str] = frozenset(
    _words("""
    rue avenue boulevard chemin place impasse allee route quai square cours faubourg
    passage promenade esplanade montee traverse sentier sente ruelle venelle voie
    rond carrefour parvis placette chaussee digue corniche descente rampe galerie
    terrasse mail port pont tunnel rocade bretelle autoroute draille calade carriera
    """)
)
#: Types of named places: a name starting with one of them is a ``lieudit``, like a name
#: with no type at all; they still count as type words in queries.
PLACE_TYPES: frozenset[str] = frozenset(
    _words("""
    lotissement residence hameau quartier cite domaine clos villa parc jardin lieu zone
    mas vallon plateau centre ancien vieux
    """)
)

#: Abbreviation -> expansion (one or several words). Applied to every token, in the index
#: and in queries alike, so that both sides meet on the full form.
ABBREVIATIONS: dict[str, str] = {
    # street types
    "r": "rue", "rues": "rue",
    "av": "avenue", "ave": "avenue", "aven": "avenue", "avn": "avenue",
    "bd": "boulevard", "bld": "boulevard", "bvd": "boulevard", "blvd": "boulevard",
    "boul": "boulevard", "bou": "boulevard", "bl": "boulevard",
    "ch": "chemin", "che": "chemin", "chem": "chemin", "chm": "chemin", "chemins": "chemin",
    "pl": "place", "plc": "place",
    "imp": "impasse", "impa": "impasse",
    "all": "allee", "al": "allee", "allees": "allee",
    "rte": "route", "rt": "route",
    "sq": "square", "squ": "square",
    "qu": "quai", "q": "quai",
    "fg": "faubourg", "fbg": "faubourg", "fbourg": "faubourg",
    "crs": "cours",
    "pass": "passage", "pge": "passage",
    "prom": "promenade",
    "esp": "esplanade", "espl": "esplanade",
    "mte": "montee", "mtee": "montee",
    "trav": "traverse",
    "sent": "sentier",
    "rpt": "rond point", "rdpt": "rond point",
    "carr": "carrefour", "crf": "carrefour",
    "pvr": "parvis", "ptte": "placette",
    "lot": "lotissement", "lots": "lotissement",
    "res": "residence", "resid": "residence",
    "ham": "hameau", "hmx": "hameau",
    "qua": "quartier", "qrt": "quartier", "quart": "quartier", "qtr": "quartier",
    "dom": "domaine", "vla": "villa", "jard": "jardin", "chs": "chaussee",
    "gal": "general", "gen": "general", "gl": "general", "gnl": "general",
    "rn": "route nationale", "rd": "route departementale", "cd": "chemin departemental",
    "cr": "chemin rural", "vc": "voie communale", "ach": "ancien chemin",
    "anc": "ancien", "vx": "vieux", "vte": "vieille route",
    "zi": "zone industrielle", "za": "zone activite", "zac": "zone amenagement concerte",
    "ctre": "centre", "cc": "centre commercial",
    # titles and common words of names
    "st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes",
    "mal": "marechal", "mar": "marechal", "mrl": "marechal", "ml": "marechal",
    "lt": "lieutenant", "ltn": "lieutenant", "lnt": "lieutenant",
    "cdt": "commandant", "cmdt": "commandant", "cmd": "commandant", "cne": "capitaine",
    "cpt": "capitaine", "cel": "colonel",
    "adj": "adjudant", "sgt": "sergent",
    "pdt": "president", "pres": "president", "prs": "president",
    "dr": "docteur", "doc": "docteur", "doct": "docteur",
    "pr": "professeur", "prof": "professeur",
    "mgr": "monseigneur", "mme": "madame", "mlle": "mademoiselle",
    "nd": "notre dame", "ndame": "notre dame",
    "gd": "grand", "gde": "grande", "grd": "grand", "grde": "grande",
    "gds": "grands", "gdes": "grandes",
    "pte": "petite", "pti": "petit",
    "frs": "freres",
    "ht": "haut", "hte": "haute", "hts": "hauts", "htes": "hautes",
    "mt": "mont", "vve": "veuve",
    "jo": "jean", "jn": "jean", "j": "jean",
    "egl": "eglise",
    "s": "sur", "ss": "sous",
}

#: Articles and linking words: they carry almost nothing in a name and are often dropped.
ARTICLES: frozenset[str] = frozenset(
    _words("le la les l de du des d au aux a en et sur sous lez dit dite er e eme ieme ere re")
)

#: Number words and ordinals, as typed, to the digits the BAN tends to use (« Rue du
#: 8 Mai 1945 », « Rue du Onze Novembre » both exist: both sides are mapped to digits).
NUMBER_WORDS: dict[str, str] = {
    "deux": "2", "trois": "3", "quatre": "4", "cinq": "5", "six": "6", "sept": "7",
    "huit": "8", "neuf": "9", "dix": "10", "onze": "11", "douze": "12", "treize": "13",
    "quatorze": "14", "quinze": "15", "seize": "16", "vingt": "20", "trente": "30",
    "quarante": "40", "cinquante": "50", "soixante": "60", "cent": "100",
    "premier": "1", "premiere": "1", "1er": "1", "1ere": "1", "1re": "1",
    "second": "2", "seconde": "2",
}
_ORDINAL_WORDS = {
    "deuxieme": "2", "troisieme": "3", "quatrieme": "4", "cinquieme": "5", "sixieme": "6",
    "septieme": "7", "huitieme": "8", "neuvieme": "9", "dixieme": "10",
}
NUMBER_WORDS.update(_ORDINAL_WORDS)

#: Repetition indices of house numbers, folded to the BAN's spelling.
REPETITIONS: dict[str, str] = {
    "bis": "bis", "b": "bis", "ter": "ter", "t": "ter", "quater": "quater", "qua": "quater",
    "quinquies": "quinquies", "c": "c", "a": "a", "d": "d", "e": "e", "f": "f", "g": "g",
    "h": "h",
}

#: Complements of address that are a keyword and a short identifier (« bâtiment C »,
#: « esc. 2 », « appt 12 »): the pair is removed from a query.
COMPLEMENT_PAIRS: tuple[str, ...] = (
    "batiment", "bat", "bt", "bloc", "escalier", "esc", "appartement", "appart", "appt",
    "apt", "app", "etage", "etg", "porte", "pte", "entree", "logement", "log", "case", "bal",
    "boite", "lot", "villa", "cellule", "box",
)
#: Complements that start a name running to the end of the street part (« résidence les
#: Pins », « immeuble l'Agora », « centre commercial Barriol »): cut once a street type and
#: a name word have been seen, never at the start (a residence can be the street itself).
COMPLEMENT_TAILS: tuple[str, ...] = (
    "residence", "res", "immeuble", "imm", "centre commercial", "cc", "zone industrielle",
    "zone artisanale", "zone d activites", "zone commerciale", "zi", "za", "zac", "chez",
    "cedex", "quartier", "lieu dit", "ld", "hameau",
)
#: Complements that fill a whole comma-separated segment of a query: the segment is cut.
COMPLEMENT_SEGMENTS: tuple[str, ...] = (
    "residence", "res", "immeuble", "imm", "batiment", "bat", "bt", "bloc", "escalier", "esc",
    "appartement", "appart", "appt", "etage", "entree", "chez", "centre commercial",
    "zone industrielle", "zone artisanale", "zone commerciale", "tour", "pavillon",
)
#: Postal complements with a number (« BP 12 », « CS 1234 », « CEDEX 9 »): removed.
POSTAL_WORDS: tuple[str, ...] = ("bp", "b p", "cs", "tsa", "cidex", "cedex", "boite postale")

#: Cities with municipal arrondissements: folded name -> (arrondissement INSEE code of n,
#: postcode of n). Paris 16e has two postcodes (75016, 75116).
ARRONDISSEMENT_CITIES: dict[str, tuple[str, int, int]] = {
    # name: (whole-commune code, first arrondissement code, number of arrondissements)
    "marseille": ("13055", 13201, 16),
    "lyon": ("69123", 69381, 9),
    "paris": ("75056", 75101, 20),
}


def arrondissement_code(city: str, n: int) -> str | None:
    """INSEE code of arrondissement ``n`` of Marseille, Lyon or Paris, or None.

    >>> arrondissement_code("marseille", 7), arrondissement_code("lyon", 10)
    ('13207', None)
    """
    spec = ARRONDISSEMENT_CITIES.get(city)
    if spec is None or not 1 <= n <= spec[2]:
        return None
    return str(spec[1] + n - 1)


def arrondissement_from_postcode(commune_code: str, postcode: str) -> str | None:
    """Arrondissement code of an address of Marseille, Lyon or Paris from its postcode.

    >>> arrondissement_from_postcode("13055", "13007"), arrondissement_from_postcode(
    ...     "69123", "69009")
    ('13207', '69389')
    >>> arrondissement_from_postcode("75056", "75116"), arrondissement_from_postcode(
    ...     "06088", "06000")
    ('75116', None)
    """
    for name, (whole, _first, _count) in ARRONDISSEMENT_CITIES.items():
        if commune_code != whole or len(postcode) != 5 or not postcode.isdigit():
            continue
        if postcode[:2] != whole[:2]:
            return None
        n = int(postcode[3:])
        return arrondissement_code(name, n)
    return None
