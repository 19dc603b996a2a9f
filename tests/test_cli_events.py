"""`sitlog events`: filters, every output format, and user text shown literally."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest

from tests.conftest import Run

NOTE = '[bold]loud[/] \x1b[31mred\x1b[0m حلب, "quoted"; a\tb'


@pytest.fixture
def logged(sitlog: Callable[..., Run], actors: None) -> list[str]:
    """Five events over three days and three places; returns their ids in time order."""
    runs = [
        ("log", "strike", "Idlib", "--by", "SAA", "--means", "air", "--at", "2024-11-25T08:00"),
        ("log", "control", "Ariha", "--by", "HTS", "--against", "SAA", "--at", "2024-11-26"),
        ("log", "clash", "Ariha", "--actor", "HTS", "--actor", "SAA", "--at", "2024-11-27T06:00", "--note", NOTE),
        ("log", "casualties", "Idlib", "--killed", "7", "--side", "civilians", "--at", "2024-11-27T10:00"),
        ("log", "displacement", "Ariha", "--families", "hundreds", "--to", "Idlib", "--at", "2024-11-28T09:00"),
    ]
    ids = []
    for args in runs:
        run = sitlog(*args, "--json")
        assert run.exit_code == 0, run.stderr
        ids.append(run.json()["id"])
    return ids


def _ids(run: Run) -> list[str]:
    assert run.exit_code == 0, run.stderr
    return [e["id"] for e in run.json()]


@pytest.mark.parametrize(
    ("options", "picked"),
    [
        ([], [0, 1, 2, 3, 4]),
        (["--place", "Ariha"], [1, 2, 4]),
        (["--place", "idleb"], [0, 3]),  # any spelling
        (["--actor", "SAA"], [0, 1, 2]),  # principal, contesting or party to a clash
        (["--actor", "hts"], [1, 2]),
        (["--kind", "clash"], [2]),
        (["--kind", "CONTROL"], [1]),
        (["--since", "2024-11-27"], [2, 3, 4]),
        (["--until", "2024-11-26"], [0, 1]),
        (["--since", "2024-11-26", "--until", "2024-11-27"], [1, 2, 3]),
        (["--since", "2024-11-27T08:00"], [3, 4]),
        (["--since", "yesterday"], [2, 3, 4]),
        (["--since", "2 days ago"], [2, 3, 4]),
        (["--limit", "2"], [0, 1]),
        (["--limit", "0"], []),
        (["--place", "Ariha", "--kind", "clash", "--since", "2024-11-27"], [2]),
    ],
)
def test_filters(sitlog: Callable[..., Run], logged: list[str], options: list[str], picked: list[int]) -> None:
    assert _ids(sitlog("events", *options, "--json")) == [logged[i] for i in picked]


def test_day_events_stay_on_their_day_in_a_zone_west_of_utc(sitlog: Callable[..., Run], logged: list[str]) -> None:
    # 2024-11-26 (day precision) is stored at UTC midnight; New York's 26th starts five hours later.
    west = {"SITLOG_TZ": "America/New_York"}
    assert logged[1] in _ids(sitlog("events", "--since", "2024-11-26", "--until", "2024-11-26", "--json", **west))
    assert logged[1] not in _ids(sitlog("events", "--since", "2024-11-27", "--json", **west))


@pytest.mark.parametrize(
    ("options", "message", "code"),
    [
        (["--place", "Nowhereville"], "unknown place 'Nowhereville'", 4),
        (["--actor", "Nobody At All"], "unknown actor 'Nobody At All'", 4),
        (["--kind", "riot"], "--kind must be one of", 3),
        (["--since", "2024-02-30"], "not a real date", 3),
        (["--until", "03/04/2024"], "ambiguous", 3),
        (["--format", "xml"], "--format must be one of", 2),
        (["--limit", "-1"], "", 2),
    ],
)
def test_bad_filters(
    sitlog: Callable[..., Run], logged: list[str], options: list[str], message: str, code: int
) -> None:
    run = sitlog("events", *options)
    assert run.exit_code == code and message in run.stderr and run.stdout == ""
    assert "Traceback" not in run.stderr


def test_empty_result_is_success(sitlog: Callable[..., Run], logged: list[str]) -> None:
    assert sitlog("events", "--kind", "clash", "--since", "2024-11-28", "--json").json() == []
    assert sitlog("events", "--kind", "clash", "--since", "2024-11-28", "-f", "csv").stdout.count("\n") == 1
    assert sitlog("events", "--kind", "clash", "--since", "2024-11-28").exit_code == 0


# --- formats ---------------------------------------------------------------------------------------


def test_json_is_the_spec_event_shape(sitlog: Callable[..., Run], logged: list[str]) -> None:
    events = sitlog("events", "--json").json()
    assert [e["kind"] for e in events] == ["strike", "control", "clash", "casualties", "displacement"]
    control = events[1]
    shape = {"id", "kind", "place", "place_id", "at", "precision", "actors", "status", "part", "against", "source",
             "grade", "claimed", "note", "tags", "operator", "recorded_at", "revision", "retracted"}  # fmt: skip
    assert shape <= set(control)
    assert (control["at"], control["precision"], control["against"]) == ("2024-11-26", "day", ["Syrian Arab Army"])
    assert events == sitlog("events", "-f", "json").json()


def test_jsonl_is_one_event_per_line(sitlog: Callable[..., Run], logged: list[str]) -> None:
    run = sitlog("events", "-f", "jsonl")
    lines = run.stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == logged
    assert [json.loads(line) for line in lines] == sitlog("events", "--json").json()


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_csv_and_tsv(sitlog: Callable[..., Run], logged: list[str], fmt: str, delimiter: str) -> None:
    run = sitlog("events", "-f", fmt)
    rows = list(csv.reader(io.StringIO(run.stdout), delimiter=delimiter))
    # Issue 13: machine values — the claim flag apart from the claimant, the retracted flag, tags, who, when;
    # issue 12's handle last.
    assert rows[0] == ["id", "at", "precision", "kind", "place", "what", "claimed", "claimed_by", "retracted",
                       "grade", "source", "tags", "operator", "recorded_at", "note", "handle"]  # fmt: skip
    assert [r[0] for r in rows[1:]] == logged
    assert rows[2][1:6] == ["2024-11-26", "day", "control", "Ariha", "HTS held against Syrian Arab Army"]


def test_sitlog_format_env_and_flag_precedence(sitlog: Callable[..., Run], logged: list[str]) -> None:
    from_env = sitlog("events", SITLOG_FORMAT="csv")
    assert from_env.stdout.startswith("id,at,precision,kind,place,")  # precision: issue 13's machine CSV
    assert sitlog("events", "-f", "jsonl", SITLOG_FORMAT="csv").stdout.startswith("{")
    assert isinstance(sitlog("events", "--json", SITLOG_FORMAT="csv").json(), list)


def test_markdown_table(sitlog: Callable[..., Run], logged: list[str]) -> None:
    lines = sitlog("events", "-f", "markdown").stdout.splitlines()
    assert lines[0].startswith("| id ") and set(lines[1]) <= {"|", "-"}
    assert len(lines) == 2 + len(logged)
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines[:1] + lines[2:])


def test_table_off_a_terminal_is_plain(sitlog: Callable[..., Run], logged: list[str]) -> None:
    out = sitlog("events").stdout
    lines = out.splitlines()
    assert lines[0].split() == ["id", "at", "kind", "place", "what", "claimed", "retracted", "grade", "source", "note",
                                "handle"]  # fmt: skip
    assert set(lines[1]) <= {"-", " "}
    assert len(lines) == 2 + len(logged)  # unwrapped: one line per event
    assert [line.split()[0] for line in lines[2:]] == logged
    assert "\x1b" not in out and not set(out) & set("│┃━─┏┗╭╰")


# --- user text shown literally ------------------------------------------------------------------------


def test_note_is_literal_in_json(sitlog: Callable[..., Run], logged: list[str]) -> None:
    run = sitlog("events", "--kind", "clash", "--json")
    assert "\\u001b[31m" in run.stdout and "\x1b" not in run.stdout  # escaped, never raw
    assert run.json()[0]["note"] == NOTE


def test_note_is_byte_for_byte_in_csv(sitlog: Callable[..., Run], logged: list[str]) -> None:
    run = sitlog("events", "--kind", "clash", "-f", "csv")
    assert list(csv.DictReader(io.StringIO(run.stdout)))[0]["note"] == NOTE
    assert "\x1b[31mred\x1b[0m" in run.stdout


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_note_shows_control_characters_visibly_in_tables(
    sitlog: Callable[..., Run], logged: list[str], fmt: str
) -> None:
    out = sitlog("events", "--kind", "clash", "-f", fmt).stdout
    assert "\x1b" not in out and "\t" not in out
    assert "[bold]loud[/] \\x1b[31mred\\x1b[0m حلب" in out and "a\\tb" in out


def test_note_with_markup_in_a_receipt_is_literal(sitlog: Callable[..., Run], actors: None) -> None:
    run = sitlog("log", "strike", "[bold]Ariha\x1b[2J", "--new-place", "--by", "SAA")
    assert run.exit_code == 0
    assert "\x1b" not in run.stderr and "[bold]Ariha\\x1b[2J" in run.stderr


def test_events_in_a_real_process(sitlog_proc: Callable[..., Run]) -> None:
    assert sitlog_proc("actors", "add", "Liwa al-Baqir").exit_code == 0  # SAA: in the actor pack
    assert sitlog_proc("log", "strike", "Ariha", "--by", "SAA", "--note", NOTE).exit_code == 0
    table = sitlog_proc("events")  # stdout is a pipe: plain table
    assert table.exit_code == 0 and "\x1b" not in table.stdout and "\\x1b[31m" in table.stdout
    assert "حلب" in table.stdout
    assert list(csv.DictReader(io.StringIO(sitlog_proc("events", "-f", "csv").stdout)))[0]["note"] == NOTE
