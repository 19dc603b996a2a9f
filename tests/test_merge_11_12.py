"""Issues 11 and 12 together: assessments, advances and corroboration through handles, `last`,
`log --file` batches, help panels and completion; the handle migration after m004."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.test_completion import values

Sitlog = Callable[..., Run]

REPORT = """\
--source "Reuters" --grade B2 --at 2024-11-27
control Anjara --new-place --by SAA --baseline --at 2020-03
control Bala --new-place --by HTS --from SAA
control Bala --by HTS --from SAA --corroborates last --source "Al Jazeera" --grade C3
control "Kfar Bissin" --new-place --status contested --against HTS --against SAA
advance --near Nubl --new-place --by HTS --distance "a few"
"""


def dump(db: Path) -> list[object]:
    with closing(sqlite3.connect(db)) as conn:
        return [
            conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("revisions", "changesets", "handles")
        ]


def test_a_batch_carries_baselines_from_contested_advances_and_corroborations(
    sitlog: Sitlog, actors: None, tmp_path: Path, db: Path
) -> None:
    report = tmp_path / "report.txt"
    report.write_text(REPORT, "utf-8")
    before = dump(db)
    dry = sitlog("log", "--file", str(report), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "line 4: would corroborate" in dry.stderr and "nothing stored" in dry.stderr
    assert dump(db) == before
    run = sitlog("log", "--file", str(report))
    assert run.exit_code == 0, run.stderr
    assert run.stderr.splitlines()[-1].startswith(f"logged 4 events and 1 corroborations from {report}")
    events = {e["place"]: e for e in sitlog("events", "--json").json()}
    assert events["Anjara"]["baseline"] is True and events["Bala"]["from"] == "Syrian Arab Army"
    assert events["Kfar Bissin"]["status"] == "contested" and events["Kfar Bissin"].get("by") is None
    assert events["Nubl"]["kind"] == "advance" and events["Nubl"]["handle"]
    bala = events["Bala"]
    assert [s["source"] for s in bala["sources"]] == ["Reuters", "Al Jazeera"] and bala["revision"] == 2
    with closing(sqlite3.connect(db)) as conn:
        changesets = conn.execute("SELECT DISTINCT c.command FROM revisions r JOIN changesets c ON c.id = r.changeset")
        assert changesets.fetchall() == [("log --file",)]  # corroboration included: one change set
    undo = sitlog("undo", "--yes")
    assert undo.exit_code == 0 and "4 events" in undo.stderr, undo.stderr
    assert sitlog("events", "--json").json() == []


def test_a_bad_corroboration_line_leaves_the_database_unchanged(
    sitlog: Sitlog, actors: None, tmp_path: Path, db: Path
) -> None:
    report = tmp_path / "report.txt"
    report.write_text("control Aleppo --by SAA --at 2024-11-27\nadvance --near Aleppo --by HTS --corroborates last\n")
    before = dump(db)
    run = sitlog("log", "--file", str(report))
    assert run.exit_code == 3 and run.stderr.startswith("Error: line 2: event ") and "not advance" in run.stderr
    assert dump(db) == before


def test_corroborate_and_corroborates_take_handles_and_last(sitlog: Sitlog, actors: None) -> None:
    first = sitlog("log", "control", "Aleppo", "--by", "SAA", "--at", "2024-11-27", "--source", "Reuters", "--json")
    handle = first.json()["handle"]
    by_handle = sitlog("corroborate", handle, "--source", "AFP", "--grade", "B2", "--json")
    assert by_handle.exit_code == 0, by_handle.stderr
    assert by_handle.stderr.startswith(f"corroborated {handle} ({first.json()['id']}) → revision 2")
    by_last = sitlog("log", "control", "Aleppo", "--by", "SAA", "--at", "2024-11-27", "--source", "SANA",
                     "--corroborates", "last", "--json")  # fmt: skip
    assert by_last.exit_code == 0 and by_last.json()["id"] == first.json()["id"]
    assert [s["source"] for s in by_last.json()["sources"]] == ["Reuters", "AFP", "SANA"]
    assert sitlog("corroborate", "last", "--source", "BBC").exit_code == 0
    # `last` still names the event after a corroboration through `log`, and a new log moves it.
    assert sitlog("show", "last", "--json").json()["id"] == first.json()["id"]
    advance = sitlog("log", "advance", "--toward", "Idlib", "--by", "HTS", "--distance", "10", "--json")
    assert advance.exit_code == 0 and advance.stderr.startswith(f"logged advance {advance.json()['handle']} (")
    assert sitlog("show", "last", "--json").json()["kind"] == "advance"


def test_help_panels_put_corroborate_under_correct_and_advance_under_log(sitlog: Sitlog) -> None:
    overview = sitlog("--help").stdout
    correct = overview.split("Correct:")[1].split("Report:")[0]
    assert "corroborate" in correct
    log_help = sitlog("log", "--help").stdout
    assert "advance" in log_help
    assert "Example:\n    sitlog corroborate 10a" in sitlog("corroborate", "--help").stdout


@pytest.mark.parametrize("shell", ["bash"])
def test_completion_knows_advance_and_corroboration(env: dict[str, str], sitlog: Sitlog, actors: None,
                                                    shell: str) -> None:  # fmt: skip
    assert sitlog("log", "control", "Idlib", "--by", "HTS", "--at", "2024-11-27").exit_code == 0
    assert "advance" in values(env, shell, "sitlog log ")
    assert "advance" in values(env, shell, "sitlog events --kind a")
    assert "Idlib" in values(env, shell, "sitlog log advance --near Idl")
    assert values(env, shell, "sitlog log control X --from H")[:1] == ["HTS"]
    assert values(env, shell, "sitlog log control X --corroborates ") == ["last", "100"]
    assert values(env, shell, "sitlog corroborate ") == ["last", "100"]


def test_handles_migration_runs_after_m004_and_numbers_every_path(sitlog: Sitlog, actors: None, db: Path) -> None:
    assert sitlog("log", "control", "Idlib", "--by", "HTS", "--claimed-by", "HTS Telegram").exit_code == 0
    with closing(sqlite3.connect(db)) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")]
        # (m009 was the last migration until issue 14's m010_control_current followed it.)
        assert names.index("m004_assessments") < names.index("m009_handles") < names.index("m010_control_current")
        assert "m007_handles" not in names
        head = conn.execute("SELECT e.claimed, e.n_sources, h.n FROM events e JOIN handles h USING (event_id)")
        assert head.fetchall() == [(1, 1, 1)]
