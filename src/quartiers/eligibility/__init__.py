"""Eligibility: is a point in a QPV? One at a time or millions in a batch, offline.

- :mod:`~quartiers.eligibility.index` — spatial index: containment and exact signed distance;
- :mod:`~quartiers.eligibility.coords` — WGS84 / Lambert-93 input, validation, projection;
- :mod:`~quartiers.eligibility.api` — :func:`lookup` on arrays or DataFrames, :class:`Checker`;
- :mod:`~quartiers.eligibility.readers` / :mod:`~quartiers.eligibility.writers` — streamed
  CSV (any separator, UTF-8 or Latin-1), Parquet and XLSX;
- :mod:`~quartiers.eligibility.batch` — a whole file in chunks, constant memory, errors file.
"""

from quartiers.eligibility.api import RESULT_COLUMNS, Checker, checker, lookup
from quartiers.eligibility.index import PerimeterIndex, QueryResult

__all__ = ["RESULT_COLUMNS", "Checker", "PerimeterIndex", "QueryResult", "checker", "lookup"]
