"""Hostile text (issue 15): text pasted from chat apps and other tools — control characters, C1 controls, DEL,
bidi marks, Arabic, emoji, rich markup, ANSI/OSC escape sequences, NUL, lone surrogates, separators, 1 MB
strings — through every command that takes text and every output format.

The contract (SPEC "Output", docs/cli.md "User text"): no traceback; nothing from user data controls the
terminal — tables show control, bidi and invisible characters escaped (``\\x1b``, ``\\u202e``), rich markup
literally; JSON spells every such character ``\\uXXXX``; CSV and jsonl export → import gives back every
character.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import select
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sitlog.domain.text import json_safe
from tests.conftest import Ledger, Run
from tests.hostile import one_line_error, printable_runs, raw_unsafe, run_sitlog

pytestmark = pytest.mark.reliability

ESCAPES = [
    "\x1b[31m",
    "\x1b[0m",
    "\x1b[2J",
    "\x1b]8;;https://evil.example\x07",
    "\x1b]8;;\x07",
    "\x1b]0;pwned\x07",
    "\x1bP+q\x1b\\",
    "\x9b2J",
    "\x9d0;t\x9c",
    "\x07",
    "\x08",
    "\x7f",
    "\x00",
    "\r",
    "\n",
    "\r\n",
    "\t",
    "\x0c",
]
BIDI = [
    "\u202e",
    "\u202d",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\u200b",
    "\u00ad",
    "\U000e0041",
]
MARKUP = ["[bold]", "[/]", "[/bold]", "[link=https://evil.example]", "[red on white]", ":smile:", "\\[x]", "[", "]"]
WORDS = ["حلب", "جبهة تحرير الشام", "🏳️‍🌈", "👨‍👩‍👧", "🇸🇾", "Ünïcödé", "漢字", ";", "; ", ",", "|", '"', "'", "\\", "--",
         "-n", "x", " "]  # fmt: skip
PIECES = ESCAPES + BIDI + MARKUP + WORDS
HOSTILE_TEXT = st.one_of(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map("".join),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30),
)
# A typed name must have something to say besides invisible characters.
NAME = st.tuples(st.sampled_from(["Zabun", "Liwa al-Quds", "Sheikh Aqil", "جمعية المعري"]), HOSTILE_TEXT).map(
    lambda t: f"{t[0]} {t[1]}"
)
FORMATS = ("table", "markdown", "json", "jsonl", "csv", "tsv")


def ok(run: Run) -> Run:
    assert run.exit_code == 0, run.stderr
    return run


def output_problems(fmt: str, out: str, texts: list[str]) -> list[str]:
    """What is wrong with ``out`` (one read command in ``fmt``) that shows ``texts``."""
    problems = []
    if fmt in ("table", "markdown", "json", "jsonl"):
        raw = raw_unsafe(out)  # a table's and JSON's own layout uses line ends only
        if raw:
            problems.append(f"{fmt}: raw {[hex(ord(c)) for c in raw]}")
    if fmt in ("json", "jsonl"):
        try:
            values = [json.loads(out)] if fmt == "json" else [json.loads(line) for line in out.splitlines()]
        except ValueError as exc:
            return [f"{fmt}: not JSON ({exc})"]
        found = json.dumps(values, ensure_ascii=False)
        problems += [
            f"{fmt}: {t!r} not in the JSON" for t in texts if json.dumps(t, ensure_ascii=False)[1:-1] not in found
        ]
    if fmt in ("csv", "tsv"):
        csv.field_size_limit(1 << 30)  # a 1 MB note is one cell
        cells = {
            c for row in csv.reader(io.StringIO(out, newline=""), delimiter="," if fmt == "csv" else "\t") for c in row
        }
        # In-process runs capture stdout with CRLF read as LF (a real pipe keeps it: test_hostile_files checks that).
        cells = {c.replace("\r\n", "\n") for c in cells}
        missing = [t for t in texts if not any(t.replace("\r\n", "\n") in c for c in cells)]
        problems += [f"{fmt}: {t!r} not a cell" for t in missing]
    if fmt == "table":
        for text in texts:
            problems += [
                f"table: {run!r} (of {text!r}) not shown as typed" for run in printable_runs(text) if run not in out
            ]
    return problems


def db_env(tmp_path_factory: pytest.TempPathFactory, template_db: Path, name: str) -> dict[str, str]:
    path = tmp_path_factory.mktemp(name) / "sitlog.db"
    shutil.copyfile(template_db, path)
    return {"SITLOG_DB": str(path)}


def round_trips(
    sitlog: Callable[..., Run],
    tmp_path_factory: pytest.TempPathFactory,
    template_db: Path,
    home: dict[str, str],
    ids: list[str],
) -> int:
    """Export the ``home`` database as csv and jsonl, import each into a fresh one: how many of ``ids`` differ."""
    lost = 0
    for fmt in ("jsonl", "csv"):
        out = tmp_path_factory.mktemp("out") / f"export.{fmt}"
        ok(sitlog("export", "-f", fmt, "--all", "-o", str(out), **home))  # --all: csv leaves retractions out
        target = db_env(tmp_path_factory, template_db, fmt)
        ok(sitlog("import", str(out), **target))
        for event_id in ids:
            here = sitlog("show", event_id, "--json", **home).json()
            shown = sitlog("show", event_id, "--json", **target)
            if shown.exit_code != 0:
                lost += 1
                continue
            there = shown.json()
            local = ("place_id", "revision", "handle", "sources") if fmt == "csv" else ("place_id", "handle")
            lost += {k: v for k, v in here.items() if k not in local} != {
                k: v for k, v in there.items() if k not in local
            }
    return lost


# --- the unit: which characters JSON escapes -------------------------------------------------------------------


def test_json_escapes_every_control_bidi_and_format_character_of_this_unicode() -> None:
    """``json_safe`` against the running Python's Unicode database: every Cc, Cf, Zl, Zp and Cs character."""
    missing = []
    for code in range(0x110000):
        c = chr(code)
        if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            text = json_safe(json.dumps(f"a{c}b", ensure_ascii=False))
            if c in text or json.loads(text) != f"a{c}b":
                missing.append(f"U+{code:04X}")
    assert not missing, missing[:20]
    assert json_safe(json.dumps("حلب 🏳️‍🌈 é", ensure_ascii=False)) == '"حلب 🏳️\\u200d🌈 é"'  # readable, same value


