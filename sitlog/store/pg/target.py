"""What ``--db`` names: a file path, or a PostgreSQL server by URL — never one taken for the other.

``--db postgresql://USER:PASSWORD@HOST:PORT/DBNAME`` (or ``postgres://``, libpq's own spelling) opens a
PostgreSQL database; anything that looks like a URL (``scheme://``) but is not one of those is refused
rather than created as a file named ``postgresq:/host/db``. A password is never shown: ``str`` of a
target masks it, and that is the only text of it any message prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitlog.errors import UsageError

SCHEMES = ("postgresql", "postgres")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/")


@dataclass(frozen=True)
class PgTarget:
    """A PostgreSQL database named by URL. ``url`` is the full text (with any password, for libpq);
    ``str(target)`` is the same URL with the password replaced by ``***``."""

    url: str

    def __str__(self) -> str:
        return masked(self.url)

    @property
    def database(self) -> str:
        """The database name the URL asks for (libpq's default, the user name, when it names none)."""
        parts = urlsplit(self.url)
        return unquote(parts.path.lstrip("/")) or unquote(parts.username or "")


def masked(url: str) -> str:
    """``url`` with its password (in the authority or a ``password=`` query parameter) as ``***``."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # a malformed host ([::1): mask whatever sits between user: and @
        return re.sub(r"(?i)(password=)[^&]*", r"\1***", re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url))
    text = url
    if password is not None:
        user = parts.username or ""
        host = parts.netloc.rpartition("@")[2]
        text = text.replace(parts.netloc, f"{user}:***@{host}", 1)
    return re.sub(r"(?i)(password=)[^&]*", r"\1***", text)


def db_target(text: str) -> Path | PgTarget:
    """``--db``/``SITLOG_DB`` text as a file path or a ``PgTarget``.

    Raises ``UsageError`` (exit 2) for a URL with another scheme (``postgresq://``, ``mysql://``,
    ``postgresql:/host`` with one slash) or a ``postgresql://`` URL that cannot be read."""
    match = _URL.match(text)
    if match is None:
        return Path(text).expanduser()
    scheme = text.partition(":")[0].lower()
    if scheme == "file":
        raise UsageError(f"--db takes a file path or a postgresql:// URL, not a file: URL ({masked(text)})")
    if scheme not in SCHEMES:
        raise UsageError(
            f"--db {masked(text)!r} is not a file path or a postgresql:// URL "
            f"(unknown scheme {scheme!r}; a PostgreSQL server is postgresql://USER@HOST/DBNAME)"
        )
    if not text[len(scheme) :].startswith("://"):
        raise UsageError(f"--db {masked(text)!r}: a PostgreSQL URL starts with {scheme}:// (two slashes)")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - reading it validates it
        parts.password  # noqa: B018
    except ValueError as exc:
        raise UsageError(f"--db {masked(text)!r} is not a valid PostgreSQL URL ({exc})") from None
    return PgTarget(text)
