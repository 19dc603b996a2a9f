"""``sitlog serve``: the demo published by a real server, read by headless Chromium and over JSON.

Expectations come from sitlog's own reports (``status --json``, ``summary --json``) of the same database.
Chromium is required (the README's test command installs it): without it these tests fail, never skip.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from sitlog.web.view import gazetteer_sources
from tests.hostile import downgrade_before_handles

ROOT = Path(__file__).resolve().parents[1]
DAMASCUS = "+03:00"  # Asia/Damascus in November 2024: the demo's zone
# 22:00Z on the 26th is already the 27th in Damascus: the day's windows count there, not in UTC.
INSTANTS = ["2024-11-26T12:00:00Z", "2024-11-26T22:00:00Z", "2024-11-27T08:00:00+03:00", "2024-11-27",
            "2024-11-28T00:00:00Z"]  # fmt: skip


def run(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sitlog", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("serve")
    path = folder / "demo.db"
    env = {**os.environ, "SITLOG_TZ": "Asia/Damascus", "NO_COLOR": "1", "SITLOG_CONFIG": str(folder / "c.toml"),
           "SITLOG_STATE_DIR": str(folder / "state")}  # fmt: skip
    env.pop("SITLOG_DB", None)
    env.pop("SITLOG_NOW", None)
    done = run(env, "demo", "--db", str(path), "--json")
    assert done.returncode == 0, done.stderr
    return path, {**env, "SITLOG_DB": str(path)}


class Server:
    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "sitlog", "serve", "--port", str(self.port), *args],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/-/versions.json", timeout=5):
                    return
            except (urllib.error.URLError, ConnectionError):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"sitlog serve did not answer: {self.proc.stderr.read()}") from None
                time.sleep(0.2)

    def json(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode({**params, "_shape": "array"})
        with urllib.request.urlopen(f"{self.base}{path}.json?{query}", timeout=30) as response:
            return json.load(response)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(2)  # Ctrl-C
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture(scope="module")
def server(demo: tuple[Path, dict[str, str]]) -> Iterator[Server]:
    path, env = demo
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    served = Server(env)
    try:
        yield served
    finally:
        code = served.stop()
    assert code == 130, served.proc.stderr.read() if served.proc.stderr else ""
    # Never writes: the file is byte for byte what it was, untouched, with no -wal or -shm beside it.
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()


def chromium(url: str) -> str:
    """The page's DOM after its scripts ran (Leaflet draws the map), from headless Chromium."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "Chromium is required for the web view tests (the README's test command installs it)"
    done = subprocess.run(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--virtual-time-budget=10000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Page(HTMLParser):
    """The table rows (cells by column class ``col-NAME``) and the class lists of every element."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.classes: list[list[str]] = []
        self.texts: list[tuple[list[str], str]] = []
        self._cell: str | None = None
        self._stack: list[list[str]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        self.classes.append(classes)
        self._stack.append(classes)
        if tag == "tr":
            self.rows.append({})
        if tag == "td":
            self._cell = next((c[4:] for c in classes if c.startswith("col-")), None)
            if self._cell and self.rows:
                self.rows[-1][self._cell] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None
        if self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._cell and self.rows:
            self.rows[-1][self._cell] += data
        if self._stack:
            self.texts.append((self._stack[-1], data))


def expected_status(env: dict[str, str], at: str, tz: str) -> dict[str, tuple[str | None, str, str]]:
    """``sitlog status --at AT --json`` in zone ``tz``: place → (holder, status, event id), assessed ones only."""
    done = run({**env, "SITLOG_TZ": tz}, "status", "--at", at, "--json")
    assert done.returncode == 0, done.stderr
    return {e["place"]: (e["holder"], e["status"], e["event_id"]) for e in json.loads(done.stdout) if e["event_id"]}


@pytest.mark.parametrize("at", INSTANTS)
@pytest.mark.parametrize(("offset", "zone"), [("", "UTC"), (DAMASCUS, "Asia/Damascus")])
def test_status_query_gives_sitlog_status_holders(
    server: Server, demo: tuple[Path, dict[str, str]], at: str, offset: str, zone: str
) -> None:
    rows = server.json("/sitlog/status", at=at, utc_offset=offset)
    got = {r["place"]: (r["holder"], r["status"], r["event_id"]) for r in rows}
    assert got == expected_status(demo[1], at, zone)


def test_status_now_matches_and_the_page_lists_every_place(server: Server, demo: tuple[Path, dict[str, str]]) -> None:
    expected = expected_status(demo[1], "now", "Asia/Damascus")
    assert len(expected) >= 5  # the demo's places: the comparison below is not vacuous
    page = Page(chromium(f"{server.base}/sitlog/status?at=&utc_offset=%2B03:00"))
    shown = {r["place"].strip(): r for r in page.rows if "place" in r}
    assert set(shown) == set(expected)
    for place, (holder, status, _) in expected.items():
        assert shown[place]["holder"].strip() == (holder or ""), place
        assert shown[place]["status"].strip() == status


def test_map_page_draws_a_marker_per_place_with_coordinates(server: Server) -> None:
    located = server.json("/sitlog/map", at="", utc_offset=DAMASCUS)
    status = server.json("/sitlog/status", at="", utc_offset=DAMASCUS)
    assert located and {r["place"] for r in located} == {r["place"] for r in status if r["latitude"] is not None}
    page = Page(chromium(f"{server.base}/sitlog/map?at=&utc_offset=%2B03:00"))
    assert any("leaflet-container" in c for c in page.classes), "no map on the page"
    markers = [c for c in page.classes if "leaflet-marker-icon" in c]
    clusters = [c for c in markers if "marker-cluster" in c]
    clustered = sum(int(t) for c, t in page.texts if t.strip().isdigit() and any("marker-cluster" in x for x in c))
    # Tiles come from the network and may be missing offline: the markers are what the page must draw.
    assert len(markers) - len(clusters) + clustered == len(located)


def test_events_table_renders_with_facets(server: Server, demo: tuple[Path, dict[str, str]]) -> None:
    page = Page(chromium(f"{server.base}/sitlog/events"))
    facets = {c for classes in page.classes for c in classes if c.startswith("facet-sitlog-events-")}
    assert {"facet-sitlog-events-kind", "facet-sitlog-events-place_id"} <= facets
    events = [r for r in page.rows if "event_id" in r]
    with closing(sqlite3.connect(f"file:{demo[0]}?immutable=1", uri=True)) as conn:
        total = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    assert events and len(events) == min(total, 100)


def test_summary_query_counts_what_sitlog_summary_counts(server: Server, demo: tuple[Path, dict[str, str]]) -> None:
    done = run(demo[1], "summary", "--day", "2024-11-27", "--json")
    assert done.returncode == 0, done.stderr
    by_kind = {k: n for k, n in json.loads(done.stdout)["days"][0]["by_kind"].items() if n}
    rows = server.json("/sitlog/summary", day="2024-11-27", utc_offset=DAMASCUS)
    assert by_kind and {r["kind"]: r["events"] for r in rows} == by_kind


def test_history_query_finds_a_town_by_alias(server: Server, demo: tuple[Path, dict[str, str]]) -> None:
    done = run(demo[1], "history", "Urum al-Sughra", "--json")
    assert done.returncode == 0, done.stderr
    ids = [e["id"] for e in json.loads(done.stdout)["events"]]
    rows = server.json("/sitlog/history", place="urum al-sughra", utc_offset=DAMASCUS)
    assert ids and [r["event_id"] for r in rows] == ids


def test_writes_are_refused(server: Server) -> None:
    for path in ("/sitlog/events/-/insert", "/sitlog/-/create", "/sitlog/status", "/-/permissions"):
        request = urllib.request.Request(f"{server.base}{path}", data=b'{"row": {"kind": "x"}}', method="POST",
                                         headers={"Content-Type": "application/json"})  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 405, path
    # Arbitrary SQL is read-only too.
    query = urllib.parse.urlencode({"sql": "DELETE FROM events"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{server.base}/sitlog.json?{query}", timeout=10)
    assert 400 <= refused.value.code < 500


def test_metadata_names_the_bundled_licences(server: Server) -> None:
    with urllib.request.urlopen(f"{server.base}/-/metadata.json", timeout=10) as response:
        meta = json.load(response)
    notice = (ROOT / "sitlog" / "data" / "NOTICE.md").read_text("utf-8")
    sources = gazetteer_sources(notice)
    assert len(sources) == 3 and {s.licence for s in sources} == {"CC BY-IGO", "CC BY 4.0"}
    for source in sources:
        assert source.name in notice and source.name in meta["databases"]["sitlog"]["source"]
        assert source.licence in meta["license"]
    tables = meta["databases"]["sitlog"]["tables"]
    assert tables["_sqlite_migrations"]["hidden"] and tables["handles"]["hidden"]
    visible = ("events", "revisions", "places", "actors", "changesets", "control_current")
    assert not any(tables.get(t, {}).get("hidden") for t in visible)


def test_binds_to_loopback_only_by_default(server: Server) -> None:
    listening = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port = local.split(":")
        if state == "0A" and int(port, 16) == server.port:  # LISTEN
            listening.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    assert listening == {"127.0.0.1"}


def test_taken_port_is_one_line_exit_5(server: Server, demo: tuple[Path, dict[str, str]]) -> None:
    done = run(demo[1], "serve", "--port", str(server.port), timeout=60)
    assert done.returncode == 5
    assert done.stderr.startswith("Error: port") and done.stderr.count("\n") == 1


def test_missing_database_is_an_error_and_creates_nothing(tmp_path: Path, demo: tuple[Path, dict[str, str]]) -> None:
    missing = tmp_path / "nowhere" / "none.db"
    status = run({**demo[1], "SITLOG_DB": str(missing)}, "status")
    done = run({**demo[1], "SITLOG_DB": str(missing)}, "serve", "--port", str(free_port()))
    assert done.returncode == status.returncode == 6
    assert done.stderr.startswith("Error: no sitlog database") and done.stderr.count("\n") == 1
    assert not missing.exists() and not missing.parent.exists()


def test_older_schema_asks_for_migrate(tmp_path: Path, demo: tuple[Path, dict[str, str]]) -> None:
    old = tmp_path / "old.db"
    shutil.copyfile(demo[0], old)
    version = downgrade_before_handles(old)
    status = run({**demo[1], "SITLOG_DB": str(old)}, "status")
    done = run({**demo[1], "SITLOG_DB": str(old)}, "serve", "--port", str(free_port()))
    assert done.returncode == status.returncode == 6
    assert f"schema {version}" in done.stderr and "sitlog migrate" in done.stderr and done.stderr.count("\n") == 1


def test_without_the_extra_names_the_install_command(demo: tuple[Path, dict[str, str]]) -> None:
    hide = "import sys; sys.modules['datasette'] = None; sys.argv = ['sitlog', 'serve']; "
    done = subprocess.run([sys.executable, "-c", hide + "from sitlog.__main__ import main; main()"],
                          capture_output=True, text=True, env=demo[1], timeout=60)  # fmt: skip
    assert done.returncode == 2  # as `sitlog chart` without matplotlib
    assert done.stderr == "Error: `sitlog serve` needs Datasette, an optional extra: pip install 'sitlog[web]'\n"


HOSTILE = ["99999999999999999999", "0000-01-01", "\x1b[2J;\u202e[bold]", "", "-1", "/", "::", "x" * 300]


def test_hostile_values_are_one_line_errors_or_a_loopback_server(demo: tuple[Path, dict[str, str]]) -> None:
    """Every option of `serve` given hostile values (in a real process, with a deadline: a good value serves
    until interrupted): either one `Error:` line and an exit code from SPEC's list, or a server that says
    where it serves and stops on Ctrl-C with 130. The database is never changed."""
    path, env = demo
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    for option in ("--port", "--host", "--base-url"):
        for value in HOSTILE:
            args = [sys.executable, "-m", "sitlog", "serve", option, value]
            if option != "--port":
                args += ["--port", str(free_port())]
            proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                out, err = proc.communicate(timeout=8)
            except subprocess.TimeoutExpired:  # it serves: stop it as a user would
                proc.send_signal(2)
                out, err = proc.communicate(timeout=20)
                assert proc.returncode == 130 and "read-only at http://" in err, (option, value, err[-500:])
                continue
            assert proc.returncode in (2, 3, 5, 6), (option, value, proc.returncode, err[-500:])
            assert err.startswith("Error: ") and err.count("\n") == 1 and out == "", (option, value, err[-500:])
            assert "Traceback" not in err
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
