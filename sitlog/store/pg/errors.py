"""PostgreSQL's failures as the user's: exit 5 when trying again can help, exit 6 when it cannot.

SQLSTATE classes (https://www.postgresql.org/docs/current/errcodes-appendix.html) decide: a server
that cannot be reached, a connection lost, a lock or statement timeout, a serialization failure or
deadlock, a server shutting down or out of connections are worth retrying (``Busy``, exit 5); a wrong
password, a missing database or role, no privilege, a read-only server, a full disk are not
(``StorageError``, exit 6). Messages name the target with its password masked, and any text psycopg
gives is cleaned of the password too. A constraint or syntax error is a bug: it is not converted.
"""

from __future__ import annotations

import psycopg

from sitlog.errors import Busy, SitlogError, StorageError
from sitlog.store.pg.target import PgTarget

_RETRY_STATES = {
    "55P03": "a lock held by another writer was not released in time (SITLOG_BUSY_TIMEOUT)",
    "57014": "the statement was cancelled (a timeout)",
    "40001": "a concurrent write got in the way",
    "40P01": "a deadlock with another writer",
    "57P01": "the server ended the connection (a shutdown or an administrator)",
    "57P02": "the server crashed",
    "57P03": "the server is starting up or shutting down",
    "53300": "the server has no free connection slots",
    "08000": "the connection failed",
    "08003": "the connection is gone",
    "08006": "the connection was lost",
    "08001": "the server could not be reached",
    "08004": "the server refused the connection",
}
_FINAL_STATES = {
    "28P01": "the password was refused",
    "28000": "the role may not log in",
    "3D000": "the database does not exist",
    "42501": "permission denied",
    "25006": "the server is read-only",
    "53100": "the server's disk is full",
    "3F000": "the schema does not exist",
}


def _clean(text: str, target: PgTarget) -> str:
    """psycopg's message on one line, without the password."""
    from urllib.parse import unquote, urlsplit

    line = " ".join(text.split())
    password = urlsplit(target.url).password
    if password:
        line = line.replace(password, "***").replace(unquote(password), "***")
    return line


# libpq's words for a server that is not there (yet): down, starting, full, unreachable, slow.
_UNREACHABLE = ("connection refused", "could not connect", "timeout expired", "timed out", "could not translate host",
                "no route to host", "network is unreachable", "server closed the connection", "starting up",
                "shutting down", "too many clients", "remaining connection slots", "connection reset",
                "no such file or directory")  # fmt: skip


def connect_error(exc: psycopg.Error, target: PgTarget) -> SitlogError:
    """A failure to connect: unreachable or refused (exit 5), or the server said no (exit 6)."""
    text = _clean(str(exc), target)
    lower = text.lower()
    if "authentication failed" in lower or "no password supplied" in lower:
        return StorageError(f"cannot open {target}: the server refused the user name or password")
    if "does not exist" in lower:
        what = "database" if "database" in lower else "role"
        return StorageError(f"cannot open {target}: the {what} does not exist on the server ({text})")
    if "no pg_hba.conf entry" in lower or "not permitted to log in" in lower:
        return StorageError(f"cannot open {target}: the server does not let this user in ({text})")
    if any(why in lower for why in _UNREACHABLE):
        return Busy(f"cannot reach the PostgreSQL server of {target} ({text}); check that it runs, then try again")
    return StorageError(f"cannot open {target}: {text}")


def failure(exc: psycopg.Error, target: PgTarget) -> SitlogError | psycopg.Error:
    """An error met while a command runs, as the store's error; a bug (constraint, syntax) is returned
    unchanged so that it keeps its traceback."""
    state = getattr(exc, "sqlstate", None) or ""
    text = _clean(str(exc), target)
    if state in _RETRY_STATES or (not state and isinstance(exc, psycopg.OperationalError)):
        why = _RETRY_STATES.get(state, "the connection to the server failed")
        return Busy(f"{target}: {why} ({text}); nothing was changed, try again")
    if state in _FINAL_STATES:
        return StorageError(f"{target}: {_FINAL_STATES[state]} ({text})")
    if state.startswith("08") or state.startswith("57P"):
        return Busy(f"{target}: the connection to the server failed ({text}); nothing was changed, try again")
    return exc
