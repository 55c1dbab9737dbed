"""Users, password hashing, sign-in throttling, browser sessions, roles and permission checks.

Domain functions call `require(actor, PERMISSION)`; pages only decide what to show.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from db.engine import unit_of_work
from db.models import ROLES, SignInThrottle, User, UserSession
from portal.access.passwords import MAX_LENGTH as MAX_PASSWORD_LENGTH
from portal.access.passwords import password_problem
from portal.access.security_events import printable_login, record
from portal.center_time import utcnow
from portal.config import get_settings
from portal.i18n import N_

MAX_FAILURES = 5  # password verifications per login before it is locked (parallel tries included)
LOCK_MINUTES = 15
MAX_LOGIN_LENGTH = 60  # the column's size; longer is never a login
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")

ROLE_LABELS = {
    "agent": N_("Agent"),
    "handler": N_("Handler"),
    "supervisor": N_("Supervisor"),
    "training_coordinator": N_("Training coordinator"),
    "emergency_coordinator": N_("Emergency coordinator"),
    "viewer": N_("Viewer"),
    "admin": N_("Admin"),
    "reviewer": N_("Supervision reviewer"),
    "customer_manager": N_("Customer manager"),
}

# permission -> roles that hold it (admin is not a superuser for domain work: it administers)
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin.manage": frozenset({"admin"}),
    "retailers.view": frozenset(ROLES),
    "retailers.edit": frozenset({"supervisor", "admin"}),
    "records.undo_others": frozenset({"supervisor"}),  # undo someone else's bulk change or import (records layer)
    "retailers.view_phone": frozenset(set(ROLES) - {"viewer", "reviewer"}),
    "views.share": frozenset({"supervisor"}),  # saved grid views visible to everyone (records layer)
    "views.edit_shared": frozenset(set(ROLES) - {"viewer", "reviewer"}),  # update a shared view that is not locked
    "complaints.view": frozenset({"agent", "handler", "supervisor", "viewer"}),  # lists; rows as can_view allows
    "complaints.register": frozenset({"agent", "supervisor"}),
    "complaints.work": frozenset({"agent", "handler", "supervisor"}),
    "complaints.supervise": frozenset({"supervisor"}),
    "training.view": frozenset(ROLES),  # plans, rosters, coverage (phones masked for viewers)
    "training.manage": frozenset({"training_coordinator", "supervisor"}),
    "training.approve": frozenset({"supervisor"}),
    # sign-in and the absentees' calls: the training staff for every retailer, a customer manager (客户经理) for the
    # retailers they look after (portal/training/managers.py `require_in_care`)
    "training.check_in": frozenset({"training_coordinator", "supervisor", "customer_manager"}),
    "training.own_retailers": frozenset({"customer_manager"}),  # the page of their retailers' sign-in and absentees
    "incidents.run": frozenset({"emergency_coordinator"}),
    "incidents.view": frozenset(ROLES),
    "incidents.review": frozenset({"reviewer"}),  # the supervision center's review (督察考评中心), not coordinators
    "supply.request": frozenset({"agent", "emergency_coordinator", "supervisor"}),  # take down a retailer's request
    "dashboards.view": frozenset(ROLES),
    "automations.manage": frozenset({"supervisor", "admin"}),  # watched views (which tables: notifications/automations)
}


class PermissionDenied(Exception):
    """The signed-in user's roles do not allow this action."""


class SignInError(Exception):
    """Sign-in refused; the message is safe to show (it never says whether a login exists)."""


@dataclass(frozen=True)
class CurrentUser:
    """Who is acting: what every domain function receives as `actor`."""

    id: int | None  # None only for SYSTEM (command-line tools)
    login: str
    name: str
    staff_id: str
    roles: frozenset[str]
    department_id: int | None
    language: str

    @classmethod
    def of(cls, user: User) -> CurrentUser:
        return cls(user.id, user.login, user.name, user.staff_id, frozenset(user.roles),
                   user.department_id, user.language)


SYSTEM = CurrentUser(None, "system", "System", "-", frozenset(ROLES), None, "en")


def can(actor: CurrentUser | None, permission: str) -> bool:
    """Whether `actor` holds `permission` through any of their roles."""
    return actor is not None and bool(actor.roles & PERMISSIONS[permission])


