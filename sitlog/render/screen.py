"""Tables laid out for a person's screen: fit the width by priority, never fold a token, colour with meaning.

rich's ``Table`` wraps cells when a table is too wide (dates and ids fold mid-token) and takes ≈ 2.5 s for
1,000 rows; it has no notion of "drop the note before the place". So the layout is decided here, column by
column, and the lines are drawn as plain aligned text; rich still measures display width, truncates with an
ellipsis and renders the colour styles (``Style.render``), so wide characters and ``NO_COLOR`` behave as
rich makes them behave everywhere else.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.style import Style

GAP = "  "  # between columns
FLEX_MIN = 10  # a flexible column (note, source, what…) is ellipsised down to this, then dropped
ID_PREFIX_MIN = 8  # ids are shortened to their shortest unique prefix among the rows shown, at least this long


@dataclass(frozen=True)
class Rule:
    """How a column behaves when space is short: higher ``priority`` stays longer; ``flexible`` may be cut."""

    priority: int
    flexible: bool = False
    least: int = FLEX_MIN  # a flexible column's narrowest width before it is dropped


# By column name, across every report: what identifies a row outlives what describes it.
RULES: dict[str, Rule] = {
    "id": Rule(100),
    "at": Rule(98),
    "day": Rule(98),
    "field": Rule(98),
    "check": Rule(98),
    "kind": Rule(96),
    "place": Rule(95, flexible=True, least=16),
    "name": Rule(95),
    "holder": Rule(94),
    "status": Rule(93),
    "result": Rule(93),
    "events": Rule(92),
    "since": Rule(90),
    "from": Rule(90),
    "until": Rule(89),
    "to": Rule(89),
    "what": Rule(88, flexible=True),
    "value": Rule(88, flexible=True),
    "handle": Rule(96),  # what an operator types (issue 12): 3-6 characters
    "detail": Rule(88, flexible=True),
    "change": Rule(88, flexible=True),
    "figures": Rule(87, flexible=True),
    "after": Rule(87, flexible=True, least=16),
    "before": Rule(86, flexible=True, least=16),
    "places": Rule(86, flexible=True),
    "claimed": Rule(85, flexible=True, least=8),
    "claim": Rule(85, flexible=True, least=8),
    "claimed by": Rule(85, flexible=True),
    "retracted": Rule(84),
    "killed": Rule(82),
    "injured": Rule(80),
    "captured": Rule(78),
    "for": Rule(76),
    "against": Rule(75, flexible=True),
    "changes": Rule(74),
    "claims": Rule(73),
    "displaced people": Rule(72),
    "event": Rule(70),
    "gained": Rule(70, flexible=True),
    "lost": Rule(70, flexible=True),
    "timeline": Rule(65),
    "events per day": Rule(91),
    "killed per day": Rule(81),
    "grade": Rule(60),
    "displaced families": Rule(58),
    "type": Rule(55),
    "admin1": Rule(50),
    "side": Rule(50),
    "rev": Rule(50),
    "person": Rule(50),
    "role": Rule(45),
    "fate": Rule(45),
    "precision": Rule(45),
    "known window": Rule(45),
    "counted on": Rule(45),
    "control": Rule(40),
    "clash": Rule(39),
    "casualties": Rule(38),
    "strike": Rule(37),
    "displacement": Rule(36),
    "recorded_at": Rule(35),
    "operator": Rule(34),
    "command": Rule(33),
    "source": Rule(30, flexible=True),
    "reason": Rule(28, flexible=True),
    "change set": Rule(25),
    "aliases": Rule(25, flexible=True),
    "admin2": Rule(24),
    "pcode": Rule(23),
    "parent": Rule(22),
    "lat": Rule(21),
    "lon": Rule(21),
    "note": Rule(20, flexible=True),
}
DEFAULT_RULE = Rule(50)
ID_COLUMNS = ("id", "event")
TIME_COLUMNS = ("at", "recorded_at")
ACTOR_COLUMNS = ("holder", "claimed by", "actor", "by")

# Eight distinguishable colours from the 256-colour palette; an actor's is picked by a stable hash of its
# name, so it is the same in every report, every run and on every machine.
PALETTE = ("dodger_blue2", "dark_orange", "green3", "magenta2", "gold3", "cyan3", "orchid", "chartreuse3")


def actor_colour(name: str) -> str:
    digest = hashlib.blake2b(name.casefold().encode("utf-8"), digest_size=2).digest()
    return PALETTE[int.from_bytes(digest, "big") % len(PALETTE)]


def cell_width(text: str) -> int:
    from rich.cells import cell_len

    return len(text) if text.isascii() else cell_len(text)


def shortest_unique_prefix(ids: Sequence[str], minimum: int = ID_PREFIX_MIN) -> int:
    """The length to which ``ids`` can be cut and still name one row each (at least ``minimum``)."""
    distinct = {i for i in ids if i}
    longest = max((len(i) for i in distinct), default=0)
    for length in range(minimum, longest + 1):
        if len({i[:length] for i in distinct}) == len(distinct):
            return length
    return longest


@dataclass
class Layout:
    shown: list[int]  # column indexes kept, in order
    widths: list[int]  # their widths
    hidden: list[str]  # names of the columns left out


def _header_min(header: str) -> int:
    return max((cell_width(word) for word in header.split()), default=0)


def layout(columns: Sequence[str], cells: Sequence[Sequence[str]], width: int) -> Layout:
    """Which columns fit ``width`` and how wide each is: drop the least important, ellipsise flexible ones."""
    n = len(columns)
    rules = [RULES.get(c, DEFAULT_RULE) for c in columns]
    content = [max((cell_width(row[i]) for row in cells), default=0) for i in range(n)]
    natural = [max(content[i], cell_width(columns[i])) for i in range(n)]
    minimum = [
        max(_header_min(columns[i]), min(content[i], rules[i].least) if rules[i].flexible else content[i])
        for i in range(n)
    ]
    kept = list(range(n))

    def needed(indexes: list[int]) -> int:
        return sum(minimum[i] for i in indexes) + len(GAP) * (len(indexes) - 1)

    # On a screen a column with nothing in it says nothing (piped tables keep it, for scripts).
    kept = [i for i in kept if content[i]] or kept
    # A column with nothing in it is the first to go; then the lowest priority, the rightmost first.
    by_importance = sorted(kept, key=lambda i: (content[i] > 0, rules[i].priority, -i))
    for i in by_importance:
        if needed(kept) <= width or len(kept) == 1:
            break
        kept.remove(i)
    widths = {i: minimum[i] for i in kept}
    spare = width - needed(kept)
    # Spare room goes one column at a time, round-robin, to the columns still short of their natural width:
    # first to those that say what happened (priority 80 and up), then to the rest.
    for tier in (80, 0):
        while spare > 0:
            short = [i for i in kept if rules[i].priority >= tier and widths[i] < natural[i]]
            if not short:
                break
            for i in sorted(short, key=lambda i: -rules[i].priority)[:spare]:
                widths[i] += 1
                spare -= 1
    return Layout(kept, [widths[i] for i in kept], [columns[i] for i in range(n) if i not in kept])


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` display columns with an ellipsis, padded to exactly ``width``."""
    from rich.text import Text

    if cell_width(text) > width:
        cut = Text(text)
        cut.truncate(width, overflow="ellipsis")
        text = cut.plain
    return text + " " * (width - cell_width(text))


