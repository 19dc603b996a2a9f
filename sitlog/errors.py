"""The error family: every user-facing failure is a SitlogError with an exit code (SPEC.md)."""

from __future__ import annotations

from collections.abc import Sequence


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
