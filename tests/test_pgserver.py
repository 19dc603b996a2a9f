"""The private PostgreSQL server (tests/pgserver.py) is real: a server of its own, passwords enforced, one fresh
database per test, roles with only the privileges they are given."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.pgserver import PgServer


def test_it_is_a_real_postgresql_server(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT version()").fetchone()
    assert row is not None and "PostgreSQL" in row[0]


def test_a_wrong_password_is_refused(pg_url: str) -> None:
    wrong = make_conninfo(pg_url, password="not-the-password")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=10)


def test_no_password_is_refused_over_the_socket_too(pg_server: PgServer) -> None:
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(host=str(pg_server.socket_dir), port=pg_server.port, user=pg_server.user, dbname="postgres",
                        password="", connect_timeout=10)  # fmt: skip
    with psycopg.connect(host=str(pg_server.socket_dir), port=pg_server.port, user=pg_server.user,
                         password=pg_server.password, dbname="postgres") as conn:  # fmt: skip
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_each_pg_url_is_its_own_empty_database(pg_server: PgServer, pg_url: str) -> None:
    other = pg_server.create_database()
    try:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
            conn.execute("CREATE TABLE marker (x int)")
            here = conn.execute("SELECT current_database()").fetchone()
        with psycopg.connect(pg_server.url(other)) as conn:
            there = conn.execute("SELECT current_database()").fetchone()
            assert conn.execute("SELECT to_regclass('public.marker')").fetchone() == (None,)
    finally:
        pg_server.drop_database(other)
    assert here is not None and there is not None and here != there
    assert here[0] == conninfo_to_dict(pg_url)["dbname"]


def test_the_server_is_private(pg_server: PgServer, pg_url: str) -> None:
    info = conninfo_to_dict(pg_url)
    assert info["host"] == "127.0.0.1" and int(str(info["port"])) == pg_server.port != 5432
    with psycopg.connect(pg_url) as conn:
        data_dir = conn.execute("SHOW data_directory").fetchone()
        fsync = conn.execute("SHOW fsync").fetchone()
        listen = conn.execute("SHOW listen_addresses").fetchone()
    assert data_dir is not None and Path(data_dir[0]) == pg_server.data_dir
    assert pg_server.data_dir.is_relative_to(pg_server.root) and pg_server.root.name.startswith("sitlog-pg-")
    assert fsync == ("off",) and listen == ("127.0.0.1",)


def test_a_role_has_only_what_it_is_granted(make_role: Callable[..., str], pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE events (id int)")
        conn.execute("INSERT INTO events VALUES (1)")
    bare = make_role("sitlog_bare", "bare-secret")
    reader = make_role("sitlog_reader", "reader-secret",
                       grants=["GRANT SELECT ON events TO {role}"])  # fmt: skip
    with psycopg.connect(bare) as conn:  # PUBLIC may connect, but nothing more
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM events")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE mine (x int)")
    with psycopg.connect(reader) as conn:
        assert conn.execute("SELECT id FROM events").fetchall() == [(1,)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO events VALUES (2)")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(make_conninfo(reader, password="bare-secret"), connect_timeout=10)


def test_a_role_dropped_by_the_test_is_no_teardown_error(make_role: Callable[..., str], pg_server: PgServer,
                                                         pg_url: str) -> None:  # fmt: skip
    """A test may drop its role itself (its database's objects granted to it included); make_role's teardown
    then finds nothing left to drop, and says nothing."""
    database = str(conninfo_to_dict(pg_url)["dbname"])
    url = make_role("sitlog_gone", "gone-pw", grants=["GRANT CREATE ON SCHEMA public TO {role}"])
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE owned (x int)")
    pg_server.drop_role("sitlog_gone", [database])
    pg_server.drop_role("sitlog_gone", [database])
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'sitlog_gone'").fetchone() is None
        assert conn.execute("SELECT to_regclass('public.owned')").fetchone() == (None,)
