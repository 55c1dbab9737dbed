"""Who may do what in the database: the portal runs as a role that owns nothing and cannot rewrite history.

Two roles (README, "Settings"):
- the **owner** owns the schema; migrations, bulk loads (`seed`) and maintenance (VACUUM) run as it;
- the portal's **app role** (`DATABASE_URL`) reads and writes the domain tables, may only add rows to the history
  tables (`HISTORY_TABLES`: SELECT and INSERT), has no TRUNCATE anywhere, owns nothing, and — not being a
  superuser — cannot switch triggers off (`session_replication_role`, `ALTER TABLE … DISABLE TRIGGER`).

The embedded server creates the app role (`ensure_app_role`, role `APP_ROLE`); with an external server the
administrator creates both roles and gives both URLs. `protect` runs after every migration (db/migrate.py) and
grants by these rules to every table that exists then, so tables added by later migrations are covered (a new
append-only table: add its name to `HISTORY_TABLES`). It also gives each history table the triggers that refuse
UPDATE, DELETE and TRUNCATE, so not even the owner rewrites history by accident. Only the owner may empty them on
purpose, with `allow_history_reset` in its transaction (the test suite does, between tests).
"""
from __future__ import annotations

import logging

from sqlalchemy import Connection, create_engine, make_url, pool, text

from db.embedded import DatabaseStartError

log = logging.getLogger(__name__)

APP_ROLE = "portal_app"  # the embedded server's login for the portal
# Append-only tables → the columns the portal may still change (a judgement about a row, not what it says).
HISTORY_TABLES: dict[str, tuple[str, ...]] = {
    "audit_log": (),
    "change_sets": ("records", "done_at"),  # how many records it changed, and when it was done
    "complaint_events": (),
    "incident_timeline_entries": ("significant", "flagged_by_id"),
    "security_events": (),
}
NOT_FOR_THE_APP = frozenset({"alembic_version"})  # the migrations' own bookkeeping
DOMAIN_PRIVILEGES = ("DELETE", "INSERT", "SELECT", "UPDATE")
HISTORY_PRIVILEGES = ("INSERT", "SELECT")
GUARD_FUNCTION = "portal_history_guard"
RESET_SETTING = "portal.reset_history"
ROLE_LOCK = 72_105_003  # two processes starting on one embedded server create the role once


def allow_history_reset(conn: Connection) -> None:
    """In this transaction, let the owner TRUNCATE history tables (tests resetting the database; nothing else)."""
    conn.execute(text(f"SET LOCAL {RESET_SETTING} = 'on'"))


def ensure_app_role(owner_url: str, role: str = APP_ROLE) -> str:
    """Create the portal's login role on the embedded server (as its superuser) if missing; returns its URL."""
    engine = create_engine(owner_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("select pg_advisory_xact_lock(:k)"), {"k": ROLE_LOCK})
            if conn.scalar(text("select 1 from pg_roles where rolname = :r"), {"r": role}) is None:
                conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION '
                                  "NOBYPASSRLS NOINHERIT"))
                log.info("Created the database role %s for the portal.", role)
    finally:
        engine.dispose()
    return make_url(owner_url).set(username=role, password=None).render_as_string(hide_password=False)


def _guard_history(conn: Connection) -> None:
    """Each history table refuses UPDATE and DELETE (but of its allowed columns) and TRUNCATE, by trigger."""
    if conn.scalar(text("select to_regproc(:f)"), {"f": GUARD_FUNCTION}) is None:
        return  # the schema is older than the guard (migration 0014)
    for table, columns in HISTORY_TABLES.items():
        if conn.scalar(text("select to_regclass(:t)"), {"t": table}) is None:
            continue
        allowed = ", ".join(f"'{c}'" for c in columns)
        conn.execute(text(f"CREATE OR REPLACE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON {table} "
                          f"FOR EACH ROW EXECUTE FUNCTION {GUARD_FUNCTION}({allowed})"))
        conn.execute(text(f"CREATE OR REPLACE TRIGGER history_no_truncate BEFORE TRUNCATE ON {table} "
                          f"FOR EACH STATEMENT EXECUTE FUNCTION {GUARD_FUNCTION}()"))


def _grant(conn: Connection, role: str) -> None:
    """Bring the app role's privileges to the rules, table by table (a no-op when they are right already)."""
    r = f'"{role}"'
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {r}"))
    conn.execute(text(f"REVOKE CREATE ON SCHEMA public FROM {r}"))
    # tables that later migrations create: until the next `protect`, the app may only read and add rows
    conn.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO {r}"))
    conn.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {r}"))
    rows = conn.execute(text(
        "select c.relname, coalesce((select array_agg(a.privilege_type::text order by a.privilege_type) "
        "                            from aclexplode(c.relacl) a where a.grantee = r.oid), '{}') "
        "from pg_class c, pg_roles r "
        "where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm') and r.rolname = :r"),
        {"r": role}).all()
    for table, privileges in rows:
        wanted = (() if table in NOT_FOR_THE_APP
                  else HISTORY_PRIVILEGES if table in HISTORY_TABLES else DOMAIN_PRIVILEGES)
        if tuple(privileges) != wanted:
            conn.execute(text(f'REVOKE ALL ON "{table}" FROM {r}'))
            if wanted:
                conn.execute(text(f'GRANT {", ".join(wanted)} ON "{table}" TO {r}'))
        columns = HISTORY_TABLES.get(table)
        if columns:
            conn.execute(text(f'GRANT UPDATE ({", ".join(columns)}) ON "{table}" TO {r}'))
    missing = conn.scalars(text(  # materialized: has_sequence_privilege only ever sees sequences
        "with s as materialized (select oid, relname from pg_class "
        "                        where relnamespace = 'public'::regnamespace and relkind = 'S') "
        "select relname from s where not has_sequence_privilege(:r, s.oid, 'USAGE')"), {"r": role}).all()
    for sequence in missing:
        conn.execute(text(f'GRANT USAGE, SELECT ON SEQUENCE "{sequence}" TO {r}'))


def _warn_if_powerful(conn: Connection, role: str) -> None:
    row = conn.execute(text(
        "select rolsuper or rolbypassrls, "
        "       (select count(*) from pg_class where relowner = r.oid and relnamespace = 'public'::regnamespace) "
        "from pg_roles r where rolname = :r"), {"r": role}).one_or_none()
    if row is None:
        raise DatabaseStartError(f"The database role {role} (the user of DATABASE_URL) does not exist.")
    if row[0] or row[1]:
        log.warning("The portal's database role %s %s: history can then be rewritten. Give it a role that owns "
                    "nothing (README, Settings).", role, "is a superuser" if row[0] else f"owns {row[1]} tables")


def protect(conn: Connection, app_role: str | None) -> None:
    """After migrating (as the owner): guard the history tables and grant `app_role` what the rules allow.

    `app_role` None, or the owner itself (one URL for both), only guards: the portal then works as the owner.
    """
    _guard_history(conn)
    if app_role is None or app_role == conn.scalar(text("select current_user")):
        return
    _warn_if_powerful(conn, app_role)
    _grant(conn, app_role)
