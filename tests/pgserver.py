"""A private PostgreSQL server for the test run: real, never mocked, never skipped.

``pg_server`` (session) runs ``initdb`` in a fresh temporary directory and starts that cluster with ``pg_ctl``
on 127.0.0.1, a free TCP port and a unix socket in the same directory; every connection (TCP or socket) must
authenticate with ``scram-sha-256``, so a wrong password really fails. The superuser gets a random password at
initdb time (``--pwfile``). fsync is off: the data is thrown away at the end of the session, when the server
is stopped and the directory removed (also when the run fails).

``pg_url`` (function) is a fresh empty database per test, dropped after it; ``make_role`` creates a login role
with a given password and only the grants a test asks for, for least-privilege tests, and drops it after.

PostgreSQL refuses to run as root: under root the server's programs run as the ``postgres`` OS user (through
``runuser``) and the temporary directory belongs to that user. If the server binaries are missing or the server
does not start, the fixture fails with the reason and the tail of the server log; it never skips (a skipped
PostgreSQL suite would hide a broken store). The binaries are found from ``SITLOG_PG_BINDIR``, then
``pg_config --bindir``, then the newest ``/usr/lib/postgresql/*/bin``; the README's test command installs them.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

SERVER_OS_USER = "postgres"  # who runs the server when the tests run as root
SUPERUSER = "sitlog_admin"
HOST = "127.0.0.1"
SETTINGS = {
    "fsync": "off",  # the cluster is thrown away: durability only costs time
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "log_min_messages": "warning",
}
_ROLE_ATTRIBUTE = re.compile(r"(NO)?(SUPERUSER|CREATEDB|CREATEROLE|INHERIT|LOGIN|REPLICATION|BYPASSRLS)")


class PgServerError(Exception):
    """The private server could not be found, initialised or started."""


def find_bindir() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    candidates: list[Path] = []
    if override := os.environ.get("SITLOG_PG_BINDIR"):  # when set, the only place looked at
        candidates.append(Path(override))
    elif pg_config := shutil.which("pg_config"):
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=30, check=True)
            candidates.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    if not override:
        # Debian's pg_config may be libpq-dev's, naming a bindir without a server: fall back to the newest.
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _version_key(p.parent.name))
        candidates.extend(reversed(versions))
    for bindir in candidates:
        if all((bindir / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres")):
            return bindir
    tried = ", ".join(str(c) for c in candidates) or "none found"
    raise PgServerError(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; tried: "
        f"{tried}. Install them (Debian: apt-get install postgresql) or set SITLOG_PG_BINDIR."
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name)) or (0,)


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _url(user: str, password: str, port: int, database: str) -> str:
    return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{HOST}:{port}/{quote(database, safe='')}"


@dataclass
class PgServer:
    """A running private cluster; admin statements go through the superuser over TCP, in autocommit."""

    bindir: Path
    root: Path  # the temporary directory: data/, server.log and the unix socket
    port: int
    user: str
    password: str
    as_root: bool
    startup_seconds: float = 0.0  # initdb + start, for the curious (``pytest --setup-show`` does not say)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def socket_dir(self) -> Path:
        return self.root

    def url(self, database: str = "postgres") -> str:
        """``postgresql://USER:PASSWORD@127.0.0.1:PORT/DATABASE`` for the superuser."""
        return _url(self.user, self.password, self.port, database)

    def connect(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=10)

    def create_database(self, name: str | None = None) -> str:
        name = name or f"sitlog_test_{secrets.token_hex(6)}"
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name

    def drop_database(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def make_role(
        self,
        name: str,
        password: str,
        database: str = "postgres",
        *,
        attributes: Sequence[str] = (),
        grants: Sequence[str] = (),
    ) -> str:
        """Create login role ``name`` with ``password`` and return its URL for ``database``.

        ``attributes`` are role options such as ``"CREATEDB"`` (LOGIN is implied; nothing else is given).
        ``grants`` are SQL statements run as the superuser in ``database``, with ``{role}`` and ``{database}``
        standing for the quoted names: ``"GRANT USAGE ON SCHEMA public TO {role}"``. Without grants the role has
        only what PUBLIC has (PostgreSQL 15+: CONNECT and TEMP on databases, no CREATE on schema public).
        """
        for attribute in attributes:
            if not _ROLE_ATTRIBUTE.fullmatch(attribute.upper()):
                raise ValueError(f"not a role attribute: {attribute!r}")
        options = sql.SQL(" ").join(sql.SQL(a.upper()) for a in ("LOGIN", *attributes))
        with self.connect() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} WITH {} PASSWORD {}").format(
                    sql.Identifier(name), options, sql.Literal(password)
                )
            )
        if grants:
            with self.connect(database) as conn:
                for grant in grants:
                    conn.execute(sql.SQL(grant).format(role=sql.Identifier(name), database=sql.Identifier(database)))
        return _url(name, password, self.port, database)

    def drop_role(self, name: str, databases: Sequence[str] = ()) -> None:
        """End the role's sessions, drop what it owns or was granted in ``databases``, then the role.

        Idempotent: a role already dropped (by the test itself, then by ``make_role``'s teardown) is no error.
        """
        with self.connect() as conn:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is None:
                return
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
            existing = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
        for database in (d for d in databases if d in existing):  # a test may have dropped its database
            with self.connect(database) as conn:
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))

    # --- process management ------------------------------------------------------------------------------

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run a server program (``initdb``, ``pg_ctl``) as the user that owns the cluster."""
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", SERVER_OS_USER, "--", *command]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"  # English messages, and no dependence on which locales are installed
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=self.root)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return f"(no server log: {exc})"
        return "\n".join(text.splitlines()[-lines:])

    def configure(self) -> None:
        settings = {
            **SETTINGS,
            "listen_addresses": f"'{HOST}'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
        }
        # Appending / truncating keeps the files' owner (the server user under root).
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as fh:
            fh.write("\n# sitlog tests: private server\n")
            fh.writelines(f"{key} = {value}\n" for key, value in settings.items())
        with open(self.data_dir / "pg_hba.conf", "w", encoding="utf-8") as fh:
            fh.write(f"local all all scram-sha-256\nhost all all {HOST}/32 scram-sha-256\n")

    def start(self) -> None:
        done = self.run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir), "-l", str(self.log_file))
        if done.returncode != 0:
            raise PgServerError(f"pg_ctl start exited {done.returncode}: {(done.stdout + done.stderr).strip()}")

    def stop(self) -> None:
        """Stop the server (fast, then immediate, then SIGKILL) if it runs; never raises."""
        pid = self._postmaster_pid()
        if pid is None:
            return
        for mode in ("fast", "immediate"):
            try:
                self.run("pg_ctl", "stop", "-w", "-t", "30", "-m", mode, "-D", str(self.data_dir), timeout=60)
            except (OSError, subprocess.SubprocessError):
                pass
            if not _alive(pid):
                return
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text(encoding="utf-8").split()[0])
        except (OSError, ValueError, IndexError):
            return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _make_root(as_root: bool) -> Path:
    """A fresh private directory for the cluster, owned by the server user."""
    base = Path(tempfile.gettempdir())
    # The unix socket path must fit in sun_path (~107 bytes), and under root the server user must reach it.
    if len(str(base)) > 60 or (as_root and not _world_traversable(base)):
        base = Path("/tmp")
    root = Path(tempfile.mkdtemp(prefix="sitlog-pg-", dir=base))
    if as_root:
        try:
            server_user = pwd.getpwnam(SERVER_OS_USER)
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            raise PgServerError(
                f"running as root, and PostgreSQL refuses to run as root, but there is no {SERVER_OS_USER!r} "
                "OS user to run it as (the postgresql package creates one)"
            ) from None
        os.chown(root, server_user.pw_uid, server_user.pw_gid)
    return root


def _world_traversable(path: Path) -> bool:
    return all(os.stat(p).st_mode & 0o001 for p in (path, *path.parents))


def start_server() -> PgServer:
    """initdb and start a private cluster; on any failure clean up and raise PgServerError with the log tail."""
    started = time.monotonic()
    bindir = find_bindir()
    as_root = os.geteuid() == 0
    root = _make_root(as_root)
    server = PgServer(bindir, root, 0, SUPERUSER, secrets.token_urlsafe(24), as_root)
    try:
        pwfile = root / "pwfile"
        pwfile.write_text(server.password + "\n", encoding="utf-8")
        pwfile.chmod(0o600)
        if as_root:
            shutil.chown(pwfile, SERVER_OS_USER, SERVER_OS_USER)
        done = server.run(
            "initdb",
            "-D",
            str(server.data_dir),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        pwfile.unlink()
        if done.returncode != 0:
            raise PgServerError(f"initdb exited {done.returncode}: {(done.stdout + done.stderr).strip()}")
        server.port = _free_port()
        server.configure()
        # The port is free when chosen, but another process may take it before the server binds: retry.
        for attempt in range(5):
            try:
                server.start()
                break
            except PgServerError:
                if "could not bind" not in server.log_tail() or attempt == 4:
                    raise
                server.port = _free_port()
                _set_port(server)
        with server.connect() as conn:
            conn.execute("SELECT 1")
        server.startup_seconds = time.monotonic() - started
        return server
    except BaseException as exc:
        tail = server.log_tail()
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        if isinstance(exc, PgServerError | OSError | subprocess.SubprocessError | psycopg.Error):
            raise PgServerError(f"{exc}\n--- server log (last lines) ---\n{tail}") from exc
        raise


def _set_port(server: PgServer) -> None:
    conf = server.data_dir / "postgresql.conf"
    text = conf.read_text(encoding="utf-8")
    with open(conf, "w", encoding="utf-8") as fh:  # truncating keeps the owner
        fh.write(re.sub(r"(?m)^port = \d+$", f"port = {server.port}", text))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The private PostgreSQL server of this test run (fails, never skips, when it cannot run)."""
    try:
        server = start_server()
    except PgServerError as exc:
        reason = str(exc)
    else:
        reason = ""
    if reason:  # outside the except block: the reason alone, not a chained traceback
        pytest.fail(f"private PostgreSQL server for the tests could not start: {reason}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh empty database on the private server: ``postgresql://USER:PASSWORD@127.0.0.1:PORT/DBNAME``."""
    name = pg_server.create_database()
    try:
        yield pg_server.url(name)
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def make_role(pg_server: PgServer, pg_url: str) -> Iterator[Callable[..., str]]:
    """``make_role(name, password, grants=[...])`` → the role's URL for the test's database (``pg_url``'s, unless
    ``database=`` names another); the roles are dropped after the test, before its database."""
    default_db = psycopg.conninfo.conninfo_to_dict(pg_url)["dbname"]
    made: dict[str, set[str]] = {}

    def make(
        name: str,
        password: str,
        *,
        database: str | None = None,
        attributes: Sequence[str] = (),
        grants: Sequence[str] = (),
    ) -> str:
        db = database or str(default_db)
        made.setdefault(name, set()).add(db)
        return pg_server.make_role(name, password, db, attributes=attributes, grants=grants)

    try:
        yield make
    finally:
        for name, databases in made.items():
            pg_server.drop_role(name, sorted(databases))
