"""Where an export's text lands: a private temporary file beside the target, renamed over it when whole."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def replacing(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text handle whose content replaces ``path`` whole once the block ends without an error.

    The text goes to a temporary file that ``tempfile.mkstemp`` makes in ``path``'s folder (O_EXCL, a random
    name, mode 0600: a link planted there is never followed), is synced, then renamed over ``path``:
    readers see the old file or the new one, never half; an error or Ctrl-C leaves the old file as it was
    and no temporary behind. A new file is 0600 whatever the umask; an existing regular file keeps its
    mode (never wider), and a link at ``path`` is replaced, not followed. A target that exists but is not
    a regular file (``/dev/stdout``, a FIFO) is written straight through. Raises ``OSError``."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        found = None
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise IsADirectoryError(21, "Is a directory", str(path))
    if found is not None and not stat.S_ISREG(found.st_mode) and not stat.S_ISLNK(found.st_mode):
        with open(path, "w", encoding="utf-8", newline="") as direct:
            yield direct
        return
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    partial = Path(name)
    try:
        with open(fd, "w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            if found is not None and stat.S_ISREG(found.st_mode):
                os.fchmod(out.fileno(), stat.S_IMODE(found.st_mode))
            os.fsync(out.fileno())
        os.replace(partial, path)
    finally:
        try:
            partial.unlink()
        except FileNotFoundError:
            pass
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