# --- every command that takes text, every output format ------------------------------------------------------


@pytest.mark.slow
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(note=HOSTILE_TEXT, source=HOSTILE_TEXT, tag=HOSTILE_TEXT, person=HOSTILE_TEXT, place=NAME, actor=NAME)
@example(
    note="\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x07link\x1b]8;;\x07 \u202eevil [bold]x[/] \x9b2J \x00 ;,|",
    source="Telegram \u2066channel\u2069",
    tag="a; b",
    person="Abu \x1b[2J Omar\r\n",
    place="Zabun \u202e(north)",
    actor="Liwa al-Quds [/]\x07",
)
def test_hostile_text_through_every_command_and_format(
    sitlog: Callable[..., Run],
    tmp_path_factory: pytest.TempPathFactory,
    template_db: Path,
    reliability: Callable[[str], Ledger],
    note: str,
    source: str,
    tag: str,
    person: str,
    place: str,
    actor: str,
) -> None:
    ledger = reliability("hostile text through every text-taking command and every output format (Hypothesis)")
    home = db_env(tmp_path_factory, template_db, "home")
    problems: list[str] = []

    def run(*args: str) -> Run:
        result = sitlog(*args, **home)
        problem = one_line_error(result.exit_code, result.stdout, result.stderr)
        if problem is None and raw_unsafe(result.stderr):
            problem = f"stderr holds raw {[hex(ord(c)) for c in raw_unsafe(result.stderr)]}"
        if problem:
            problems.append(f"{args[:3]}: {problem}")
        return result

    # Names: a place and an actor called with hostile text (a name of only invisible characters is refused).
    made_place = run("places", "add", place, "--admin1", "Idlib").exit_code == 0
    made_actor = run("actors", "add", actor, "--type", "militia").exit_code == 0
    where = place if made_place else "Ariha"
    who = actor if made_actor else "SAA"
    logged = run("log", "casualties", where, "--killed", "3", "--side", who, "--person", person, "--role", tag,
                 "--note", note, "--source", source, "--tag", tag, "--at", "2024-11-27", "--id", "hx")  # fmt: skip
    run("log", "clash", where, "--actor", who, "--actor", "HTS", "--outcome", note, "--at", "2024-11-27", "--id", "hc")
    run("log", "control", where, "--by", who, "--part", person, "--claimed-by", source, "--at", "2024-11-28")
    if logged.exit_code == 0:
        amended = run("amend", "hx", "--note", f"{note} (amended)", "--reason", source).exit_code == 0
        run("places", "alias", where, f"{where} {tag}")
        run("actors", "alias", who, f"{who} {tag}")
        run("places", "set", where, "--admin2", tag, "--admin3", note)
        run("actors", "set", who, "--side", source)
        run("corroborate", "hx", "--source", f"{source} (2)", "--grade", "B2")
        run("retract", "hc", "--reason", note)
        stored = run("show", "hx", "--json")
        expected = f"{note} (amended)" if amended else note
        if stored.exit_code == 0 and stored.json()["note"] != expected:
            problems.append(f"the note came back as {stored.json()['note']!r}")
        reads = [(("events", "--all"), FORMATS), (("show", "hx", "--revisions"), ("table", "json")),
                 (("history", where), ("table", "json", "markdown")), (("status",), ("table", "json")),
                 (("places", "list", where.split()[0]), ("table", "json")),
                 (("actors", "list", who.split()[0]), ("table", "csv")),
                 (("summary", "--day", "2024-11-27"), ("table", "json"))]  # fmt: skip
        for args, formats in reads:
            for fmt in formats:
                result = run(*args, "-f", fmt)
                shown = [expected] if args[0] in ("events", "show") else []
                if result.exit_code == 0:
                    problems += [f"{args[:2]} {p}" for p in output_problems(fmt, result.stdout, shown)]
        lost = round_trips(sitlog, tmp_path_factory, template_db, home, ["hx", "hc"])
        if lost:
            problems.append(f"{lost} events changed by an export → import")
    else:
        lost = 0
    ledger.trial(not problems, lost=lost)
    assert not problems, "\n".join(problems[:12])


