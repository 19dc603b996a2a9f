"""`sitlog log --file` (issue 12): a report as lines, one change set, all or nothing, errors by line."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run

Sitlog = Callable[..., Run]

# Places the bundled village layer lacks (issue 10), so the batch creates them.
REPORT = """\
# Reuters, 27 Nov 2024: shared defaults first
--source "Reuters" --grade B2 --at 2024-11-27

control "Sheikh Aqil" --new-place --by HTS
sitlog log control "Jamiyat al-Maari" --new-place --by "Hayat Tahrir al-Sham"   # pasted from a shell
clash "al-Salloum" --new-place --actor HTS --actor SAA --grade C3
casualties Aleppo --killed dozens --side HTS --claimed-by "pro-government media" --at 2024-11-28
"""


def dump(db: Path) -> list[Any]:
    """Every row of every table that logging writes: equal dumps mean nothing was written."""
    with closing(sqlite3.connect(db)) as conn:
        return [
            conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("revisions", "changesets", "places", "place_names", "handles")
        ]


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.txt"
    path.write_text(REPORT, "utf-8")
    return path


def test_a_file_is_logged_as_one_change_set(sitlog: Sitlog, actors: None, report: Path) -> None:
    run = sitlog("log", "--file", str(report))
    assert run.exit_code == 0, run.stderr
    lines = run.stderr.splitlines()
    assert [line.split(":")[0] for line in lines[:4]] == ["line 4", "line 5", "line 6", "line 7"]
    assert lines[0].startswith("line 4: logged control 100 (")
    assert "'Hayat Tahrir al-Sham' → HTS (alias)" in lines[1]
    assert lines[-2] == "created 3 places: Sheikh Aqil, Jamiyat al-Maari, al-Salloum"
    assert lines[-1].startswith(f"logged 4 events from {report} as one change set")
    events = sitlog("events", "--json").json()
    assert [(e["handle"], e["place"], e["source"], e["grade"], e["at"]) for e in events] == [
        ("100", "Sheikh Aqil", "Reuters", "B2", "2024-11-27"),
        ("101", "Jamiyat al-Maari", "Reuters", "B2", "2024-11-27"),
        ("102", "al-Salloum", "Reuters", "C3", "2024-11-27"),  # a line's own option wins
        ("103", "Aleppo", "Reuters", "B2", "2024-11-28"),
    ]
    assert events[3]["claimed_by"] == "pro-government media" and events[3]["killed"]["text"] == "dozens"
    assert sitlog("show", "last", "--json").json()["handle"] == "103"
    undone = sitlog("undo", "--yes")
    assert undone.exit_code == 0 and "log --file by tester" in undone.stderr
    assert sitlog("events", "--json").json() == []  # one undo reverts the whole file


def test_dry_run_resolves_everything_and_stores_nothing(sitlog: Sitlog, actors: None, report: Path, db: Path) -> None:
    before = dump(db)
    run = sitlog("log", "--file", str(report), "--dry-run")
    assert run.exit_code == 0, run.stderr
    assert "line 5: would log control" in run.stderr and "[new place Jamiyat al-Maari;" in run.stderr
    assert "would create 3 places: Sheikh Aqil, Jamiyat al-Maari, al-Salloum" in run.stderr
    assert run.stderr.splitlines()[-1].endswith("nothing stored (dry run)")
    assert dump(db) == before


@pytest.mark.parametrize(
    ("bad_line", "code", "message"),
    [
        ("control Nowhere --by HTS", 3, "Error: line 9: unknown place 'Nowhere'"),
        ("control Aleppo --by Nobody", 3, "Error: line 9: unknown actor 'Nobody'"),
        ("control Aleppo --by HTS --colour red", 2, "Error: line 9: No such option: --colour"),
        ("ceasefire Aleppo", 2, "Error: line 9: unknown kind 'ceasefire'"),
        ('control "Aleppo --by HTS', 2, "Error: line 9: No closing quotation"),
        ("casualties Aleppo --killed lots", 3, "Error: line 9: --killed:"),
        ("control Aleppo --by HTS --at 2024-02-30", 3, "Error: line 9: '2024-02-30' is not a real date"),
        ("clash Aleppo --actor HTS", 3, "Error: line 9: a clash needs at least two"),
    ],
)
def test_a_bad_line_leaves_the_database_unchanged(
    sitlog: Sitlog, actors: None, report: Path, db: Path, bad_line: str, code: int, message: str
) -> None:
    report.write_text(REPORT + "\n" + bad_line + "\n", "utf-8")
    before = dump(db)
    run = sitlog("log", "--file", str(report))
    assert run.exit_code == code, run.stderr
    assert run.stderr.startswith(message) and run.stderr.count("\n") == 1
    assert dump(db) == before  # not even the places the earlier lines created


def test_stdin_and_a_real_process(sitlog_proc: Sitlog, sitlog: Sitlog, actors: None) -> None:
    run = sitlog_proc("log", "--file", "-", input="strike Ariha --by SAA --means air --at 2024-11-27\n")
    assert run.exit_code == 0, run.stderr
    assert sitlog("show", "100", "--json").json()["means"] == "air"
    broken = sitlog_proc("log", "--file", "-", input="strike Ariha --by SAA\nstrike Ariha --by\n")
    assert broken.exit_code == 2 and broken.stderr.startswith("Error: line 2: Option '--by' requires an argument")
    assert "Traceback" not in broken.stderr
    assert len(sitlog("events", "--json").json()) == 1


def test_empty_missing_and_misplaced(sitlog: Sitlog, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n\n", "utf-8")
    assert sitlog("log", "--file", str(empty)).exit_code == 3
    missing = sitlog("log", "--file", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    mixed = sitlog("log", "--file", str(empty), "control", "Aleppo", "--by", "HTS")
    assert mixed.exit_code == 2 and "--file/--dry-run go alone" in mixed.stderr
