"""Opening a database file: what ``--db`` names is examined before SQLite touches it.

SQLite opens whatever it is given: a FIFO blocks it forever, a missing file is created with the umask's
mode, a read-only file in WAL mode cannot be read without a writable folder for the -shm file, and a
damaged page surfaces as an exception in the middle of some query. Here the target is examined with
``os.stat`` and its first 100 bytes (never opening anything but a regular file), then opened read-write
(URI ``mode=rw``: SQLite never creates a file — a new one is made here, 0600) or read-only (``mode=ro``;
``immutable=1`` when its folder cannot hold the -shm file). SQLite's own failures become one-line
``SitlogError``s (``storage_error``/``failure``) whichever query meets them.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from sitlog.errors import Busy, SitlogError, StorageError

_MAGIC = b"SQLite format 3\x00"

# Write commands run ``PRAGMA quick_check`` first on databases up to this size (about 15,000 events):
# +10-15 ms on a `log` into a new database, ~20-50 ms at 10k events; at 100k events (60 MB) it would be
# ~100 ms and at 1M (570 MB) 1.8 s per command, so bigger files rely on SQLite's own checks of every page a
# command reads (``cell_size_check``), which end the command with exit 6, and on ``sitlog check``.
QUICK_CHECK_MAX_BYTES = 16 * 1024 * 1024

# SQLite's primary result codes that are a storage problem, not a bug (https://sqlite.org/rescode.html).
_PERM, _BUSY, _LOCKED, _NOMEM, _READONLY, _IOERR = 3, 5, 6, 7, 8, 10
_CORRUPT, _FULL, _CANTOPEN, _NOTADB = 11, 13, 14, 26
_STORAGE_CODES = {_PERM, _BUSY, _LOCKED, _NOMEM, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB}

Found = Literal["created", "empty", "existing"]


def recover_hint(path: Path) -> str:
    """How to get the data out of a damaged database (one line, for an error message)."""
    return (
        "copy it first (`sitlog backup COPY.db`), then recover what is readable with "
        f"`sqlite3 {path} .recover | sqlite3 NEW.db`, or go back to a backup"
    )


def examine(path: Path, create: bool) -> Found:
    """Check that ``path`` can be a sitlog database before SQLite opens it.

    Returns ``created`` (made now, 0600, with its folders — only with ``create``), ``empty`` (an existing
    0-byte file: a write initialises it) or ``existing`` (an SQLite file, header sane). Raises
    ``StorageError`` (exit 6) for anything else: missing (without ``create``), a directory, FIFO, device,
    socket, symbolic-link loop or dangling link, an unreadable or (with ``create``) unwritable file or
    folder, a file that is not SQLite, a damaged header, a file shorter than its header says."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise StorageError(f"{path} is a symbolic link to {os.readlink(path)}, which does not exist") from None
        if not create:
            raise StorageError(
                f"no sitlog database at {path} (check --db or SITLOG_DB; `sitlog log …` or `sitlog import` creates one)"
            ) from None
        return _create(path)
    except OSError as exc:
        raise _os_error(exc, path, create) from None
    kind = _not_a_file(info.st_mode)
    if kind:
        raise StorageError(f"{path} is {kind}, not a database file")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise _os_error(exc, path, create) from None
    try:
        info = os.fstat(fd)  # the file opened, not the name stat'ed a moment ago
        kind = _not_a_file(info.st_mode)
        if kind:
            raise StorageError(f"{path} is {kind}, not a database file")
        head = os.read(fd, 100)
    finally:
        os.close(fd)
    if create:
        _check_writable(path)
    if info.st_size == 0:
        if not create:
            raise StorageError(
                f"{path} is an empty file (0 bytes), not a sitlog database yet; "
                "`sitlog log …` or `sitlog import` initialises it"
            )
        return "empty"
    _check_header(path, head, info.st_size)
    return "existing"


