"""`sitlog chart` (issue 13): PNG and SVG for briefings, read back; matplotlib only in that command."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sitlog.cli import app

DEMO_ENV = {"SITLOG_NOW": "2024-11-27T21:00:00+03:00", "SITLOG_TZ": "Asia/Damascus", "NO_COLOR": "1"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--db", str(path)], env=DEMO_ENV)
    assert result.exit_code == 0, result.stderr
    return path


def _chart(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sitlog", "--db", str(db), "chart", *args], capture_output=True,
                          text=True, env={**os.environ, **DEMO_ENV}, timeout=180)  # fmt: skip


@pytest.mark.parametrize("kind", [["summary", "--since", "2024-11-20", "--until", "2024-11-27"], ["history", "Anjara"]])
def test_chart_writes_a_png_that_reads_back(demo_db: Path, tmp_path: Path, kind: list[str]) -> None:
    from matplotlib.image import imread

    target = tmp_path / "chart.png"
    done = _chart(demo_db, *kind, "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert target.read_bytes()[:8] == PNG_MAGIC
    pixels = imread(target)
    height, width = pixels.shape[:2]
    assert width > 500 and height > 200
    assert pixels.std() > 0.05  # something was drawn, not a blank canvas
    assert not list(tmp_path.glob(".*partial*"))


def test_chart_writes_an_svg_that_reads_back(demo_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "anjara.svg"
    done = _chart(demo_db, "history", "Anjara", "-o", str(target))
    assert done.returncode == 0, done.stderr
    root = ET.parse(target).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = target.read_text("utf-8")
    assert "Anjara" in text or "<path" in text  # titles may be drawn as glyph paths
    summary = tmp_path / "summary.svg"
    assert _chart(demo_db, "summary", "--day", "2024-11-27", "-o", str(summary)).returncode == 0
    assert ET.parse(summary).getroot().tag.endswith("svg")


def test_chart_refuses_other_formats_and_writes_nothing(demo_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "chart.gif"
    done = _chart(demo_db, "summary", "-o", str(target))
    assert done.returncode == 2 and done.stderr.startswith("Error: -o must name a .png or .svg file")
    assert not target.exists()


def test_chart_without_matplotlib_says_how_to_install_it(demo_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "chart.png"
    code = (
        "import sys; sys.modules['matplotlib'] = None; sys.modules['matplotlib.figure'] = None\n"
        "from sitlog.cli import main\n"
        f"sys.argv = ['sitlog', '--db', {str(demo_db)!r}, 'chart', 'summary', '-o', {str(target)!r}]\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **DEMO_ENV}, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == "Error: `sitlog chart` needs matplotlib, an optional extra: pip install 'sitlog[chart]'\n"
    assert not target.exists()


def test_no_other_command_imports_matplotlib_or_rich(demo_db: Path) -> None:
    code = (
        "import sys\n"
        "from sitlog.cli import main\n"
        f"sys.argv = ['sitlog', '--db', {str(demo_db)!r}, 'events', '-f', 'jsonl', '--limit', '1']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('matplotlib', 'rich', 'tabulate') if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **DEMO_ENV}, timeout=120)  # fmt: skip
    assert done.stderr.strip().splitlines()[-1] == "[]"