def _header_lines(header: str, width: int) -> list[str]:
    """A header wrapped at spaces to ``width`` (a column is never narrower than the header's longest word)."""
    lines: list[str] = []
    for word in header.split():
        if lines and cell_width(lines[-1]) + 1 + cell_width(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


@dataclass(frozen=True)
class Styles:
    """The styles a screen table uses (actors get theirs from ``actor_colour``)."""

    header: Style
    struck: Style
    claim: Style
    note: Style

    @staticmethod
    def make() -> Styles:
        from rich.style import Style

        return Styles(Style(bold=True), Style(strike=True, dim=True), Style(italic=True), Style(dim=True))


@dataclass(frozen=True)
class Ink:
    """What a screen table may use: bold/strike/italic (``attributes``) and ``colours`` (not with NO_COLOR)."""

    attributes: bool = False
    colours: bool = False


def _paint(text: str, style: Style | None, ink: Ink) -> str:
    from rich.color import ColorSystem

    if not ink.attributes or style is None or not text.strip():
        return text
    if not ink.colours:
        style = style.without_color  # NO_COLOR (no-color.org) takes colour away, not bold or strike-through
    stripped = text.rstrip(" ")
    return style.render(stripped, color_system=ColorSystem.EIGHT_BIT) + text[len(stripped) :]


_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)")


def short_time(text: str) -> str:
    """``2024-11-27T06:00:00+03:00`` as ``2024-11-27 06:00`` (the report zone's local time, to the minute)."""
    found = _RFC3339.fullmatch(text)
    return f"{found[1]} {found[2]}" if found else text


def screen_lines(
    title: str | None, columns: list[str], cells: list[list[str]], struck: set[int], width: int, ink: Ink
) -> list[str]:
    """The lines of a table laid out for ``width`` columns (``cells`` already made visible)."""
    table = ScreenTable(title, columns, cells, width, ink)
    return [*table.head(), *(table.line(row, r in struck) for r, row in enumerate(cells)), *table.tail()]