def test_hostile_text_through_log_file(
    sitlog: Callable[..., Run], tmp_path: Path, reliability: Callable[[str], Ledger]
) -> None:
    """``log --file``: each line split as a shell would, so any text quoted on it is a note as typed — line
    separators such as U+2028, U+0085 or a form feed inside the quotes included."""
    import shlex

    ledger = reliability("hostile text through log --file lines")
    notes = [p for p in PIECES if p not in ("\x00", "\r", "\n", "\r\n")] + ["".join(BIDI), "".join(MARKUP)]
    lines = [f"strike Ariha --by SAA --at 2024-11-27 --id n{i} --note {shlex.quote(n)}" for i, n in enumerate(notes)]
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    run = sitlog("log", "--file", str(path))
    stored = {e["id"]: e["note"] for e in sitlog("events", "--json").json()} if run.exit_code == 0 else {}
    lost = sum(stored.get(f"n{i}") != n for i, n in enumerate(notes))
    ledger.trial(run.exit_code == 0 and lost == 0, lost=lost)
    assert run.exit_code == 0 and lost == 0, (run.stderr, [(n, stored.get(f"n{i}")) for i, n in enumerate(notes)][:5])
    assert not raw_unsafe(run.stderr)


def test_a_1_mb_note_goes_through_every_format(
    sitlog: Callable[..., Run],
    tmp_path_factory: pytest.TempPathFactory,
    template_db: Path,
    db: Path,
    reliability: Callable[[str], Ledger],
) -> None:
    ledger = reliability("a 1 MB hostile note through every format and an export → import")
    note = "".join(PIECES) * (1_000_000 // len("".join(PIECES)))
    ok(sitlog("log", "strike", "Ariha", "--by", "SAA", "--note", note, "--at", "2024-11-27", "--id", "big"))
    problems = []
    for fmt in FORMATS:
        out = ok(sitlog("events", "-f", fmt)).stdout
        problems += output_problems(fmt, out, [note] if fmt != "table" else [])
    lost = round_trips(sitlog, tmp_path_factory, template_db, {"SITLOG_DB": str(db)}, ["big"])
    ledger.trial(not problems and not lost, lost=lost)
    assert not problems and not lost, problems[:5]


@pytest.mark.parametrize("text", ["\ud800", "x\udfffy", "caf\udce9"])
def test_a_lone_surrogate_in_text_is_refused_not_stored(
    sitlog: Callable[..., Run], db: Path, reliability: Callable[[str], Ledger], text: str
) -> None:
    """Only an undecodable argument carries one (see test_hostile_args): refused naming the option, exit 2."""
    ledger = reliability("a lone surrogate in text given to a command")
    failures = []
    for args in (("log", "strike", "Ariha", "--by", "SAA", "--note", text), ("places", "add", f"Zabun {text}"),
                 ("actors", "add", f"Liwa {text}"), ("events", "--source", text)):  # fmt: skip
        run = sitlog(*args)
        problem = one_line_error(run.exit_code, run.stdout, run.stderr) or (None if run.exit_code == 2 else "accepted")
        ledger.trial(problem is None)
        if problem:
            failures.append((args[:2], problem))
    assert not failures


# --- real processes: the bytes a terminal receives -----------------------------------------------------------


NOTE = (
    "\x1b[31mRED\x1b[0m \x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \x1b]0;pwned\x07 "
    "\u202etxt.exe [bold]x[/] \x9b2J\x07 حلب 🏳️‍🌈"
)
USER_ESCAPES = (b"\x1b[31m", b"\x1b]8;;", b"\x1b]0;", "\u202e".encode(), "\x9b".encode(), b"\x07")


def test_no_escape_from_user_data_reaches_a_pipe(
    env: dict[str, str], tmp_path: Path, reliability: Callable[[str], Ledger]
) -> None:
    """Piped, a table is plain: not one ESC byte, bidi override or C1 control in it."""
    ledger = reliability("escape sequences in user text, real process, table to a pipe")
    logged = run_sitlog(
        ["log", "strike", "Ariha", "--by", "SAA", "--note", NOTE, "--source", NOTE, "--id", "esc"], env, tmp_path
    )
    assert logged.exit_code == 0, logged.err
    for stream in (logged.stderr,):
        assert b"\x1b" not in stream and "\u202e".encode() not in stream
    for args in (["events"], ["show", "esc"], ["history", "Ariha"], ["events", "-f", "markdown"],
                 ["events", "--json"], ["show", "esc", "--json"], ["export"], ["export", "-f", "json"],
                 ["export", "-f", "geojson"]):  # fmt: skip
        proc = run_sitlog(args, env, tmp_path)
        leaked = [e for e in USER_ESCAPES if e in proc.stdout or e in proc.stderr] + (
            [b"\x1b"] if b"\x1b" in proc.stdout else []
        )
        ledger.trial(proc.exit_code == 0 and not leaked)
        assert proc.exit_code == 0 and not leaked, (args, leaked, proc.err)
    table = run_sitlog(["events"], env, tmp_path).stdout.decode()
    assert "\\x1b[31mRED\\x1b[0m" in table and "\\u202etxt.exe" in table and "[bold]x[/]" in table and "حلب" in table


def run_on_a_terminal(args: list[str], env: dict[str, str], cwd: Path) -> bytes:
    """``python -m sitlog ARGS`` with stdout and stderr on a pseudo-terminal: the bytes the terminal receives."""
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "sitlog", *args], stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=slave, env={**os.environ, **env}, cwd=cwd)  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            proc.kill()
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=120) == 0, b"".join(chunks)[-2000:]
    return b"".join(chunks)


