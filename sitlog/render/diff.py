"""``diff`` as tables: control changes, contests begun and ended, figures added."""

from __future__ import annotations

from typing import Any

from sitlog.render.output import Report, Table
from sitlog.render.reports import range_text

DIFF_CSV_COLUMNS = ("place", "admin1", "change", "before_holder", "before_status", "before_part", "after_holder",
                    "after_status", "after_part", "after_against", "claimed", "event_id")  # fmt: skip


def _state_text(state: dict[str, Any] | None) -> str:
    if state is None:
        return "—"
    text = f"{state['holder']} {state['status']}" + (f" ({state['part']})" if state["part"] else "")
    return text + (f" against {', '.join(state['against'])}" if state["against"] else "")


def _csv_row(change: dict[str, Any]) -> list[Any]:
    before, after = change["before"] or {}, change["after"] or {}
    rest = after or before
    return [change["place"], change["admin1"], change["change"], before.get("holder"), before.get("status"),
            before.get("part"), after.get("holder"), after.get("status"), after.get("part"),
            "; ".join(after.get("against", [])), rest.get("claimed"), rest.get("event_id")]  # fmt: skip


def diff_report(data: dict[str, Any], heading: str) -> Report:
    """The ``diff`` tables; CSV/TSV carry the control changes with machine values."""
    rows = []
    for change in data["control"]:
        after = change["after"] or change["before"]
        claim = (after["claimed_by"] or "claim") if after["claimed"] else ""
        rows.append([change["place"], change["change"], _state_text(change["before"]), _state_text(change["after"]),
                     claim, after["event_id"]])  # fmt: skip
    count = len(rows)
    tables = [
        Table(
            ("place", "change", "before", "after", "claim", "event"),
            rows,
            title=f"{heading}: {count} place{'s' if count != 1 else ''} changed hands or status",
        )  # fmt: skip
    ]
    contests = data["contests"]
    tables.append(
        Table(
            ("contests", "places"), [["began", ", ".join(contests["began"])], ["ended", ", ".join(contests["ended"])]]
        )
    )
    figures = data["figures"]
    kinds = figures["by_kind"]
    tables.append(
        Table(
            (
                "events",
                "control",
                "clash",
                "casualties",
                "strike",
                "displacement",
                "killed",
                "injured",
                "captured",
                "displaced people",
                "displaced families",
                "claims",
            ),
            [
                [
                    figures["events"],
                    kinds["control"],
                    kinds["clash"],
                    kinds["casualties"],
                    kinds["strike"],
                    kinds["displacement"],
                    range_text(figures["killed"]),
                    range_text(figures["injured"]),
                    range_text(figures["captured"]),
                    range_text(figures["displaced_people"]),
                    range_text(figures["displaced_families"]),
                    figures["claims"],
                ]
            ],
            title="Figures added (assessed; claims are not in the totals)",
        )  # fmt: skip
    )
    machine = Table(DIFF_CSV_COLUMNS, [_csv_row(c) for c in data["control"]])
    return Report(data, tables, records=data["control"], machine=machine)