class ScreenTable:
    """A table's screen layout, decided on ``cells`` (visible text): its heading lines, a line per row, and
    the note naming the columns that did not fit.

    ``cut_ids``: event ids are shortened to their shortest unique prefix among ``cells``; a listing that
    streams rows beyond ``cells`` keeps them whole (a prefix unique among the first rows may not be unique
    among the rest). Rows given to ``line`` need not be among ``cells``: cells wider than their column are
    ellipsised as always.
    """

    def __init__(
        self, title: str | None, columns: list[str], cells: list[list[str]], width: int, ink: Ink,
        cut_ids: bool = True,
    ) -> None:  # fmt: skip
        self.title, self.columns, self.width, self.ink = title, columns, width, ink
        self.times = [columns.index(name) for name in TIME_COLUMNS if name in columns]
        self.cut: dict[int, int] = {}
        for name in ID_COLUMNS if cut_ids else ():
            # Only event ids (ULIDs, UUIDs) are cut: a place's or actor's number is short and taken whole.
            i = columns.index(name) if name in columns else -1
            if i >= 0 and all(len(row[i]) >= 16 for row in cells if row[i]):
                self.cut[i] = shortest_unique_prefix([row[i] for row in cells])
        self.plan = layout(columns, [self._shown(row) for row in cells], width)
        self.styles = Styles.make()
        self.claim_at = [columns.index(c) for c in ("claim", "claimed") if c in columns]
        self.actor_at = {columns.index(c) for c in ACTOR_COLUMNS if c in columns}
        # A history timeline bar takes its holder's colour, so the story of a place reads at a glance.
        self.holder_at = columns.index("holder") if "holder" in columns else None
        self.bar_at = columns.index("timeline") if "timeline" in columns and self.holder_at is not None else None
        self.hidden_at = [columns.index(c) for c in self.plan.hidden]
        self.hidden_seen: set[int] = set()  # hidden columns with something in them

    def _shown(self, row: list[str]) -> list[str]:
        if self.times or self.cut:
            row = list(row)
            for i in self.times:
                row[i] = short_time(row[i])
            for i, length in self.cut.items():
                row[i] = row[i][:length]
        return row

    def head(self) -> list[str]:
        """The title and the column headings, then the rule under them."""
        lines: list[str] = []
        styles, ink, plan = self.styles, self.ink, self.plan
        if self.title:
            import textwrap

            lines += [_paint(line, styles.header, ink)
                      for line in textwrap.wrap(self.title, self.width, break_long_words=False)]  # fmt: skip
        heads = [_header_lines(self.columns[i], w) for i, w in zip(plan.shown, plan.widths, strict=True)]
        depth = max(len(h) for h in heads)
        for d in range(depth):
            parts = []
            for head, w in zip(heads, plan.widths, strict=True):
                offset = depth - len(head)  # multi-line headers sit on their last line, like a spreadsheet's
                parts.append(_fit(head[d - offset] if d >= offset else "", w))
            lines.append(_paint(GAP.join(parts).rstrip(), styles.header, ink))
        lines.append(GAP.join("─" * w for w in plan.widths))
        return lines

    def line(self, row: list[str], struck: bool) -> str:
        """One row (visible text) as laid out; ``struck``: drawn struck through (a retracted event)."""
        from rich.style import Style

        for i in self.hidden_at:
            if row[i]:
                self.hidden_seen.add(i)
        row = self._shown(row)
        styles = self.styles
        claimed = any(row[i] for i in self.claim_at)
        holder_at = self.holder_at
        parts = []
        for i, w in zip(self.plan.shown, self.plan.widths, strict=True):
            text = _fit(row[i], w)
            style: Style | None = None
            if i in self.actor_at and row[i]:
                style = Style(color=actor_colour(row[i]))
            elif i == self.bar_at and holder_at is not None and row[holder_at]:
                style = Style(color=actor_colour(row[holder_at]))
            if claimed:
                style = style + styles.claim if style else styles.claim
            if struck:
                style = style + styles.struck if style else styles.struck
            parts.append(_paint(text, style, self.ink))
        return GAP.join(parts).rstrip()

    def tail(self) -> list[str]:
        """Nothing is left out silently: a note naming the columns that did not fit (an empty one hides nothing)."""
        hidden = [self.columns[i] for i in self.hidden_at if i in self.hidden_seen]
        if not hidden:
            return []
        import textwrap

        note = f"(not shown at {self.width} columns: {', '.join(hidden)}; widen with --width, or -f csv for all)"
        return [_paint(line, self.styles.note, self.ink)
                for line in textwrap.wrap(note, self.width, break_long_words=False)]  # fmt: skip


def width_of(line: str) -> int:
    """Display width of a drawn line, colour codes not counted (for tests and the pager's height check)."""
    from rich.text import Text

    return Text.from_ansi(line).cell_len
