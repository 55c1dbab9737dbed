"""Start-up: migrate, make sure reference data and a first admin exist, optionally seed the demo center."""
from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine, select, text

from db import migrate
from db.engine import get_engine, get_owner_engine, unit_of_work
from db.models import AppState, User
from db.outbox import without_events
from portal.access.passwords import MAX_LENGTH, MIN_LENGTH, password_problem
from portal.access.users import PASSWORD_MESSAGES, generate_password
from portal.center.reference import ensure_reference_data
from portal.center.workdays import ensure_calendar
from portal.center_time import today as center_today
from portal.config import StartupRefused, get_settings
from portal.retailers.rollups import bring_up_to_date

log = logging.getLogger(__name__)
PREPARE_LOCK = 72_105_002
ADMIN_LOGIN = "admin"


def check_admin_password(password: str | None) -> None:
    """Refuse a PORTAL_ADMIN_PASSWORD that the password policy (portal.access.passwords) would refuse anywhere else: the
    first admin's password is set from it, and every other way of setting a password checks the policy."""
    problem = None if password is None else password_problem(password, login=ADMIN_LOGIN)
    if problem is not None:
        rule = PASSWORD_MESSAGES[problem].format(min=MIN_LENGTH, max=MAX_LENGTH).removeprefix("Password: ")
        raise StartupRefused(
            f"PORTAL_ADMIN_PASSWORD is refused: {rule} The first admin's password follows the same rules as every "
            f"password ({MIN_LENGTH}–{MAX_LENGTH} characters, not the login name \"{ADMIN_LOGIN}\", not a common or "
            "easily guessed password). Set a stronger one, or leave it unset and a password is generated and "
            "printed once.")


def _ensure_first_admin(session, password: str | None) -> str | None:
    """Create the `admin` account when no admin exists; returns the password if it was generated."""
    if session.scalar(select(User.id).where(User.roles.contains(["admin"])).limit(1)) is not None:
        return None
    from portal.access.auth import hash_password

    generated = None if password else generate_password()
    session.add(User(login=ADMIN_LOGIN, name="Administrator", staff_id="A0001", roles=["admin"],
                     password_hash=hash_password(password or generated), language=get_settings().default_language))
    return generated


def announce_password(password: str) -> None:
    bar = "=" * 72
    print(f"\n{bar}\n  First admin account created.  Login: {ADMIN_LOGIN}   Password: {password}\n"
          f"  It is shown only now: sign in and change it under Admin → Users.\n{bar}\n", flush=True)


def prepare(engine: Engine | None = None, *, demo: bool | None = None,
            announce: Callable[[str], None] = announce_password) -> Engine:
    """Make the database ready to serve: schema (migrated as the owner), reference data, calendar, first admin, demo
    data (written through `engine`, default the portal's own role); returns `engine`."""
    settings = get_settings()
    check_admin_password(settings.admin_password)  # before anything is changed
    engine = engine or get_engine()
    owner = get_owner_engine()
    migrate.upgrade(owner)  # as the owner; `engine` is the portal's own role
    if owner is not engine:
        owner.dispose()  # keep no idle owner connection in a serving process
    with engine.connect() as conn:  # one process at a time, so two starts create one admin
        conn.execute(text("select pg_advisory_lock(:k)"), {"k": PREPARE_LOCK})
        try:
            with unit_of_work(engine=engine) as session:
                ensure_reference_data(session)
                this_year = center_today().year
                ensure_calendar(session, years=[this_year, this_year + 1])
                bring_up_to_date(session)  # the retailer rollups' window: a first count here, not in a user's read
                generated = _ensure_first_admin(session, settings.admin_password)
            if generated:
                announce(generated)
            if settings.demo_data if demo is None else demo:
                seed_demo_once(engine)
        finally:
            conn.execute(text("select pg_advisory_unlock(:k)"), {"k": PREPARE_LOCK})
            conn.commit()
    return engine


def seed_demo_once(engine: Engine) -> bool:
    """Seed the demo center unless it was seeded before; returns whether it seeded now."""
    from portal.tools.demo import seed_demo

    with unit_of_work(engine=engine) as session:
        if session.get(AppState, "demo_seeded") is not None:
            return False
        seed_demo(without_events(session))  # its complaints' past assignments notify nobody
        session.add(AppState(key="demo_seeded", value={"on": center_today().isoformat()}))
    return True
