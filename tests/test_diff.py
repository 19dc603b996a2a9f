"""`sitlog diff` (issue 13): what changed between two moments, on the demo and in the pure function."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sitlog.cli import app
from sitlog.domain.diff import classify, control_diff
from sitlog.domain.model import ControlStatus, Precision, When
from sitlog.domain.report import StatusEntry

DEMO_ENV = {"SITLOG_NOW": "2024-11-27T21:00:00+03:00", "SITLOG_TZ": "Asia/Damascus", "NO_COLOR": "1"}
CAPTURED = {"Qabtan al-Jabal", "Urum al-Sughra", "Anjara", "Bala", "Jamiyat al-Maari", "al-Salloum", "Hawar"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--db", str(path)], env=DEMO_ENV)
    assert result.exit_code == 0, result.stderr
    return path


def _run(db: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--db", str(db), *args], env={**DEMO_ENV, "COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_diff_across_the_27_november_captures(demo_db: Path) -> None:
    code, out, err = _run(demo_db, "diff", "--from", "2024-11-26", "--to", "2024-11-27", "--json")
    assert code == 0, err
    data = json.loads(out)
    changes = {c["place"]: c for c in data["control"]}
    assert {p for p, c in changes.items() if c["change"] == "captured"} == CAPTURED
    assert all(changes[p]["before"]["holder"] == "Syrian Arab Army" and changes[p]["after"]["holder"] == "HTS"
               for p in CAPTURED)  # fmt: skip
    assert {p for p, c in changes.items() if c["change"] == "contested"} == {"Kafr Basin", "Sheikh Aqil"}
    assert data["contests"] == {"began": ["Kafr Basin", "Sheikh Aqil"], "ended": []}
    split = changes["Kafr Naha"]
    assert split["change"] == "split" and (split["after"]["status"], split["after"]["part"]) == ("partial", "south")
    assert len(changes) == 10  # exactly those: the seven captures, two contests and the Kafr Naha split
    figures = data["figures"]
    # What the events between add up to is what the day's summary says (the demo has nothing on the 26th).
    code, out, err = _run(demo_db, "summary", "--day", "2024-11-27", "--json")
    assert code == 0, err
    [day] = json.loads(out)["days"]
    assert figures["events"] == day["events"] and figures["by_kind"] == {k: n for k, n in day["by_kind"].items() if n}
    assert figures["by_kind"]["control"] == 10 and figures["claims"] == len(day["claims"]) == 1
    assert figures["killed"] == day["killed"] and figures["killed"]["low"] == 1  # the "dozens" claim stays out


def test_diff_before_anything_happened_is_empty(demo_db: Path) -> None:
    code, out, _ = _run(demo_db, "diff", "--from", "2024-06-01", "--to", "2024-10-01", "--json")
    data = json.loads(out)
    assert code == 0 and data["control"] == [] and data["figures"]["events"] == 0


def test_diff_known_at_and_learned(demo_db: Path) -> None:
    # As known at noon on the 27th, fewer captures had been recorded.
    _, out, _ = _run(demo_db, "diff", "--from", "2024-11-26", "--to", "2024-11-27", "--known-at",
                     "2024-11-27T12:00", "--json")  # fmt: skip
    noon = {c["place"] for c in json.loads(out)["control"]}
    assert noon < CAPTURED | {"Kafr Basin", "Sheikh Aqil", "Kafr Naha"} and noon
    # What the log learned between noon and the evening: the rest of it.
    _, out, _ = _run(demo_db, "diff", "--from", "2024-11-27T12:00", "--to", "2024-11-27T21:00", "--learned", "--json")
    learned = json.loads(out)
    assert learned["learned"] is True
    assert {c["place"] for c in learned["control"]} == (CAPTURED | {"Kafr Basin", "Sheikh Aqil", "Kafr Naha"}) - noon


def test_diff_table_and_csv(demo_db: Path) -> None:
    code, out, _ = _run(demo_db, "diff", "--from", "2024-11-26", "--to", "2024-11-27", "--width", "80")
    assert code == 0 and "10 places changed hands or status" in out.replace("\n", " ")
    assert "began     Kafr Basin, Sheikh Aqil" in out and max(len(line) for line in out.splitlines()) <= 80
    _, out, _ = _run(demo_db, "diff", "--from", "2024-11-26", "--to", "2024-11-27", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 10 and rows[0]["before_holder"] == "Syrian Arab Army" and rows[0]["claimed"] == "false"


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["diff", "--from", "2024-11-27", "--to", "2024-11-26"], 3, "--from must be before --to"),
        (["diff", "--from", "soon"], 3, "cannot read time"),
        (["diff", "--from", "2024-11-26", "--learned", "--known-at", "now"], 2, "leave out --known-at"),
    ],
)
def test_diff_bad_input(demo_db: Path, args: list[str], code: int, text: str) -> None:
    got, out, err = _run(demo_db, *args)
    assert got == code and out == "" and err.startswith("Error: ") and text in err


def _entry(holder: str, status: ControlStatus, part: str | None = None, against: tuple[str, ...] = ()) -> StatusEntry:
    day = When.window(date(2024, 11, 27), Precision.DAY)
    return StatusEntry("Bala", 1, "Aleppo", holder, status, part, day, against, "E1", False)


def test_classify_every_kind_of_change() -> None:
    held, contested = ControlStatus.HELD, ControlStatus.CONTESTED
    assert classify(_entry("SAA", held), _entry("HTS", held)) == "captured"
    assert classify(_entry("SAA", held), _entry("SAA", contested, against=("HTS",))) == "contested"
    assert classify(_entry("SAA", contested, against=("HTS",)), _entry("SAA", held)) == "contest ended"
    assert classify(_entry("SAA", held), _entry("SAA", ControlStatus.PARTIAL, "south")) == "split"
    assert classify(_entry("SAA", ControlStatus.PARTIAL, "south"), _entry("SAA", held)) == "split ended"
    assert classify(_entry("SAA", contested, against=("HTS",)), _entry("SAA", contested, against=("SNA",))) == (
        "contesting parties"
    )
    assert classify(None, _entry("SAA", held)) == "first report"
    assert classify(_entry("SAA", held), None) == "no longer known"
    assert classify(_entry("SAA", held), _entry("SAA", held)) is None
    assert control_diff([_entry("SAA", held)], [_entry("SAA", held)]) == []
