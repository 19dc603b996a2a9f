"""80 columns first (issue 13): tables laid out by priority, short ids, a pager and colour on a terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sitlog.cli import app
from sitlog.render.screen import actor_colour, layout, shortest_unique_prefix, width_of

GOLDEN = Path(__file__).resolve().parent / "golden"
# The demo scenario as shipped: its event lines are the events `sitlog demo` stores.
DEMO_SCENARIO = (
    (Path(__file__).resolve().parents[1] / "sitlog" / "data" / "demo_scenario.jsonl").read_text("utf-8").splitlines()
)
DEMO_ENV = {"SITLOG_NOW": "2024-11-27T21:00:00+03:00", "SITLOG_TZ": "Asia/Damascus", "NO_COLOR": "1"}
REPORTS = {
    "events": ["events"],
    "status": ["status"],
    "history": ["history", "Kafr Naha"],
    "summary": ["summary", "--day", "2024-11-27"],
}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--db", str(path)], env=DEMO_ENV)
    assert result.exit_code == 0, result.stderr
    return path


def _run(db: Path, *args: str, **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--db", str(db), *args], env={**DEMO_ENV, "COLUMNS": "200", **env})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", list(REPORTS))
def test_screen_tables_match_their_golden_files(demo_db: Path, name: str, width: int) -> None:
    """Width pinned with --width; regenerate with SITLOG_UPDATE_GOLDEN=1 and review the diff."""
    code, out, err = _run(demo_db, *REPORTS[name], "--width", str(width), "--color", "never")
    assert code == 0, err
    assert max(width_of(line) for line in out.splitlines()) <= width
    golden = GOLDEN / f"{name}-{width}.txt"
    if os.environ.get("SITLOG_UPDATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def test_events_at_80_columns_take_one_line_per_event(demo_db: Path) -> None:
    _, as_json, _ = _run(demo_db, "events", "--json")
    events = __import__("json").loads(as_json)
    _, out, _ = _run(demo_db, "events", "--width", "80")
    lines = out.splitlines()
    rows = [line for line in lines if re.match(r"[0-9A-Z]{8,} ", line)]
    assert len(rows) == len(events) == sum(1 for line in DEMO_SCENARIO if line.startswith('{"event"'))
    assert len(lines) <= len(events) + 6  # header, rule, and a note of what did not fit
    assert "not shown at 80 columns: claimed, grade, source, note" in out.replace("\n", " ")
    for row, event in zip(rows, events, strict=True):
        handle, at = row.split()[:2]
        assert event["id"].startswith(handle) and len(handle) >= 8  # never folded, never ambiguous
        assert at == event["at"][:10]  # a whole date, not 2024-1 / 1-27


def test_short_ids_in_tables_are_accepted_by_show(demo_db: Path) -> None:
    _, out, _ = _run(demo_db, "status", "--width", "120")
    handle = out.splitlines()[3].split()[-1]
    assert 8 <= len(handle) < 26
    code, shown, err = _run(demo_db, "show", handle, "--json")
    assert code == 0, err
    assert __import__("json").loads(shown)["id"].startswith(handle)


def test_piped_tables_stay_full_width_with_full_ids(demo_db: Path) -> None:
    _, out, _ = _run(demo_db, "status")
    assert re.search(r"\b[0-9A-Z]{26}\b", out)
    assert "─" not in out and "not shown" not in out


def test_layout_drops_notes_before_what_matters() -> None:
    columns = ["id", "at", "kind", "place", "what", "source", "note"]
    row = ["01JDP8DS", "2024-11-27 06:00", "control", "Anjara", "HTS held against SAA", "press report " * 3, "x" * 40]
    plan = layout(columns, [row], 60)
    kept = [columns[i] for i in plan.shown]
    assert kept[:5] == ["id", "at", "kind", "place", "what"] and "note" not in kept
    assert sum(plan.widths) + 2 * (len(kept) - 1) <= 60
    wide = layout(columns, [row], 200)
    assert wide.hidden == [] and wide.widths == [max(len(c), len(v)) for c, v in zip(columns, row, strict=True)]


def test_only_event_ids_are_cut_to_a_prefix() -> None:
    from sitlog.render.screen import Ink, screen_lines

    numbers = [["100000001000", "a"], ["100000002000", "b"]]  # a long place number is taken whole
    lines = screen_lines(None, ["id", "name"], [row[:] for row in numbers], set(), 80, Ink())
    assert [line.split()[0] for line in lines[2:]] == ["100000001000", "100000002000"]
    ulids = [["01JDP8DS6085Q6268NA66N7SPA", "a"], ["01JDP9VJ10GRTEEQR7R2JG5AHY", "b"]]
    lines = screen_lines(None, ["id", "name"], [row[:] for row in ulids], set(), 80, Ink())
    assert [line.split()[0] for line in lines[2:]] == ["01JDP8DS", "01JDP9VJ"]


def test_shortest_unique_prefix() -> None:
    assert shortest_unique_prefix(["01JDP8DS6085", "01JDP9VJ10GR"]) == 8
    assert shortest_unique_prefix(["01JDP8DS6085", "01JDP8DS7000", ""]) == 9
    assert shortest_unique_prefix([]) == 0


def test_an_actor_keeps_one_colour() -> None:
    assert actor_colour("HTS") == actor_colour("hts") == actor_colour("HTS")
    assert len({actor_colour(name) for name in ("HTS", "Syrian Arab Army", "SNA", "SDF", "Hezbollah")}) >= 3


# --- a real terminal: the pager and colour ----------------------------------------------------------------


def _in_pty(args: list[str], env: dict[str, str], rows: int = 12, cols: int = 80) -> tuple[int, str]:
    """Run sitlog with a pseudo-terminal as stdin/stdout/stderr (a real tty, not a stand-in)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    clean = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "PAGER")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitlog", *args], stdin=slave, stdout=slave, stderr=slave, env={**clean, **env}
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child side closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