def _create(path: Path) -> Found:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise StorageError(f"cannot create {path}: a parent of it is a file, not a directory") from None
    except OSError as exc:
        raise StorageError(f"cannot create {path}: {exc.strerror or exc}") from None
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        os.close(os.open(path, flags, stat.S_IRUSR | stat.S_IWUSR))
    except FileExistsError:
        examine(path, create=True)  # another sitlog made it a moment ago: check it, then treat it as new
        return "created"
    except OSError as exc:
        raise StorageError(f"cannot create {path}: {exc.strerror}") from None
    return "created"


def _not_a_file(mode: int) -> str:
    if stat.S_ISREG(mode):
        return ""
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):  # fmt: skip
        if test(mode):
            return kind
    return "not a regular file"


def _os_error(exc: OSError, path: Path, create: bool) -> StorageError:
    if exc.errno == errno.ELOOP:
        return StorageError(f"{path} is a symbolic link loop (or a chain of links too long to follow)")
    if exc.errno == errno.ENOTDIR:
        verb = "create" if create else "open"
        return StorageError(f"cannot {verb} {path}: a parent of it is a file, not a directory")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return StorageError(f"cannot read {path}: permission denied")
    return StorageError(f"cannot open {path}: {exc.strerror or exc}")


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _check_writable(path: Path) -> None:
    """A write needs the file and its folder (SQLite keeps the -wal and -shm files beside it)."""
    if _read_only_fs(path):
        raise StorageError(f"cannot write {path}: it is on a read-only file system (read commands still work)")
    if not os.access(path, os.W_OK):
        raise StorageError(f"cannot write {path}: the file is read-only, permission denied (read commands still work)")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise StorageError(
            f"cannot write {path}: its folder is not writable and SQLite keeps {path.name}-wal there "
            "(read commands still work)"
        )


def _check_header(path: Path, head: bytes, size: int) -> None:
    if not head.startswith(_MAGIC):
        raise StorageError(f"{path} is not a sitlog database (not an SQLite file)")
    page_size = int.from_bytes(head[16:18], "big") if len(head) >= 18 else 0
    page_size = 65536 if page_size == 1 else page_size
    if len(head) < 100 or page_size < 512 or page_size & (page_size - 1):
        raise StorageError(f"{path} is not a usable sitlog database: its header is damaged; {recover_hint(path)}")
    pages = int.from_bytes(head[28:32], "big")
    header_size_valid = head[24:28] == head[92:96]  # the page count is trusted only then (file format 1.3.2.7)
    if header_size_valid and pages * page_size > size and not wal_has_content(path):
        raise StorageError(
            f"{path} is damaged: {size} bytes long where its header says {pages * page_size} (truncated?); "
            f"{recover_hint(path)}"
        )


def wal_has_content(path: Path) -> bool:
    """Whether ``path``-wal holds frames not yet copied into the database file (it is then part of it)."""
    try:
        return os.stat(f"{path}-wal").st_size > 0
    except OSError:
        return False


def file_uri(path: Path, **params: str) -> str:
    """An SQLite URI for ``path`` with query ``params`` (``mode=ro``…); the path percent-encoded."""
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"file:{quote(os.fsencode(path.absolute()))}?{query}"


