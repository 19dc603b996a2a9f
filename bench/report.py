"""The performance tables as markdown: the issue's table at the largest size, and the scaling table."""

from __future__ import annotations

from rows import ROWS, Measured, Row

MB = 1_000_000


def ms(seconds: float) -> str:
    """A duration as the issue writes them: 4.2 ms, 128 ms, 2,165 ms, 54.1 s."""
    value = seconds * 1000
    if value < 10:
        return f"{value:.1f} ms"
    if value < 10_000:
        return f"{value:,.0f} ms"
    return f"{seconds:,.1f} s"


def per_s(rate: float) -> str:
    return f"{rate / 1000:,.0f}k/s" if rate >= 10_000 else f"{rate:,.0f}/s"


def mb(n: int | None) -> str:
    if n is None:
        return "?"
    return f"{n / MB:.1f} MB" if n < 10 * MB else f"{n / MB:,.0f} MB"


def mb_exact(n: int) -> str:
    return f"{n / MB:,.1f} MB"


def times(x: float) -> str:
    return f"{x:.2f}×" if x < 10 else f"{x:,.0f}×"


def cell(row: Row, m: Measured, which: str) -> str:
    """What sitlog (or its floor) did on this row at one size, in the row's own terms."""
    if m.error:
        return f"failed: {m.error.replace('|', '/')}" if which == "sitlog" else "—"
    p = m.pairs
    wall = p.median(which)
    peak = p.peak(which)
    if row.key == "events_all":
        first = [s.first_line for s in getattr(p, which) if s.first_line is not None]
        first_text = ms(sorted(first)[len(first) // 2]) if first else "no output"
        return f"first line {first_text} · {per_s(m.rate(which))} · all {ms(wall)} · peak {mb(peak)}"
    if row.key in ("export", "import"):
        text = f"{per_s(m.rate(which))} ({ms(wall)})"
        if which == "sitlog" and row.key == "import":
            text += f" · peak {mb(peak)}"
        return text
    if row.key == "summary_2y":
        return f"{ms(wall)} · peak {mb(peak)}"
    if row.key == "status_known":
        return f"{ms(wall)} · Python peak {mb(peak)}"
    return ms(wall)


def ratio(row: Row, m: Measured) -> str:
    """sitlog ÷ floor: the median of per-pair time ratios; for throughput rows the rate ratio."""
    if m.error:
        return "—"
    if row.key in ("export", "import"):
        return f"{times(1 / m.pairs.ratio())} rate"
    return times(m.pairs.ratio())


def growth(row: Row, by_size: dict[int, Measured]) -> float | None:
    """sitlog's median time at the largest size ÷ at the smallest (None with a single size)."""
    sizes = sorted(by_size)
    if len(sizes) < 2 or by_size[sizes[0]].error or by_size[sizes[-1]].error:
        return None
    return by_size[sizes[-1]].pairs.median("sitlog") / by_size[sizes[0]].pairs.median("sitlog")


def met(row: Row, by_size: dict[int, Measured]) -> str:
    """Whether the issue's target is met at the largest size measured: yes / no (why)."""
    m = by_size[max(by_size)]
    if m.error:
        return "**no**: not measured"
    p = m.pairs
    wall = p.median("sitlog")
    checks: list[tuple[bool, str]]
    if row.key == "version":
        checks = [(p.ratio() <= 1.5, f"{times(p.ratio())}")]
    elif row.key in ("log", "history", "summary_day"):
        checks = [(p.ratio() <= 2.0, f"{times(p.ratio())}")]
    elif row.key == "status_at":
        checks = [(wall <= 0.030, ms(wall))]
    elif row.key == "status_known":
        checks = [(wall <= 0.100, ms(wall))]
    elif row.key in ("events_kind", "events_known"):
        g = growth(row, by_size)
        if g is None:
            return "n/a (one size measured)"
        checks = [(g <= 2.0, f"grows {times(g)}")]
    elif row.key == "events_all":
        first = sorted(s.first_line if s.first_line is not None else wall for s in p.sitlog)[len(p.sitlog) // 2]
        peak = p.peak("sitlog") or 0
        checks = [
            (first < 0.3, f"first line {ms(first)}"),
            (peak < 150 * MB, f"peak {mb_exact(peak)}"),
            (m.rate("sitlog") >= 100_000, per_s(m.rate("sitlog"))),
        ]
    elif row.key == "summary_2y":
        peak = p.peak("sitlog") or 0
        checks = [(wall <= 3.0, ms(wall)), (peak < 200 * MB, f"peak {mb_exact(peak)}")]
    elif row.key == "export":
        checks = [(m.rate("sitlog") >= 200_000, per_s(m.rate("sitlog")))]
    elif row.key == "import":
        peak = p.peak("sitlog") or 0
        r = 1 / p.ratio()
        checks = [(r >= 0.7, f"{times(r)}"), (peak < 200 * MB, f"peak {mb_exact(peak)}")]
    elif row.key == "completion":
        checks = [(wall < 0.080, ms(wall))]
    else:
        raise ValueError(row.key)
    missed = [why for ok, why in checks if not ok]
    return "yes" if not missed else "**no**: " + ", ".join(missed)


def targets_table(results: dict[int, dict[str, Measured]]) -> list[str]:
    """The issue's table at the largest size (events rows: smallest → largest size)."""
    sizes = sorted(results)
    top = sizes[-1]
    lines = [
        f"| what ({top:,} events) | sitlog | floor | sitlog ÷ floor | pairs | target | met | when filed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in ROWS:
        by_size = {size: results[size][row.key] for size in sizes if row.key in results[size]}
        if top not in by_size:
            continue
        m = by_size[top]
        if row.key in ("events_kind", "events_known") and growth(row, by_size) is not None:
            low = by_size[sizes[0]]
            g = growth(row, by_size)
            s_cell = f"{ms(low.pairs.median('sitlog'))} → {ms(m.pairs.median('sitlog'))} ({times(g or 0)})"
            f_cell = f"{ms(low.pairs.median('floor'))} → {ms(m.pairs.median('floor'))}"
        else:
            s_cell, f_cell = cell(row, m, "sitlog"), cell(row, m, "floor")
        lines.append(
            f"| {row.what} | {s_cell} | {f_cell} | {ratio(row, m)} | {m.pairs.n} | {row.target} | "
            f"{met(row, by_size)} | {row.filed} |"
        )
    return lines


def scaling_table(results: dict[int, dict[str, Measured]]) -> list[str]:
    """sitlog (and floor) at every size; fixed-size answers should cost the same at each."""
    sizes = sorted(results)
    head = " | ".join(f"{s:,} events" for s in sizes)
    lines = [f"| what | answer | {head} | largest ÷ smallest |", "|---|---|" + "---|" * len(sizes) + "---|"]
    for row in ROWS:
        by_size = {size: results[size][row.key] for size in sizes if row.key in results[size]}
        if not by_size:
            continue
        cells = []
        for size in sizes:
            m = by_size.get(size)
            cells.append("—" if m is None else f"{cell(row, m, 'sitlog')} (floor {cell(row, m, 'floor')})")
        g = growth(row, by_size)
        kind = "fixed size" if row.fixed else "grows with the log"
        lines.append(f"| {row.what} | {kind} | {' | '.join(cells)} | {'—' if g is None else times(g)} |")
    return lines


def missed_section(results: dict[int, dict[str, Measured]]) -> list[str]:
    """For every row whose target is missed at the largest size: the measured figure, why, and what meeting
    it would take (``Row.why_not``). Empty when every target is met."""
    sizes = sorted(results)
    lines = []
    for row in ROWS:
        by_size = {size: results[size][row.key] for size in sizes if row.key in results[size]}
        if sizes[-1] not in by_size:
            continue
        verdict = met(row, by_size)
        if verdict == "yes":
            continue
        why = row.why_not or "not explained yet: profile it (`python -X importtime`, cProfile) before claiming a cause."
        lines.append(f"- **{row.what}** ({verdict.removeprefix('**no**: ')}; target {row.target}). {why}")
    return lines