def require(actor: CurrentUser | None, permission: str) -> None:
    """Raise PermissionDenied unless `actor` holds `permission`."""
    if not can(actor, permission):
        raise PermissionDenied(permission)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_rules(password: str, login: str = "") -> str | None:
    """A problem with a new password ("too_short", "too_long", "login", "common"), or None when acceptable."""
    return password_problem(password, login=login)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches (a missing hash is checked against a dummy one: the timing tells nothing)."""
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH or "\x00" in password:
        return False
    try:
        _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerifyMismatchError, InvalidHashError):
        return False
    return password_hash is not None


def _now() -> datetime:
    return utcnow()


def normal_login(login: object) -> str | None:
    """The login as stored (trimmed, lowercase), or None when it cannot be one (empty, too long, control chars)."""
    if not isinstance(login, str):
        return None
    login = login.strip().lower()
    if not login or len(login) > MAX_LOGIN_LENGTH or not login.isprintable():
        return None
    return login


def _stamp_sign_in(session: Session, user_id: int) -> None:
    """Record the sign-in time without bumping the row's version (an admin's open edit stays valid)."""
    session.execute(update(User).where(User.id == user_id).values(last_login_at=_now()),
                    execution_options={"synchronize_session": False})


# One atomic statement counts the attempt BEFORE the password is verified, so parallel tries cannot all pass the
# check (each gets its own number); an expired lock starts the count afresh.
_COUNT_ATTEMPT = text("""
    INSERT INTO sign_in_throttle AS t (login, failures) VALUES (:login, 1)
    ON CONFLICT (login) DO UPDATE SET
        failures = CASE WHEN t.locked_until <= now() THEN 1 ELSE t.failures + 1 END,
        locked_until = CASE WHEN t.locked_until <= now() THEN NULL ELSE t.locked_until END
    RETURNING failures, locked_until""")
_LOCK = text("UPDATE sign_in_throttle SET locked_until = now() + make_interval(mins => :minutes) "
             "WHERE login = :login AND locked_until IS NULL")


def _count_attempt(login: str) -> bool:
    """Count one attempt for `login` (committed at once); False when the login is locked or out of attempts."""
    with unit_of_work() as session:
        failures, locked_until = session.execute(_COUNT_ATTEMPT, {"login": login}).one()
        if locked_until is not None:
            record(session, "sign_in_failed", login=login, detail="locked")
            return False
        if failures > MAX_FAILURES:
            if session.execute(_LOCK, {"login": login, "minutes": LOCK_MINUTES}).rowcount:
                record(session, "locked", login=login, detail=f"minutes:{LOCK_MINUTES}")
            record(session, "sign_in_failed", login=login, detail="locked")
            return False
    return True


def sign_in(login: str, password: str) -> tuple[CurrentUser, str]:
    """Sign a user in: returns (user, session token) or raises SignInError("wrong"|"locked"|"inactive").

    Every attempt is counted before the password is checked, in its own committed transaction: at most
    MAX_FAILURES passwords are ever verified per login until a success or the lock's end.
    """
    name = normal_login(login)
    if name is None:  # refused before touching the throttle (its key is the column's 60 characters)
        with unit_of_work() as session:
            record(session, "sign_in_failed", login=printable_login(login) or None, detail="malformed_login")
        raise SignInError("wrong")
    if not _count_attempt(name):
        raise SignInError("locked")
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.login == name))
        ok = verify_password(user.password_hash if user else None, password)
        if not ok:
            failures = session.scalar(select(SignInThrottle.failures).where(SignInThrottle.login == name))
            record(session, "sign_in_failed", login=name, user_id=user.id if user else None, detail="wrong_password")
            if failures is not None and failures >= MAX_FAILURES:
                if session.execute(_LOCK, {"login": name, "minutes": LOCK_MINUTES}).rowcount:
                    record(session, "locked", login=name, user_id=user.id if user else None,
                           detail=f"minutes:{LOCK_MINUTES}")
                problem = "locked"
            else:
                problem = "wrong"
        else:
            session.execute(update(SignInThrottle).where(SignInThrottle.login == name)
                            .values(failures=0, locked_until=None))
            if not user.active:
                record(session, "sign_in_failed", login=name, user_id=user.id, detail="inactive")
                problem = "inactive"
            else:
                _stamp_sign_in(session, user.id)
                record(session, "sign_in", login=name, user_id=user.id, detail="password")
                current, token, problem = CurrentUser.of(user), open_session(session, user.id), None
    if problem:
        raise SignInError(problem)
    return current, token


def sso_domains() -> frozenset[str]:
    """The e-mail domains whose verified addresses may sign in through single sign-on (PORTAL_SSO_DOMAINS)."""
    return frozenset(get_settings().sso_domains)


def sign_in_verified(email: str, *, email_verified: bool) -> tuple[CurrentUser, str]:
    """Sign in the user an admin mapped to this single-sign-on address (users.sso_email).

    Refused unless the provider verified the address, its domain is in PORTAL_SSO_DOMAINS and exactly that
    address is on an active account: nothing is matched on the part before @ or on the login.
    Raises SignInError("unverified"|"domain"|"unknown"|"inactive")."""
    address = email.strip().lower() if isinstance(email, str) else ""
    domain = address.rpartition("@")[2] if "@" in address else ""
    with unit_of_work() as session:
        user = None
        if email_verified is not True:
            problem = "unverified"
        elif not domain or domain not in sso_domains():
            problem = "domain"
        else:
            user = session.scalar(select(User).where(User.sso_email == address))
            problem = "unknown" if user is None else None if user.active else "inactive"
        if problem:
            record(session, "sso_refused", login=address[:60] or None, user_id=user.id if user else None,
                   detail=problem)
        else:
            _stamp_sign_in(session, user.id)
            record(session, "sign_in", login=user.login, user_id=user.id, detail="sso")
            current, token = CurrentUser.of(user), open_session(session, user.id)
    if problem:
        raise SignInError(problem)
    return current, token


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user_id: int) -> str:
    """Start a browser session for a signed-in user; returns the token the cookie will hold."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=_token_hash(token), user_id=user_id))
    return token


