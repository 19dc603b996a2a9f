"""Typing less (issue 12): long options by unambiguous prefix, and the seed report replayed from its file."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from sitlog.cli.root import whole_app
from sitlog.cli.words import expand_abbreviations
from tests.conftest import Run

Sitlog = Callable[..., Run]
EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "aleppo-2024-11-27.txt"


def control() -> object:
    return whole_app().commands["log"].commands["control"]


def test_a_unique_prefix_is_the_option(sitlog: Sitlog, actors: None) -> None:
    run = sitlog("log", "control", "Kafr Naha", "--by", "SAA", "--st", "partial", "--pa", "south", "--ag", "HTS",
                 "--at", "2024-11-27", "--json")  # fmt: skip
    assert run.exit_code == 0, run.output
    event = json.loads(run.stdout)
    assert (event["status"], event["part"], event["against"]) == ("partial", "south", ["HTS"])


def test_an_ambiguous_prefix_names_the_candidates_and_stores_nothing(sitlog: Sitlog, actors: None) -> None:
    before = sitlog("events", "--json").stdout
    run = sitlog("log", "control", "Kafr Naha", "--by", "SAA", "--c")
    assert run.exit_code == 2
    assert "--c is ambiguous: --claimed, --claimed-by, --corroborates" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    assert sitlog("events", "--json").stdout == before


def test_values_exact_names_and_the_end_of_options_are_left_alone() -> None:
    cmd = control()
    # A value that looks like a prefix stays a value; an exact name is never widened.
    assert expand_abbreviations(cmd, ["X", "--note", "--st", "--claimed"]) == ["X", "--note", "--st", "--claimed"]
    assert expand_abbreviations(cmd, ["X", "--no=--st", "--ag", "HTS"]) == ["X", "--note=--st", "--against", "HTS"]
    assert expand_abbreviations(cmd, ["--", "--st"]) == ["--", "--st"]
    assert expand_abbreviations(cmd, ["X", "--zzz"]) == ["X", "--zzz"]  # unknown: click reports it


def test_abbreviations_work_in_a_batch_file(sitlog: Sitlog, actors: None, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("--so 'army source' --g B2 --at 2024-11-27\ncontrol Anadan --by SAA --st contested --ag HTS\n")
    run = sitlog("log", "--file", str(report))
    assert run.exit_code == 0, run.output
    event = json.loads(sitlog("show", "last", "--json").stdout)
    assert (event["source"], event["grade"], event["status"]) == ("army source", "B2", "contested")
    report.write_text("control Anadan --by SAA --c\n")
    run = sitlog("log", "--file", str(report))
    assert run.exit_code == 2 and "line 1: --c is ambiguous" in run.stderr


def test_the_seed_report_replays_from_its_file(sitlog: Sitlog, env: dict[str, str]) -> None:
    """The example batch file logs the whole article; it creates only the places the packs lack."""
    assert sitlog("session", "start", "--so", "news 27 Nov 2024", "--g", "B2", "--at", "2024-11-27").exit_code == 0
    dry = sitlog("log", "--file", str(EXAMPLE), "--dry-run")
    assert dry.exit_code == 0, dry.output
    run = sitlog("log", "--file", str(EXAMPLE))
    assert run.exit_code == 0, run.output
    lines = [line for line in EXAMPLE.read_text("utf-8").splitlines() if line and not line.startswith("#")]
    assert f"logged {len(lines)} events" in run.stderr
    flagged = [shlex.split(line)[1] for line in lines if "--new-place" in line]
    created = re.search(r"created \d+ places: (.*)", run.stderr)
    assert created and created.group(1).split(", ") == flagged
    status = {row["place"]: row for row in json.loads(sitlog("status", "--json").stdout)}
    assert (status["Kafr Naha"]["holder"], status["Kafr Naha"]["status"], status["Kafr Naha"]["part"]) == (
        "Syrian Arab Army", "partial", "south")  # fmt: skip
    assert status["Kfar Bissin"]["status"] == "contested"


@pytest.mark.parametrize("line", ["log control X --ag", "log strike X --me", "log casualties X --ki", "events --ki"])
def test_prefixes_stay_unambiguous_for_the_everyday_options(line: str) -> None:
    words = line.split()
    command = whole_app()
    while words[0] in getattr(command, "commands", {}):
        command = command.commands[words.pop(0)]  # type: ignore[attr-defined]
    expanded = expand_abbreviations(command, words)
    assert expanded[-1] != words[-1] and expanded[-1].startswith(words[-1])
