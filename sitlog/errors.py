"""The error family: every user-facing failure is a SitlogError with an exit code (SPEC.md)."""

from __future__ import annotations

from collections.abc import Sequence

_ctrl_c = False


def note_ctrl_c() -> None:
    """Record that Ctrl-C (SIGINT) reached this process (the entry point's handler calls it)."""
    global _ctrl_c
    _ctrl_c = True


def ctrl_c_seen() -> bool:
    """Whether Ctrl-C reached this process. A Ctrl-C that lands inside a Python function SQLite called (the
    export's encoders) comes back as ``sqlite3.OperationalError``, not as ``KeyboardInterrupt``: this tells
    that failure apart from a real one."""
    return _ctrl_c


class SitlogError(Exception):
    """A failure the user can act on: ``SitlogGroup`` (sitlog/cli/common.py) prints ``Error: message`` and
    exits with ``exit_code``."""

    exit_code = 1

    def __init__(self, message: str, candidates: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.candidates = tuple(candidates)


class UsageError(SitlogError):
    """Options that do not fit together."""

    exit_code = 2


class InvalidInput(SitlogError):
    """A bad date, quantity, grade or name given to a write command; a rejected import row."""

    exit_code = 3


class NotFound(SitlogError):
    """An id or a place asked for in a report does not exist."""

    exit_code = 4


class Busy(SitlogError):
    """The database stayed locked past the busy timeout; the command can be retried."""

    exit_code = 5


class StorageError(SitlogError):
    """Not a sitlog database, a schema newer than this version, a corrupt or unwritable file."""

    exit_code = 6


class Interrupted(SitlogError):
    """Ctrl-C."""

    exit_code = 130
