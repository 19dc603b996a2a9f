"""Defaults that stick: the config file, ``SITLOG_*`` variables and the logging session, with origins.

Precedence, highest first: an option on the command line; for ``source``/``grade``/``at`` the
logging session (``sitlog session start``); a ``SITLOG_*`` environment variable; the config file
(TOML, ``SITLOG_CONFIG`` or the user config dir); the built-in default. Values reach the commands
through click's ``default_map``, which click consults after the command line and the option's own
environment variable — so one mechanism serves every command, ``log --file`` lines included.

No Typer here: the resolution is plain data, the commands live in ``sitlog/cli/config.py``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from sitlog.errors import SitlogError, UsageError
from sitlog.store.pg.target import PgTarget

# key → (environment variable, what it is)
KEYS: dict[str, tuple[str, str]] = {
    "db": ("SITLOG_DB", "database file"),
    "tz": ("SITLOG_TZ", "report time zone (IANA name)"),
    "operator": ("SITLOG_OPERATOR", "who records (default: login name)"),
    "format": ("SITLOG_FORMAT", "output format of read commands"),
    "source": ("SITLOG_SOURCE", "default --source of log"),
    "grade": ("SITLOG_GRADE", "default --grade of log"),
    "at": ("SITLOG_AT", "default --at of log"),
}
SESSION_KEYS = ("source", "grade", "at")  # what `sitlog session start` sets
FORMATS = ("table", "json", "jsonl", "csv", "tsv", "markdown")


@dataclass(frozen=True)
class Setting:
    """One value in force and where it came from: origin is option, session, env, file or default."""

    key: str
    value: str | None
    origin: str
    where: str  # the option, variable, file or "" for a default


def config_path() -> Path:
    """The config file: ``SITLOG_CONFIG``, else ``config.toml`` in the user config dir (it may not exist)."""
    given = os.environ.get("SITLOG_CONFIG", "").strip()
    if given:
        return Path(given).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("sitlog", appauthor=False)) / "config.toml"


def session_path() -> Path:
    """Where logging sessions are kept: ``sessions.json`` in the user state dir, one entry per database."""
    given = os.environ.get("SITLOG_STATE_DIR", "").strip()
    if given:
        return Path(given).expanduser() / "sessions.json"
    from platformdirs import user_state_dir

    return Path(user_state_dir("sitlog", appauthor=False)) / "sessions.json"


def read_config(path: Path) -> dict[str, str]:
    """The config file's values as text (exit 2 naming the file for bad TOML, unknown keys, non-text values, and
    for a path that is not a regular file of at most 1 MiB: a device or a FIFO is never read)."""
    from sitlog.cli.inputs import read_config_bytes

    try:
        raw = read_config_bytes(path)
    except OSError as exc:
        raise UsageError(f"config file {path}: cannot read it ({exc.strerror})") from None
    if raw is None:
        return {}
    import tomllib  # only when there is a file: most invocations have none

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"config file {path}: not valid TOML ({exc})") from None
    values: dict[str, str] = {}
    for key, value in data.items():
        if key not in KEYS:
            raise UsageError(f"config file {path}: unknown key {key!r} (known: {', '.join(KEYS)})")
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"config file {path}: {key} must be a non-empty string, not {value!r}")
        values[key] = value.strip()
    return values


def _session_key(db: Path | PgTarget) -> str:
    return str(db) if isinstance(db, PgTarget) else str(db.expanduser().absolute())


def read_sessions() -> dict[str, dict[str, str]]:
    """Every stored logging session, by absolute database path (a damaged file reads as none)."""
    from sitlog.cli.inputs import read_config_bytes

    try:
        data = json.loads(read_config_bytes(session_path()) or b"{}")
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def read_session(db: Path | PgTarget) -> dict[str, str]:
    """The logging session open on ``db`` (source/grade/at and when it started), or {}."""
    found = read_sessions().get(_session_key(db), {})
    return {k: str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def write_session(db: Path | PgTarget, values: dict[str, str] | None) -> Path:
    """Store (or with None remove) the session on ``db``; returns the file written."""
    path = session_path()
    sessions = read_sessions()
    if values is None:
        sessions.pop(_session_key(db), None)
    else:
        sessions[_session_key(db)] = values
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    # ASCII-escaped: a database path that is not UTF-8 (a surrogate escape) is kept exactly, as \udcXX.
    tmp.write_text(json.dumps(sessions, indent=2) + "\n", "utf-8")
    tmp.replace(path)
    return path


class Settings:
    """The values in force for one invocation, read once: file, environment, session."""

    def __init__(self, db_given: str | None = None) -> None:
        from sitlog.cli.inputs import check_environment

        check_environment([var for var, _ in KEYS.values()] + ["SITLOG_NOW", "SITLOG_BUSY_TIMEOUT"])
        self.path = config_path()
        self.file = read_config(self.path)
        self.env = {key: os.environ[var].strip() for key, (var, _) in KEYS.items() if os.environ.get(var, "").strip()}
        self.session: dict[str, str] = {}

    def lookup(self, key: str, option: str | None = None, option_name: str = "") -> Setting:
        """``key``'s value and origin: option, session (source/grade/at only), env, file, default."""
        if option is not None:
            return Setting(key, option, "option", option_name or f"--{key}")
        if key in SESSION_KEYS and key in self.session:
            return Setting(key, self.session[key], "session", "sitlog session")
        if key in self.env:
            return Setting(key, self.env[key], "env", KEYS[key][0])
        if key in self.file:
            return Setting(key, self.file[key], "file", str(self.path))
        return Setting(key, None, "default", "")

    def blame(self, setting: Setting) -> str:
        """Where a bad value came from, for the first words of an error message."""
        if setting.origin == "env":
            return f"environment variable {setting.where}"
        if setting.origin == "file":
            return f"config file {setting.where} ({setting.key})"
        if setting.origin == "session":
            return f"the logging session ({setting.key}; `sitlog session end` clears it)"
        return setting.where

    def checked(self, setting: Setting, check: Any) -> Any:
        """``check(value)``; a SitlogError from a value not typed as an option becomes exit 2 naming its origin."""
        try:
            return check(setting.value)
        except SitlogError as exc:
            if setting.origin in ("option", "default"):
                raise
            raise UsageError(f"{self.blame(setting)}: {exc.message}") from None


