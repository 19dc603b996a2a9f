from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Run


def test_log_then_list_roundtrip(sitlog: Callable[..., Run], actors: None) -> None:
    logged = sitlog("log", "control", "Anjarah", "--new-place", "--by", "hts", "--at", "2024-11-27", "--json")
    assert logged.exit_code == 0, logged.stderr
    event = logged.json()
    assert event["place"] == "Anjarah" and event["actors"] == ["HTS"] and event["precision"] == "day"
    listed = sitlog("events", "--json")
    assert [e["id"] for e in listed.json()] == [event["id"]]
    assert "logged control" in logged.stderr