_WHO = (User.id, User.login, User.name, User.staff_id, User.roles, User.department_id, User.language, User.active)


def session_user(session: Session, token: str | None, idle_minutes: int, *, user_id: int | None = None,
                 touch: bool = True) -> CurrentUser | None:
    """Who is acting now, read afresh from the database (roles, active flag, language) in one query by keys.

    With a cookie `token`: the session's user if the session is live, not idle too long and the account active
    (the session is touched when `touch`). Without one (command-line tools, tests that place a user): the
    active account `user_id`. None otherwise: the caller signs the browser out."""
    if token:
        token_hash = _token_hash(token)
        query = (select(*_WHO, UserSession.revoked_at, UserSession.last_seen_at)
                 .join(UserSession, UserSession.user_id == User.id).where(UserSession.token_hash == token_hash))
        row = session.execute(query if user_id is None else query.where(User.id == user_id)).first()
        if row is None or row.revoked_at is not None:
            return None
        browser = update(UserSession).where(UserSession.token_hash == token_hash)
        if _now() - row.last_seen_at > timedelta(minutes=idle_minutes) or not row.active:
            session.execute(browser.values(revoked_at=_now()))
            record(session, "session_ended", login=row.login, user_id=row.id,
                   detail="idle" if row.active else "deactivated")
            return None
        if touch:
            session.execute(browser.values(last_seen_at=_now()))
    else:
        row = session.execute(select(*_WHO).where(User.id == user_id)).first() if user_id is not None else None
        if row is None or not row.active:
            return None
    return CurrentUser(row.id, row.login, row.name, row.staff_id, frozenset(row.roles), row.department_id,
                       row.language)


def resume_session(session: Session, token: str, idle_minutes: int) -> CurrentUser | None:
    """The user behind a cookie token, if the session is live and not idle too long (then it is touched)."""
    return session_user(session, token, idle_minutes)


def close_session(session: Session, token: str) -> None:
    """Sign a browser session out (the cookie becomes worthless)."""
    row = session.get(UserSession, _token_hash(token)) if token else None
    if row is not None and row.revoked_at is None:
        row.revoked_at = _now()
        record(session, "sign_out", user_id=row.user_id)


def close_other_sessions(session: Session, user_id: int, keep_token: str | None = None) -> int:
    """Sign a user out of every browser but the one holding `keep_token`; returns how many were closed."""
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if keep_token:
        query = query.where(UserSession.token_hash != _token_hash(keep_token))
    return session.execute(query.values(revoked_at=_now())).rowcount
