"""History cannot be rewritten: the portal's database role may only add to the history tables, owns nothing and
cannot switch triggers off; even the owner cannot rewrite them by accident; deletes and flag changes are audited."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from db.engine import unit_of_work
from db.models import AuditLog, CalendarDay, ChangeSet
from db.roles import APP_ROLE, HISTORY_TABLES, allow_history_reset
from portal import incidents as ix
from tests.complaints.support import center_fixture  # noqa: F401  (the fixture)
from tests.incidents.support import NOW, command_fixture  # noqa: F401  (the fixture)

# What an attacker with the portal's connection would try on a history table (each alone, rolled back).
ATTACKS = {
    "update": "UPDATE {t} SET id = id + 1000000",
    "delete": "DELETE FROM {t}",
    "truncate": "TRUNCATE {t}",
    "truncate cascade": "TRUNCATE {t} CASCADE",
    "disable triggers": "ALTER TABLE {t} DISABLE TRIGGER ALL",
    "drop": "DROP TABLE {t}",
    "replica role": "SET session_replication_role = replica",
    "replica role, local": "SET LOCAL session_replication_role = replica",
    "take ownership": f"ALTER TABLE {{t}} OWNER TO {APP_ROLE}",
    "reset setting + truncate": "SET portal.reset_history = 'on'; TRUNCATE {t}",
}


def _refused(engine, sql: str) -> bool:
    with engine.connect() as conn:
        try:
            for statement in sql.split("; "):
                conn.execute(text(statement))
        except DBAPIError:
            return True
        finally:
            conn.rollback()
    return False


@pytest.fixture
def history(center, command, engine):
    """The portal's engine over a row in every history table (a complaint's events, an incident's log, audit rows,
    a change set)."""
    center.register()
    incident = command.open()
    command.run(command.coordinator, ix.add_entry, incident_id=incident.id, text="Route 01 cleared", now=NOW)
    with unit_of_work(engine=center.engine) as s:  # a bulk change's change set (portal/records/change_sets.py)
        s.add(ChangeSet(table_name="retailers", kind="bulk"))
    with engine.connect() as conn:
        for table in HISTORY_TABLES:
            assert conn.scalar(text(f"select count(*) from {table}")) > 0, table
    return center.engine


def test_the_portals_role_cannot_rewrite_any_history_table(history, engine):
    went_through = [f"{attack} on {table}" for table in HISTORY_TABLES for attack, sql in ATTACKS.items()
                    if not _refused(history, sql.format(t=table))]
    assert went_through == []


def test_the_portals_role_is_no_superuser_and_owns_nothing(history):
    with history.connect() as conn:
        assert conn.scalar(text("select current_user")) == APP_ROLE
        row = conn.execute(text("select rolsuper, rolcreaterole, rolcreatedb, rolbypassrls from pg_roles "
                                "where rolname = current_user")).one()
        assert not any(row)
        assert conn.scalar(text("select count(*) from pg_class where relowner = "
                                "(select oid from pg_roles where rolname = current_user)")) == 0
        assert conn.scalar(text("select count(*) from information_schema.table_privileges "
                                "where grantee = current_user and privilege_type = 'TRUNCATE'")) == 0
    assert _refused(history, "CREATE TABLE mine (id int)")


def test_the_portals_role_may_still_flag_an_incident_entry_but_not_change_what_it_says(history):
    with history.begin() as conn:
        conn.execute(text("UPDATE incident_timeline_entries SET significant = NOT significant"))
    assert _refused(history, "UPDATE incident_timeline_entries SET text = 'rewritten'")


def test_even_the_owner_cannot_rewrite_history_by_accident(history, engine):
    mistakes = ("TRUNCATE {t} CASCADE", "DELETE FROM {t}", "UPDATE {t} SET id = id + 1000000")
    went_through = [sql.format(t=table) for table in HISTORY_TABLES for sql in mistakes
                    if not _refused(engine, sql.format(t=table))]
    assert went_through == []


def test_only_the_owner_resets_history_and_only_on_purpose(history, engine):
    with engine.begin() as conn:
        allow_history_reset(conn)
        conn.execute(text("TRUNCATE audit_log"))
        assert conn.scalar(text("select count(*) from audit_log")) == 0


def test_tables_created_by_later_migrations_are_covered_by_the_rules(db, engine):
    """A table a later migration adds: default privileges give the portal SELECT and INSERT only; the grants that
    run after every upgrade then give it the domain rights — or, listed as history, guard it."""
    from db import roles

    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE later_domain (id serial primary key, v int)"))
        conn.execute(text("CREATE TABLE later_history (id serial primary key, v int)"))
    try:
        assert _refused(db, "UPDATE later_domain SET v = 1")
        with db.begin() as conn:
            conn.execute(text("INSERT INTO later_domain (v) VALUES (1)"))
        original = dict(roles.HISTORY_TABLES)
        roles.HISTORY_TABLES["later_history"] = ()
        try:
            with engine.begin() as conn:
                roles.protect(conn, APP_ROLE)
        finally:
            roles.HISTORY_TABLES.clear()
            roles.HISTORY_TABLES.update(original)
        with db.begin() as conn:
            conn.execute(text("UPDATE later_domain SET v = 2"))
            conn.execute(text("DELETE FROM later_domain"))
            conn.execute(text("INSERT INTO later_history (v) VALUES (1)"))
        for attack in ("UPDATE later_history SET v = 2", "DELETE FROM later_history", "TRUNCATE later_history"):
            assert _refused(db, attack), attack
        assert _refused(engine, "TRUNCATE later_history"), "the owner needs allow_history_reset"
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE later_domain, later_history"))


def test_deleting_a_saved_view_is_audited(db, make_user):
    from portal.records.view import ViewState
    from portal.records.views import delete_view, save_view
    from portal.retailers.table import RETAILERS

    user = make_user("supervisor")
    with unit_of_work(user.id, engine=db) as s:
        view = save_view(s, actor=user, spec=RETAILERS, name="Mine", state=ViewState())
    with unit_of_work(user.id, engine=db) as s:
        delete_view(s, actor=user, view_id=view.id)
    with unit_of_work(engine=db) as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.table_name == "saved_views",
                                                AuditLog.action == "delete")).all()
    assert {r.field: r.old_value for r in rows}["name"] == "Mine"
    assert {r.actor_id for r in rows} == {user.id} and all(r.new_value is None for r in rows)


def test_removing_a_calendar_override_is_audited_once(db, admin):
    from datetime import date

    from portal.center.workdays import set_calendar_day

    day = date(2030, 5, 6)  # a Monday
    with unit_of_work(admin.id, engine=db) as s:
        set_calendar_day(s, actor=admin, day=day, is_working_day=False, name="Extra day off")
    with unit_of_work(admin.id, engine=db) as s:
        set_calendar_day(s, actor=admin, day=day, is_working_day=None)
    with unit_of_work(engine=db) as s:
        assert s.get(CalendarDay, day) is None
        rows = s.scalars(select(AuditLog).where(AuditLog.table_name == "calendar_days",
                                                AuditLog.record_id == day.isoformat(),
                                                AuditLog.action == "delete")).all()
    assert {r.field: r.old_value for r in rows} == {"day": day.isoformat(), "is_working_day": "false",
                                                    "name": "Extra day off", "source": "admin"}
    assert {r.actor_id for r in rows} == {admin.id}


def test_flagging_an_incident_entry_is_audited_with_who_and_when(command):
    incident = command.open()
    entry = command.run(command.coordinator, ix.add_entry, incident_id=incident.id, text="Power back", now=NOW)
    with unit_of_work(engine=command.engine) as s:
        before = s.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
    for significant in (True, False):
        command.run(command.deputy, ix.flag_entry, entry_id=entry.id, significant=significant)
    with unit_of_work(engine=command.engine) as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.id > before, AuditLog.field == "significant")
                         .order_by(AuditLog.id)).all()
    assert [(r.table_name, r.record_id, r.action, r.old_value, r.new_value) for r in rows] == [
        ("incident_timeline_entries", str(entry.id), "update", "false", "true"),
        ("incident_timeline_entries", str(entry.id), "update", "true", "false")]
    assert all(r.actor_id == command.deputy.id and r.at is not None for r in rows)