def connect_write(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Open an examined file read-write (never creating one); foreign keys on, FULL sync, page checks on."""
    try:
        conn = sqlite3.connect(
            file_uri(path, mode="rw"), uri=True, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise storage_error(exc, path) from None
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA cell_size_check=ON")  # catch damaged b-tree pages as they are read
    except sqlite3.Error as exc:
        conn.close()
        raise storage_error(exc, path) from None
    return conn


def connect_read(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Open an examined file for reading only (``query_only``: never a write, a WAL switch or a migration).

    A file one may write is opened as any SQLite user would (``mode=rw``): in WAL mode the connection makes
    the -wal and -shm files it needs and the last one to close removes them. A file one may only read is
    opened ``mode=ro`` when a -shm file is there already (a writer has it open), else ``immutable`` — never
    leaving a -wal or -shm owned by a reader that would then stop the file's writers — and a -wal holding
    changes that such a read would ignore is refused (exit 6)."""
    uri: str | None = None
    if _can_write(path):
        uri = file_uri(path, mode="rw")
    elif os.path.exists(f"{path}-shm"):
        uri = file_uri(path, mode="ro")
    conn: sqlite3.Connection | None = None
    if uri is not None:
        try:
            conn = _probe(uri, busy_timeout)
        except sqlite3.Error as exc:
            if exc.sqlite_errorcode & 0xFF not in (_READONLY, _CANTOPEN):
                raise storage_error(exc, path) from None
    if conn is None:
        if wal_has_content(path):
            raise StorageError(
                f"{path}-wal holds changes not yet merged into {path}, and it is read-only here: "
                "copy both files to a writable folder to read them"
            )
        try:
            conn = _probe(file_uri(path, mode="ro", immutable="1"), busy_timeout)
        except sqlite3.Error as exc:
            raise storage_error(exc, path) from None
    conn.execute("PRAGMA query_only=ON")
    conn.execute("PRAGMA cell_size_check=ON")
    return conn


def connect_immutable(path: Path) -> sqlite3.Connection:
    """A reading connection for the web view (``sitlog serve``): ``immutable=1``, ``query_only``.

    SQLite then takes no locks and opens no -wal or -shm file, so serving cannot write anything beside
    the database, even in a folder one may write; the price is that it reads the file as it is, without
    what a -wal file holds, and must not be changed meanwhile (``sitlog serve`` refuses a file with
    pending -wal content). Raises ``StorageError`` as ``storage_error`` does."""
    try:
        conn = sqlite3.connect(
            file_uri(path, mode="ro", immutable="1"), uri=True, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA query_only=ON")
    except sqlite3.Error as exc:
        raise storage_error(exc, path) from None
    return conn


def _can_write(path: Path) -> bool:
    return not _read_only_fs(path) and os.access(path, os.R_OK | os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def _probe(uri: str, busy_timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Before a write: ``PRAGMA quick_check`` on a database up to ``QUICK_CHECK_MAX_BYTES``; a damaged one
    is refused (``StorageError``) with the way to recover."""
    pages, page_size = (int(conn.execute(f"PRAGMA {p}").fetchone()[0]) for p in ("page_count", "page_size"))
    if pages * page_size > QUICK_CHECK_MAX_BYTES:
        return
    try:
        found = [r[0] for r in conn.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as exc:
        raise storage_error(exc, path) from None
    if found != ["ok"]:
        raise StorageError(f"{path} is damaged ({found[0]}); write commands refuse it. {recover_hint(path)}")


def storage_error(exc: sqlite3.Error, path: Path) -> SitlogError:
    """SQLite's error as the user's: busy (exit 5), read-only, damaged, full, unreadable (exit 6)."""
    text = str(exc)
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (_BUSY, _LOCKED) or "locked" in text or "busy" in text:
        return Busy(f"database {path} is busy (locked by another sitlog) past the timeout; try again")
    if code == _READONLY or "readonly" in text or "read-only" in text:
        return StorageError(f"cannot write {path}: read-only ({text})")
    if code in (_CORRUPT, _NOTADB) or "malformed" in text or "not a database" in text:
        return StorageError(
            f"{path} is damaged ({text}), not a usable sitlog database as it is; nothing was changed. "
            f"{recover_hint(path)}"
        )
    if code == _FULL:
        return StorageError(f"cannot write {path}: the disk is full ({text}); nothing was changed")
    return StorageError(f"{path}: {text}")


def failure(exc: BaseException, path: Path) -> SitlogError | None:
    """A storage problem met anywhere in a command (damage, a full disk, a lock) as a ``SitlogError``;
    None for anything else — a constraint or programming error is a bug and keeps its traceback."""
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(exc, sqlite3.IntegrityError):
        return None
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code not in _STORAGE_CODES:
        return None
    return storage_error(exc, path)
