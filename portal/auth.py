"""Users, password hashing, sign-in throttling, browser sessions, roles and permission checks.

Domain functions call `require(actor, PERMISSION)`; pages only decide what to show.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.engine import unit_of_work
from db.models import ROLES, SignInThrottle, User, UserSession
from portal.i18n import N_

MAX_FAILURES = 5
LOCK_MINUTES = 15
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
}

# permission -> roles that hold it (admin is not a superuser for domain work: it administers)
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin.manage": frozenset({"admin"}),
    "retailers.view": frozenset(ROLES),
    "retailers.edit": frozenset({"supervisor", "admin"}),
    "retailers.view_phone": frozenset(set(ROLES) - {"viewer"}),
    "views.share": frozenset({"supervisor"}),  # saved grid views visible to everyone (records layer)
    "complaints.view": frozenset({"agent", "handler", "supervisor", "viewer"}),  # lists; rows as can_view allows
    "complaints.register": frozenset({"agent", "supervisor"}),
    "complaints.work": frozenset({"agent", "handler", "supervisor"}),
    "complaints.supervise": frozenset({"supervisor"}),
    "training.view": frozenset(ROLES),  # plans, rosters, coverage (phones masked for viewers)
    "training.manage": frozenset({"training_coordinator", "supervisor"}),
    "training.approve": frozenset({"supervisor"}),
    "incidents.run": frozenset({"emergency_coordinator"}),
    "incidents.view": frozenset(ROLES),
    "supply.approve": frozenset({"emergency_coordinator", "supervisor"}),
    "supply.request": frozenset({"agent", "emergency_coordinator", "supervisor"}),  # take down a retailer's request
    "dashboards.view": frozenset(ROLES),
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


def check_password_rules(password: str) -> str | None:
    """A problem with a new password, or None when it is acceptable."""
    if len(password) < 10:
        return "too_short"
    return None


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp_sign_in(session: Session, user_id: int) -> None:
    """Record the sign-in time without bumping the row's version (an admin's open edit stays valid)."""
    session.execute(update(User).where(User.id == user_id).values(last_login_at=_now()),
                    execution_options={"synchronize_session": False})


def _check_sign_in(session: Session, login: str, password: str) -> tuple[CurrentUser | None, str | None]:
    """Verify a password, counting failures per login name; returns (user, None) or (None, reason)."""
    login = login.strip().lower()
    throttle = session.get(SignInThrottle, login, with_for_update=True) if login else None
    if throttle and throttle.locked_until and throttle.locked_until > _now():
        return None, "locked"
    user = session.scalar(select(User).where(User.login == login)) if login else None
    try:  # verify against a dummy hash for unknown logins, so timing reveals nothing either
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        ok = user is not None
    except (VerifyMismatchError, InvalidHashError):
        ok = False
    if not ok:
        if not login:
            return None, "wrong"
        if throttle is None:
            throttle = SignInThrottle(login=login, failures=0)
            session.add(throttle)
        throttle.failures += 1
        if throttle.failures >= MAX_FAILURES:
            throttle.failures, throttle.locked_until = 0, _now() + timedelta(minutes=LOCK_MINUTES)
            return None, "locked"
        return None, "wrong"
    if throttle:
        throttle.failures, throttle.locked_until = 0, None
    if not user.active:
        return None, "inactive"
    _stamp_sign_in(session, user.id)
    return CurrentUser.of(user), None


def sign_in(login: str, password: str) -> tuple[CurrentUser, str]:
    """Sign a user in: returns (user, session token) or raises SignInError("wrong"|"locked"|"inactive").

    The failure count is committed before the error is raised, so throttling holds across attempts.
    """
    with unit_of_work() as session:
        user, problem = _check_sign_in(session, login, password)
        token = open_session(session, user.id) if user else ""
    if user is None:
        raise SignInError(problem)
    return user, token


def sign_in_verified(email: str) -> tuple[CurrentUser, str]:
    """Sign in a user whose identity a single-sign-on provider verified (st.login): the e-mail address,
    or its part before @, must be an active portal login. Raises SignInError("unknown"|"inactive")."""
    email = email.strip().lower()
    candidates = {email, email.split("@", 1)[0]} - {""}
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.login.in_(candidates)).order_by(User.login.desc()).limit(1))
        if user is None or not user.active:
            problem = "unknown" if user is None else "inactive"
        else:
            _stamp_sign_in(session, user.id)
            problem = None
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


def resume_session(session: Session, token: str, idle_minutes: int) -> CurrentUser | None:
    """The user behind a cookie token, if the session is live and not idle too long (then it is touched)."""
    row = session.get(UserSession, _token_hash(token)) if token else None
    if row is None or row.revoked_at is not None:
        return None
    if _now() - row.last_seen_at > timedelta(minutes=idle_minutes):
        row.revoked_at = _now()
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        row.revoked_at = _now()
        return None
    row.last_seen_at = _now()
    return CurrentUser.of(user)


def close_session(session: Session, token: str) -> None:
    """Sign a browser session out (the cookie becomes worthless)."""
    row = session.get(UserSession, _token_hash(token)) if token else None
    if row is not None and row.revoked_at is None:
        row.revoked_at = _now()
