"""Downloading the BAN's per-département files (``adresses-DD.csv.gz``), atomically."""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from quartiers.errors import QuartiersError
from quartiers.io.atomic import atomic_path

ENV_URL = "QUARTIERS_BAN_URL"
#: Where the BAN publishes its CSV files, one per département.
DEFAULT_URL = "https://adresse.data.gouv.fr/data/ban/adresses/latest/csv"
_DEPARTEMENT = re.compile(r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$")


def ban_url() -> str:
    """Base URL of the BAN files (``QUARTIERS_BAN_URL`` or the BAN's publication site)."""
    return os.environ.get(ENV_URL, DEFAULT_URL).rstrip("/")


def download_ban(departement: str, folder: str | Path, url: str | None = None,
                 progress: Callable[[int, int], None] | None = None) -> Path:
    """Download ``adresses-DD.csv.gz`` into ``folder`` (written whole or not at all)."""
    dep = departement.strip().upper().zfill(2)
    if not _DEPARTEMENT.match(dep):
        raise QuartiersError(f"département inconnu : « {departement} » (ex. 06, 13, 2A, 974)")
    name = f"adresses-{dep}.csv.gz"
    source = f"{(url or ban_url()).rstrip('/')}/{name}"
    dest = Path(folder) / name
    try:
        with urllib.request.urlopen(source, timeout=120) as response:
            total = int(response.headers.get("Content-Length") or 0)
            with atomic_path(dest) as tmp, tmp.open("wb") as out:
                done = 0
                while True:
                    block = response.read(1 << 20)
                    if not block:
                        break
                    if done == 0 and block[:2] != b"\x1f\x8b":
                        raise QuartiersError(f"{source} n'est pas un fichier gzip (page "
                                             "d'erreur ?) : rien n'a été écrit")
                    out.write(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
                out.flush()
                if done == 0:
                    raise QuartiersError(f"fichier vide reçu de {source}")
    except urllib.error.HTTPError as e:
        raise QuartiersError(f"téléchargement impossible de {source} : erreur {e.code}") from e
    except (urllib.error.URLError, OSError) as e:
        if isinstance(e, QuartiersError):
            raise
        raise QuartiersError(f"téléchargement impossible de {source} : "
                             f"{getattr(e, 'reason', e)}") from e
    return dest
