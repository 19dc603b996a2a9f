"""Write sitlog/data/completion.json, the command tree `sitlog.cli.quick` completes from without Typer.

    .venv/bin/python scripts/gen_completion_tree.py [--check]

``--check`` exits 1 when the file is stale (tests/test_quick.py runs the same comparison).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sitlog.cli.root import whole_app
from sitlog.cli.completion import tree

TARGET = Path(__file__).resolve().parent.parent / "sitlog" / "data" / "completion.json"


def render() -> str:
    return json.dumps(tree(whole_app()), ensure_ascii=False, separators=(",", ":")) + "\n"


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if TARGET.read_text("utf-8") == text else 1)
    TARGET.write_text(text, "utf-8")
    print(f"wrote {TARGET} ({len(text)} bytes)")