PAGER = "sh -c 'echo PAGER-RAN; cat'"


def test_a_long_table_on_a_terminal_goes_through_the_pager(demo_db: Path) -> None:
    env = {"SITLOG_NOW": DEMO_ENV["SITLOG_NOW"], "SITLOG_TZ": "Asia/Damascus", "PAGER": PAGER}
    code, out = _in_pty(["--db", str(demo_db), "events"], env)
    assert code == 0, out
    assert out.startswith("PAGER-RAN") and "01JDPYQW" in out
    code, out = _in_pty(["--db", str(demo_db), "events", "--no-pager"], env)
    assert code == 0 and "PAGER-RAN" not in out and "01JDPYQW" in out
    # A table shorter than the screen is printed straight away.
    code, out = _in_pty(["--db", str(demo_db), "status", "--actor", "HTS"], env, rows=40)
    assert code == 0 and "PAGER-RAN" not in out and "al-Salloum" in out


def test_no_pager_when_stdout_is_not_a_terminal(demo_db: Path) -> None:
    env = {**os.environ, **DEMO_ENV, "PAGER": PAGER}
    done = subprocess.run(
        [sys.executable, "-m", "sitlog", "--db", str(demo_db), "events"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0 and "PAGER-RAN" not in done.stdout


def test_colour_on_a_terminal_and_its_switches(demo_db: Path) -> None:
    base = {"SITLOG_NOW": DEMO_ENV["SITLOG_NOW"], "SITLOG_TZ": "Asia/Damascus"}
    args = ["--db", str(demo_db), "status", "--no-pager"]
    _, coloured = _in_pty(args, base, rows=40)
    assert "\x1b[" in coloured
    hts = re.search(r"\x1b\[[0-9;]*m(HTS)\x1b\[0m", coloured)
    sent = [m.group(0) for m in re.finditer(r"\x1b\[[0-9;]*mHTS\x1b\[0m", coloured)]
    assert hts and len(set(sent)) == 1  # one actor, one colour
    no_color = _in_pty(args, {**base, "NO_COLOR": "1"}, rows=40)[1]
    assert "38;5;" not in no_color and "\x1b[1m" in no_color  # no colour; bold headers stay
    assert "\x1b[" not in _in_pty([*args, "--color", "never"], base, rows=40)[1]
    code, out, _ = _run(demo_db, "status", "--color", "always")
    assert code == 0 and "\x1b[" in out  # forced even into a pipe


def test_bad_color_value_is_a_usage_error(demo_db: Path) -> None:
    code, out, err = _run(demo_db, "status", "--color", "pink")
    assert code == 2 and out == "" and err.startswith("Error: --color must be auto, always or never")
