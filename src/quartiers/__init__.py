"""quartiers — géographie prioritaire de la politique de la ville.

The package is organised by domain:

- :mod:`quartiers.delimitation` — the delimitation engine (200 m grid -> QPV);
- :mod:`quartiers.comparison` — agreement with official perimeters;
- :mod:`quartiers.parameters` — legal parameters as dated, referenced data;
- :mod:`quartiers.io` — readers and atomic writers for the published formats;
- :mod:`quartiers.cli` — the ``quartiers`` command line (French).
"""

__version__ = "0.1.0"


def __getattr__(name: str):  # lazy: ``import quartiers`` stays light
    if name == "lookup":
        from quartiers.eligibility import lookup

        return lookup
    raise AttributeError(f"module 'quartiers' has no attribute {name!r}")
