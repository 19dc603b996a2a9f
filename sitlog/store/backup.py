"""Backups: a consistent copy of an open database through SQLite's backup API, private and never
overwriting — for ``sitlog backup`` and before every migration."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path


def backup_to(conn: sqlite3.Connection, dest: Path) -> None:
    """Copy ``conn``'s database to ``dest`` (safe while others write: SQLite's backup API).

    The copy is written to a temporary file made with O_EXCL (mode 0600) in ``dest``'s folder, synced,
    then linked to ``dest``, which it never replaces: ``FileExistsError`` if anything — a file, a link,
    even a dangling one — is there already. A copy interrupted half way is only ever that temporary file
    (``.NAME.*.partial``), removed unless the process is killed. Raises ``sqlite3.Error`` and ``OSError``.
    """
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    os.close(fd)
    partial = Path(name)
    try:
        target = sqlite3.connect(partial, isolation_level=None)
        try:
            conn.backup(target)
        finally:
            target.close()
        _sync(partial)
        try:
            os.link(partial, dest)  # fails if dest exists: never overwrites, not even through a race
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links
            if os.path.lexists(dest):
                raise FileExistsError(dest) from None
            os.rename(partial, dest)
        _sync(dest.parent)
    finally:
        for leftover in (partial, Path(f"{partial}-journal")):
            try:
                leftover.unlink()
            except FileNotFoundError:
                pass


def backup_beside(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """Back ``path`` (at schema ``version``) up beside itself before a migration: ``NAME.vN.bak``, or
    ``NAME.vN.2.bak``… when that name is taken (an older backup is never overwritten). Returns the path."""
    for n in range(1, 1000):
        dest = path.with_name(f"{path.name}.v{version}.bak" if n == 1 else f"{path.name}.v{version}.{n}.bak")
        if os.path.lexists(dest):
            continue
        try:
            backup_to(conn, dest)
        except FileExistsError:
            continue
        return dest
    raise FileExistsError(path.with_name(f"{path.name}.v{version}.bak"))


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