def check_format(value: str | None) -> str | None:
    """A format name, lower-cased (exit 2 otherwise)."""
    if value is None:
        return None
    if value.strip().lower() not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}, not {value!r}")
    return value.strip().lower()


def log_defaults(settings: Settings, now: datetime, tz: tzinfo) -> dict[str, str]:
    """The default --source/--grade/--at of ``log`` (session > env > file), each checked here so a bad
    one is reported as coming from its variable, file or session rather than as a typed option."""
    from sitlog.domain.model import parse_grade
    from sitlog.domain.timeparse import parse_when

    defaults: dict[str, str] = {}
    for key in SESSION_KEYS:
        setting = settings.lookup(key)
        if setting.value is None:
            continue
        if key == "grade":
            settings.checked(setting, lambda v: parse_grade(v))
        elif key == "at":
            settings.checked(setting, lambda v: parse_when(v, now, tz))
        defaults[key] = setting.value
    return defaults


def default_map(command: Any, settings: Settings, log_values: dict[str, str]) -> dict[str, Any]:
    """click's ``default_map`` for the whole command tree under ``command``: ``operator`` and ``fmt``
    wherever a command has them, and ``source``/``grade``/``at`` for the ``log`` commands."""
    operator = settings.lookup("operator")
    fmt = settings.lookup("format")
    fmt_value = settings.checked(fmt, check_format) if fmt.origin == "file" else None

    def walk(cmd: Any, in_log: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, sub in getattr(cmd, "commands", {}).items():
            out[name] = walk(sub, in_log or name == "log")
        params = {p.name for p in getattr(cmd, "params", [])}
        # The options' own envvar (SITLOG_OPERATOR, SITLOG_FORMAT) still wins over these.
        if "operator" in params and operator.origin == "file":
            out["operator"] = operator.value
        if "fmt" in params and fmt_value is not None:
            out["fmt"] = fmt_value
        if in_log:
            out.update({k: v for k, v in log_values.items() if k in params})
        return out

    return walk(command, False)
