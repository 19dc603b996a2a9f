"""The indented JSON of reports (``render.output.indented``) is exactly what ``json.dumps(…, indent=2)`` writes.

A two-year summary is a hundred megabytes of indented JSON; json's own indenting encoder is pure Python
and took half a minute for it, so sitlog indents through the C encoder. Byte for byte the same text.
"""

from __future__ import annotations

import io
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sitlog.domain.text import json_safe
from sitlog.render.output import Format, Report, dumps, emit, indented

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
)
KEYS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=6)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(KEYS, inner, max_size=5) | st.tuples(inner, inner),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_indented_is_json_dumps_indent_2(value: Any) -> None:
    expected = json.dumps(value, ensure_ascii=False, indent=2)
    assert "".join(indented(value)) == expected
    assert "".join(indented(value, 4)) == json.dumps(value, ensure_ascii=False, indent=4)
    if not isinstance(value, list) or not value:
        # dumps also escapes what json leaves raw (DEL, bidi and invisible format characters): same value
        assert dumps(value) == json_safe(expected)
        assert json.dumps(json.loads(dumps(value))) == json.dumps(json.loads(expected))  # NaN-safe


def test_odd_keys_and_a_summary_shape() -> None:
    odd = {"a": {1: "one", None: [True, 2.5], False: {}}, "b": [[], {}, [[]]], "c": "é \u2028 \x1b"}
    assert "".join(indented(odd)) == json.dumps(odd, ensure_ascii=False, indent=2)
    summary = {"days": [{"day": "2024-11-27", "places": ["Zabun", "al-Salloum"], "killed": {"low": 3, "high": None},
                         "claims": [{"event_id": "x", "killed": {"low": 1, "best": None, "high": 2, "text": "1-2"}}],
                         "windowed": {"event_ids": [], "events": 0}}], "total": {"events": 1}}  # fmt: skip
    out = io.StringIO()
    emit(Report(summary, []), Format.JSON, out)
    assert out.getvalue() == json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
