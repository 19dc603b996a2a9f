"""The session of one command: where the data is, the report zone and the clock, read once.

The CLI builds a ``Session`` from its options and environment; the use cases take what they need
from it (a store, a moment, the zone) and never read the clock or the environment themselves.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from sitlog.store.pg.target import PgTarget

if TYPE_CHECKING:
    from sitlog.domain.model import When
    from sitlog.store import Store


@dataclass
class Session:
    """Read once per invocation in the app callback: where the data is, the report zone, and now."""

    db_path: Path | PgTarget
    tz: tzinfo
    now: datetime
    _store: Store | None = None
    warnings: list[str] = field(default_factory=list)  # what reading times had to choose; for stderr
    notify: Callable[[str], None] | None = None  # a line for stderr now (a backup before migrating…)

    def store(self) -> Store:
        """The store of a write command: created if missing (0600), migrated after a backup if older.
        Raises ``StorageError`` (exit 6) or ``Busy`` (exit 5), see ``Store``."""
        if self._store is not None and self._store.read_only:
            self.close()
        if self._store is None:
            from sitlog.store import open_store

            self._store = open_store(self.db_path, busy_timeout=busy_timeout(), notify=self.notify or _quiet)
        return self._store

    def existing_store(self, accept_older: bool = False) -> Store:
        """The store of a read command, opened read-only: a missing database is an error (exit 6), never
        created; an older schema is refused with a hint to run ``sitlog migrate`` unless ``accept_older``;
        nothing is written (no WAL switch, no migration), so a database one may only read works."""
        if self._store is None:
            from sitlog.store import open_store

            self._store = open_store(self.db_path, busy_timeout(), read_only=True, accept_older=accept_older)
        return self._store

    def when(self, text: str | None, warn_future: bool = False) -> When:
        """``text`` read as a when-expression (None: now); DST choices (and, with ``warn_future``, a
        date more than a day ahead) are added to ``warnings``."""
        from sitlog.domain.model import When
        from sitlog.domain.when import resolve

        if text is None:
            return When.exact(self.now)
        resolved = resolve(text, self.now, self.tz, warn_future)
        self.warnings.extend(w for w in resolved.warnings if w not in self.warnings)
        return resolved.when

    def moment(self, text: str) -> datetime:
        """A point in time for ``--at``/``--known-at``: a date (week, month) means the end of it."""
        from datetime import timedelta

        from sitlog.domain.timeparse import until_instant

        when = self.when(text)
        return until_instant(when, self.tz) - timedelta(seconds=1) if when.day is not None else when.instant

    def known_at(self, text: str | None) -> datetime | None:
        return self.moment(text) if text else None

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def _quiet(text: str) -> None:
    pass


def busy_timeout() -> float:
    """Seconds to wait for another writer (``SITLOG_BUSY_TIMEOUT``, default 5) before exit 5."""
    from sitlog.errors import UsageError

    text = os.environ.get("SITLOG_BUSY_TIMEOUT", "").strip()
    try:
        seconds = float(text) if text else 5.0
    except ValueError:
        raise UsageError(f"SITLOG_BUSY_TIMEOUT must be a number of seconds, not {text!r}") from None
    if not 0 <= seconds < 86400:
        raise UsageError(f"SITLOG_BUSY_TIMEOUT must be between 0 and 86400 seconds, not {text!r}")
    return seconds


def default_db() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("sitlog", appauthor=False)) / "sitlog.db"


def operator_name(given: str | None) -> str:
    if given and given.strip():
        return given.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