@pytest.mark.parametrize("color", ["always", "never"])
def test_no_escape_from_user_data_reaches_a_terminal(
    env: dict[str, str], tmp_path: Path, reliability: Callable[[str], Ledger], color: str
) -> None:
    """On a terminal the table is sitlog's screen layout with its own colours: the only escape sequences in the
    bytes are sitlog's SGR styles; the user's sequences, bidi override and C1 controls arrive escaped."""
    ledger = reliability("escape sequences in user text, real process on a pseudo-terminal")
    terminal = {**env, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "50", "PAGER": "cat"}
    terminal.pop("NO_COLOR", None)
    logged = run_sitlog(["log", "strike", "Ariha", "--by", "SAA", "--note", NOTE, "--id", "esc"], env, tmp_path)
    assert logged.exit_code == 0
    for args in (["events"], ["show", "esc"], ["history", "Ariha"], ["status"]):
        out = run_on_a_terminal([*args, "--color", color, "--no-pager"], terminal, tmp_path)
        ours = re.sub(rb"\x1b\[[0-9;]*m", b"", out)  # sitlog's own styles (bold, colours, strike)
        leaked = [e for e in USER_ESCAPES if e in ours] + ([b"\x1b"] if b"\x1b" in ours else [])
        ledger.trial(not leaked)
        assert not leaked, (args, leaked, out[-800:])
        if color == "never":
            assert b"\x1b" not in out
    shown = run_on_a_terminal(["show", "esc", "--color", "never", "--no-pager"], terminal, tmp_path).decode()
    assert "\\x1b[31mRED" in shown and "\\u202etxt.exe [bold]x[/]" in shown
