"""``sitlog config`` and ``sitlog session``: what is in force and why, and "the report I am logging now"."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from sitlog.cli.common import FormatOpt, GradeOpt, JsonOpt, SourceOpt, app, make_app, notice, session, show
from sitlog.cli.settings import KEYS, SESSION_KEYS, Setting, Settings
from sitlog.ops.session import Session

if TYPE_CHECKING:
    from sitlog.render.output import Report

SETTINGS_META = "sitlog.settings"
session_app = make_app("The report you are logging now: its source, grade and date for every log line.")
app.add_typer(session_app, name="session", rich_help_panel="Record")


def apply_settings(ctx: typer.Context, db: str | None, tz: str | None) -> Session:
    """Read the config file, environment and logging session once; build the Session and the
    ``default_map`` every subcommand takes its defaults from. Bad values exit 2 naming their origin."""
    from sitlog.cli.settings import check_format, default_map, log_defaults, read_session
    from sitlog.domain.timeparse import parse_now, report_zone
    from sitlog.ops.session import default_db
    from sitlog.store.pg.target import db_target

    settings = Settings()

    def given(name: str, value: str | None) -> str | None:
        # Typer already merged --db/--tz with SITLOG_DB/SITLOG_TZ: tell the two apart for `config`.
        source = ctx.get_parameter_source(name)
        return value if source is not None and source.name == "COMMANDLINE" else None

    db_setting = settings.lookup("db", given("db", str(db) if db else None))
    tz_setting = settings.lookup("tz", given("tz", tz))
    zone = settings.checked(tz_setting, report_zone)
    now_text = os.environ.get("SITLOG_NOW")
    now = settings.checked(Setting("now", now_text, "env", "SITLOG_NOW"), lambda v: parse_now(v, zone))
    fmt = settings.lookup("format")
    if fmt.origin == "env":
        settings.checked(fmt, check_format)
    db_path = db_target(db_setting.value) if db_setting.value else default_db()
    settings.session = read_session(db_path)
    log_values = log_defaults(settings, now, zone)
    ctx.default_map = {**(ctx.default_map or {}), **default_map(ctx.command, settings, log_values)}
    ctx.meta[SETTINGS_META] = (settings, db_setting, tz_setting)
    return Session(db_path=db_path, tz=zone, now=now, notify=notice)


def _settings(ctx: typer.Context) -> tuple[Settings, Setting, Setting]:
    found = ctx.meta[SETTINGS_META]
    assert isinstance(found, tuple)
    return found


def _settings_report(rows: list[Setting], path: Path, session_file: Path | None) -> Report:
    from sitlog.render.output import Report, Table

    data = {
        "config_file": str(path),
        "config_file_exists": path.exists(),
        "session_file": str(session_file) if session_file else None,
        "settings": [{"key": s.key, "value": s.value, "origin": s.origin, "where": s.where} for s in rows],
    }
    table = Table(
        ("key", "value", "origin", "where"),
        [[s.key, s.value if s.value is not None else "", s.origin, s.where] for s in rows],
        f"config file: {path}{'' if path.exists() else ' (none yet)'}",
    )
    return Report(data, [table])


@app.command("config", rich_help_panel="Admin")
def config_cmd(ctx: typer.Context, fmt: FormatOpt = None, as_json: JsonOpt = False) -> None:
    """Show the config file's path and every setting in force, with its origin (option/session/env/file/default).

    The file is TOML with any of the keys db, tz, operator, format, source, grade, at (as text), e.g.
    `db = "~/ops/aleppo.db"` and `grade = "B2"`; each has an environment variable SITLOG_<KEY>. An option
    beats the session (source/grade/at), which beats the environment, which beats the file."""
    from sitlog.cli.settings import session_path
    from sitlog.ops.session import default_db, operator_name

    settings, db_setting, tz_setting = _settings(ctx)
    sess = session(ctx)
    rows = [
        Setting("db", str(sess.db_path), db_setting.origin, db_setting.where)  # a URL's password masked
        if db_setting.value
        else Setting("db", str(default_db()), "default", "user data dir"),
        tz_setting if tz_setting.value else Setting("tz", str(sess.tz), "default", "system zone"),
    ]
    for key in KEYS:
        if key in ("db", "tz"):
            continue
        setting = settings.lookup(key)
        if key == "operator" and setting.value is None:
            setting = Setting("operator", operator_name(None), "default", "login name")
        if key == "format" and setting.value is None:
            setting = Setting("format", "table", "default", "")
        if key == "at" and setting.value is None:
            setting = Setting("at", "now", "default", "")
        rows.append(setting)
    show(_settings_report(rows, settings.path, session_path() if settings.session else None), fmt, as_json)


@session_app.command("start")
def session_start(
    ctx: typer.Context,
    source: SourceOpt = None,
    grade: GradeOpt = None,
    at: Annotated[
        Optional[str], typer.Option("--at", metavar="WHEN", help="When the report's events happened (a date or time).")
    ] = None,
) -> None:
    """Start logging one report: every `log` line takes these unless it says otherwise.

    Kept per user and per database (in the user state dir) until `sitlog session end`; `--at` is
    stored resolved, so `--at yesterday` keeps meaning that day tomorrow."""
    from sitlog.cli.settings import write_session
    from sitlog.domain.model import parse_grade
    from sitlog.errors import UsageError
    from sitlog.render.output import message

    sess = session(ctx)
    if source is None and grade is None and at is None:
        raise UsageError("session start needs at least one of --source, --grade, --at")
    values: dict[str, str] = {}
    if source is not None:
        values["source"] = source
    if grade is not None:
        values["grade"] = parse_grade(grade) or grade
    if at is not None:
        values["at"] = sess.when(at).to_json(sess.tz)
    values["started"] = sess.now.astimezone(sess.tz).isoformat(timespec="seconds")
    path = write_session(sess.db_path, values)
    shown = ", ".join(f"--{k} {values[k]}" for k in SESSION_KEYS if k in values)
    message(f"session started on {sess.db_path}: {shown} (kept in {path}; `sitlog session end` stops it)")


@session_app.command("show")
def session_show(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Show the logging session open on this database (nothing open: exit 0, says so)."""
    import sys

    from sitlog.cli.settings import read_session
    from sitlog.render.output import dumps, message

    sess = session(ctx)
    values = read_session(sess.db_path)
    if as_json:
        sys.stdout.write(dumps(values or None) + "\n")
        return
    if not values:
        message(f"no session open on {sess.db_path}")
        return
    for key in (*SESSION_KEYS, "started"):
        if key in values:
            sys.stdout.write(f"{key}: {values[key]}\n")


@session_app.command("end")
def session_end(ctx: typer.Context) -> None:
    """End the logging session on this database: `log` falls back to env, config file and defaults."""
    from sitlog.cli.settings import read_session, write_session
    from sitlog.render.output import message

    sess = session(ctx)
    if not read_session(sess.db_path):
        message(f"no session open on {sess.db_path}")
        return
    write_session(sess.db_path, None)
    message(f"session ended on {sess.db_path}")
