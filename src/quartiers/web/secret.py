"""The secret key that signs sessions, messages and CSRF tokens: never a published one.

``QUARTIERS_SECRET_KEY`` wins when set. Otherwise a key is generated on first start and kept in
``<QUARTIERS_VAR>/cle-secrete`` (mode 0600): every worker, the batch worker service and the
management commands read the same file, so sessions signed by one are valid in the others.
The file is created atomically (written aside, then hard-linked into place: the first process
wins, the others read its key), and a key file readable by other users is refused.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

NOM_FICHIER = "cle-secrete"
LONGUEUR_MIN = 50  # Django's own deploy check (security.W009)


def cle_secrete(var_dir: Path, env: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """The key from the environment, else the one kept in ``var_dir`` (created if absent)."""
    cle = env.get("QUARTIERS_SECRET_KEY", "").strip()
    if cle:
        if len(cle) < LONGUEUR_MIN or len(set(cle)) < 5:
            raise ImproperlyConfigured(
                f"QUARTIERS_SECRET_KEY est trop courte : au moins {LONGUEUR_MIN} caractères "
                "variés (ou laissez-la vide : une clé est alors créée dans le dossier var)")
        return cle
    path = var_dir / NOM_FICHIER
    if not path.exists():
        _creer(path)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ImproperlyConfigured(
            f"{path} est lisible par d'autres utilisateurs (mode {stat.filemode(mode)}) : "
            f"chmod 600 {path}")
    cle = path.read_text(encoding="ascii").strip()
    if len(cle) < LONGUEUR_MIN:
        raise ImproperlyConfigured(f"{path} : clé secrète vide ou tronquée ; supprimez le "
                                   "fichier pour qu'une nouvelle clé soit créée")
    return cle


def _creer(path: Path) -> None:
    tmp = path.with_name(f".{NOM_FICHIER}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(64) + "\n")
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: keep its key
            os.link(tmp, path)  # atomic
    finally:
        tmp.unlink(missing_ok=True)
