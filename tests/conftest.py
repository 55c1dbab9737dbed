"""One embedded PostgreSQL for the whole run; every test starts from a clean, migrated database."""
from __future__ import annotations

import atexit
import contextlib
import functools
import itertools
import os
import shutil
import tempfile
import time
from pathlib import Path

import argon2
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

TEST_PASSWORD = "correct-horse-battery"
_TMP = Path(tempfile.mkdtemp(prefix="portal-tests-"))
# also removed when no test used the database (the pytest-xdist controller imports this module and runs no tests)
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
# Settings are read from the environment: set them before any portal module reads them.
os.environ.update({
    "PORTAL_DATA_DIR": str(_TMP / "data"),
    "PORTAL_ADMIN_PASSWORD": TEST_PASSWORD,
    "PORTAL_DEMO_DATA": "false",
    "PORTAL_DEFAULT_LANGUAGE": "en",
})
# Empty rather than unset: load_dotenv(override=False) then cannot bring back a DATABASE_URL from a
# developer's .env, which would point the tests (and their TRUNCATE) at a real database.
os.environ["DATABASE_URL"] = ""
os.environ["DATABASE_OWNER_URL"] = ""


# Argon2 with the portal's own parameters (argon2-cffi's default, RFC 9106 low memory: 64 MiB, 3 passes, 4 lanes) takes
# 0.1-0.4 s per hash or check, and nearly every test hashes (the first admin, make_user) and signs in. In this process
# passwords are hashed with a cheap argon2id instead (1 MiB, 1 pass, 1 lane: about 2 ms); a hash names its parameters,
# so the portal servers and commands that tests start check these hashes as cheaply, and hash with the production
# parameters themselves. tests/access/test_password_hashing.py checks the production parameters.
TEST_ARGON2 = argon2.Parameters(type=argon2.Type.ID, version=19, salt_len=16, hash_len=32, time_cost=1,
                                memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Hash passwords with TEST_ARGON2 in this process; yields the portal's own (hasher, dummy hash)."""
    from portal.access import auth

    production = auth._hasher, auth._DUMMY_HASH
    auth._hasher = argon2.PasswordHasher.from_parameters(TEST_ARGON2)
    auth._DUMMY_HASH = auth._hasher.hash("not-a-real-password")
    yield production
    auth._hasher, auth._DUMMY_HASH = production


@pytest.fixture
def production_password_hashing(cheap_password_hashing, db, monkeypatch):
    """The portal's own Argon2 parameters in this test, the first admin's password hashed with them too: for a test
    whose point needs password checks to take their real time (parallel sign-ins)."""
    from portal.access import auth

    hasher, dummy = cheap_password_hashing
    monkeypatch.setattr(auth, "_hasher", hasher)
    monkeypatch.setattr(auth, "_DUMMY_HASH", dummy)
    with db.begin() as conn:
        conn.execute(text("UPDATE users SET password_hash = :h WHERE login = 'admin'"),
                     {"h": hasher.hash(TEST_PASSWORD)})


@pytest.fixture(scope="session")
def database_url() -> str:
    """The embedded server's URL for the portal's own role; exported as DATABASE_URL (and the owner's as
    DATABASE_OWNER_URL) so subprocesses and AppTest use them too."""
    from db.engine import database_url as resolve
    from db.engine import owner_database_url
    from portal.config import get_settings

    get_settings.cache_clear()
    url = resolve()
    os.environ["DATABASE_URL"], os.environ["DATABASE_OWNER_URL"] = url, owner_database_url()
    get_settings.cache_clear()
    yield url
    from db.embedded import stop_embedded
    from db.engine import reset_engines

    reset_engines()
    stop_embedded(_TMP / "data")  # before deleting its directory, or the server would outlive the run
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def engine(database_url):
    """The migrated database, connected as the owner of its schema (DDL, bulk seeding, resetting)."""
    from db import migrate
    from db.engine import get_owner_engine

    eng = get_owner_engine()
    _no_fsync(eng)
    migrate.upgrade(eng)
    return eng


def _no_fsync(engine) -> None:
    """The test run's throwaway server (a temporary data directory) does not fsync: every test truncates each table
    (new files for each, and their indexes) and commits often, 20-40 ms a test spent waiting on the disk. What
    queries see is unchanged; only a crash of the machine itself could lose data, and the data dir is deleted at the
    end anyway. (The outage tests stop the server with a fast shutdown, which writes everything out.)"""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if conn.scalar(text("select rolsuper from pg_roles where rolname = current_user")):  # the embedded server's
            conn.execute(text("ALTER SYSTEM SET fsync = off"))
            conn.execute(text("select pg_reload_conf()"))


@pytest.fixture(scope="session")
def app_engine(engine, database_url):
    """The same database as the portal's own role, which owns nothing (what the running portal uses)."""
    from db.engine import get_engine

    return get_engine(database_url)


# the job queue's waiting jobs too (a job left by one test must not run against the next test's data); not its
# registered workers (a browser test server's worker keeps beating)
JOB_QUEUE_TABLES = ("procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs")


def _truncate_all(engine) -> None:
    """Empty every table, history included: only the owner may, and only deliberately (db/roles.py)."""
    from db.roles import allow_history_reset
    from db.schema import Base

    names = ", ".join([f'"{t.name}"' for t in Base.metadata.sorted_tables] + list(JOB_QUEUE_TABLES))
    for attempt in range(5):  # a browser test's server may still be reading (a page part refreshing itself): the
        try:                  # truncation then deadlocks with it, PostgreSQL cancels one side, and this one retries
            with engine.begin() as conn:
                allow_history_reset(conn)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        except OperationalError as exc:
            if "deadlock detected" not in str(exc) or attempt == 4:
                raise
            time.sleep(0.2)


@functools.cache
def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from db import migrate

    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


@contextlib.contextmanager
def _upgrade_shortcut_at_head():
    """Within this block, `migrate.upgrade(engine)` of a schema already at the head revision does only what such an
    upgrade does to the database (db/roles.py's `protect`, under the migration lock), without Alembic reading every
    migration script again (30-90 ms, and `prepare` upgrades at every test's start). Any other upgrade is the real
    one."""
    from db import migrate, roles
    from db.engine import app_role_name

    real = migrate.upgrade

    def upgrade(engine, revision="head", **kw):
        if revision != "head" or kw:
            return real(engine, revision, **kw)
        with engine.begin() as conn:
            conn.execute(text("select pg_advisory_xact_lock(:k)"), {"k": migrate.MIGRATION_LOCK})
            if conn.scalars(text("select version_num from alembic_version")).all() == [_head_revision()]:
                roles.protect(conn, app_role_name())
                return None
        return real(engine, revision)

    migrate.upgrade = upgrade
    try:
        yield
    finally:
        migrate.upgrade = real


@pytest.fixture
def db(engine, app_engine):
    """A clean database with reference data, calendar and the first admin (password TEST_PASSWORD), as the
    portal's own role: every test through `db` checks that the portal's grants suffice."""
    from portal.bootstrap import prepare

    _truncate_all(engine)
    with _upgrade_shortcut_at_head():
        prepare(app_engine, demo=False, announce=lambda _pw: None)
    yield app_engine


@pytest.fixture
def owner_db(db, engine):
    """The clean database of `db`, connected as the owner: for bulk seeding (`python -m portal seed` does so)."""
    return engine


def pytest_collection_modifyitems(items):
    """Browser tests first (in their usual order, the rest after in theirs): they are the long ones (up to a minute),
    so pytest-xdist's workers end the run on short tests together instead of one waiting for the other's last long
    one."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)


_logins = itertools.count(1)


@pytest.fixture
def make_user(db):
    """Create a user with the given roles; returns their CurrentUser (password TEST_PASSWORD)."""
    from db.engine import unit_of_work
    from portal.access.auth import SYSTEM, CurrentUser
    from portal.access.users import create_user

    def make(*roles: str, login: str | None = None, department: str | None = None, **kw) -> CurrentUser:
        from sqlalchemy import select

        from db.models import Department

        n = next(_logins)
        login = login or f"{(roles or ('viewer',))[0].replace('_', '')}{n}"
        with unit_of_work(engine=db) as s:
            dept_id = s.scalar(select(Department.id).where(Department.code == department)) if department else None
            user = create_user(s, actor=SYSTEM, login=login, name=kw.pop("name", login.title()),
                               staff_id=kw.pop("staff_id", f"S{n:04d}"), password=TEST_PASSWORD,
                               roles=list(roles), department_id=dept_id, **kw)
            return CurrentUser.of(user)

    return make


@pytest.fixture
def admin(db):
    """The first admin account that start-up created."""
    from sqlalchemy import select

    from db.engine import unit_of_work
    from db.models import User
    from portal.access.auth import CurrentUser

    with unit_of_work(engine=db) as s:
        return CurrentUser.of(s.scalar(select(User).where(User.login == "admin")))


@pytest.fixture
def outage(engine):
    """A real database outage inside a test: `outage.begin()` stops the embedded PostgreSQL, `outage.end()` starts
    it again (and so does the end of the test)."""
    from tests.support.outage import Outage

    current = Outage()
    try:
        yield current
    finally:
        current.end()


# The fixtures of AppTest tests and browser tests (kept in tests/support/, imported last: they read TEST_PASSWORD
# from here). Tests live beside the area they test (tests/<area>/), whatever their kind.
from tests.support.app import (  # noqa: E402, F401
    english_in_the_test_thread,
    fresh_data_caches,
    pages_known_to_runs_of_parts,
    signed_in,
)
from tests.support.browser import (  # noqa: E402, F401
    base_url,
    browser,
    morning_server,
    morning_url,
    page,
    portal_mailbox,
    portal_server,
    pytest_runtest_makereport,
)
