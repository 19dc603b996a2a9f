"""Real CLI output validates against the JSON Schemas in docs/schemas (and the schemas are not vacuous)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from tests.conftest import Run

Sitlog = Callable[..., Run]
SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"


def _registry() -> Registry[Any]:
    resources = []
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        schema = json.loads(path.read_text("utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validator(name: str) -> Draft202012Validator:
    schema = REGISTRY.contents(f"urn:sitlog:schema:{name}")
    return Draft202012Validator(schema, registry=REGISTRY)


def validate(name: str, data: Any) -> None:
    errors = sorted(validator(name).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.fixture
def loaded(sitlog: Sitlog, db: Path) -> None:
    """The demo scenario in the test database, plus an amended, a retracted and a UCDP-style window event."""
    db.unlink()  # the demo loads only into a new database file
    assert sitlog("demo", "--db", str(db), "-f", "json").exit_code == 0
    ids = [e["id"] for e in sitlog("events", "--kind", "casualties", "--json").json()]
    assert sitlog("amend", ids[0], "--killed", "1-2", "--reason", "second source").exit_code == 0
    assert sitlog("retract", ids[1], "--reason", "unverified").exit_code == 0
    run = sitlog("log", "casualties", "Anadan", "--killed", "3", "--injured", "several", "--side", "civilians",
                 "--at", "2024-11-25")  # fmt: skip
    assert run.exit_code == 0, run.stderr


@pytest.mark.parametrize("path", sorted(SCHEMAS.glob("*.schema.json")), ids=lambda p: p.name)
def test_schemas_are_valid_json_schema(path: Path) -> None:
    Draft202012Validator.check_schema(json.loads(path.read_text("utf-8")))


def test_event_shape(sitlog: Sitlog, loaded: None) -> None:
    events = sitlog("events", "--all", "--json").json()
    assert {e["kind"] for e in events} == {"control", "clash", "casualties", "strike", "displacement", "advance"}
    for event in events:
        validate("event", event)
    logged = sitlog("log", "displacement", "Anjara", "--people", "200", "--to", "Idlib", "--json")
    validate("event", logged.json())


def test_status_shape(sitlog: Sitlog, loaded: None) -> None:
    for args in ((), ("--at", "2024-01-01"), ("--known-at", "2024-11-27T10:00Z")):
        data = sitlog("status", *args, "--json").json()
        assert data
        validate("status", data)


def test_history_shape(sitlog: Sitlog, loaded: None) -> None:
    for place in ("Urum al-Sughra", "Kafr Naha", "western Aleppo countryside"):
        validate("history", sitlog("history", place, "--all", "--json").json())
    validate("history", sitlog("history", "Anjara", "--since", "2024-11-27", "--until", "2024-11-27", "--json").json())


def test_summary_shape(sitlog: Sitlog, loaded: None) -> None:
    # Issue 9: the demo's two claimed November strikes (a month window) overlap this range without lying in it.
    data = sitlog("summary", "--since", "2024-10-30", "--until", "2024-11-28", "--json").json()
    assert data["total"]["windowed"]["events"] == 2 and data["total"]["persons"]
    validate("summary", data)
    whole = sitlog("summary", "--since", "2024-10-30", "--until", "2024-12-01", "--json").json()
    assert whole["total"]["claims"] and whole["total"]["imprecise"] and whole["total"]["persons"]  # now inside
    validate("summary", whole)
    validate(
        "summary", sitlog("summary", "--since", "2024-11-01", "--until", "2024-12-31", "--by", "week", "--json").json()
    )
    validate("summary", sitlog("summary", "--day", "2020-01-01", "--json").json())


def test_check_and_demo_shapes(sitlog: Sitlog, loaded: None) -> None:
    validate("check", sitlog("check", "--json").json())
    validate("demo", sitlog("demo", "--json").json())


def test_schemas_reject_what_they_should(sitlog: Sitlog, loaded: None) -> None:
    status = sitlog("status", "--json").json()
    del status[0]["holder"]
    with pytest.raises(ValidationError):
        validator("status").validate(status)
    summary = sitlog("summary", "--day", "2024-11-27", "--json").json()
    summary["days"][0]["killed"] = {"low": -1, "high": None}
    with pytest.raises(ValidationError):
        validator("summary").validate(summary)
    event = sitlog("events", "--kind", "control", "--json").json()[0]
    del event["status"]
    with pytest.raises(ValidationError):
        validator("event").validate(event)


def test_diff_shape(sitlog: Sitlog, loaded: None) -> None:
    validate("diff", sitlog("diff", "--from", "2024-11-26", "--to", "2024-11-27", "--json").json())
    validate("diff", sitlog("diff", "--from", "2024-11-27T12:00", "--learned", "--json").json())
    broken = sitlog("diff", "--from", "2024-11-26", "--to", "2024-11-27", "--json").json()
    broken["control"][0]["change"] = "vanished"
    with pytest.raises(ValidationError):
        validator("diff").validate(broken)
