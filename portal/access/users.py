"""Staff accounts: create, change roles and department, deactivate, reset passwords (admin only)."""
from __future__ import annotations

import re
import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.models import ROLES, Department, SignInThrottle, User
from portal.access.auth import (
    CurrentUser,
    check_password_rules,
    close_other_sessions,
    hash_password,
    require,
    verify_password,
)
from portal.access.passwords import MAX_LENGTH, MIN_LENGTH
from portal.access.security_events import record
from portal.config import get_settings
from portal.errors import STALE, InputError, checked_text
from portal.i18n import LANGUAGES, N_, _

LOGIN_RE = re.compile(r"^[a-z0-9._-]{2,60}$")
EMAIL_RE = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$")
UNCHANGED = object()
PASSWORD_MESSAGES = {
    "too_short": N_("Password: at least {min} characters."),
    "too_long": N_("Password: at most {max} characters."),
    "login": N_("Password: it must not be the login name."),
    "common": N_("Password: this one is too common or too easy to guess; choose another."),
}


class UserInputError(InputError):
    """Bad input for a user account: `field` names the form field, the message says what is wrong."""


def generate_password() -> str:
    """A random password that passes the rules (for first admins and resets)."""
    while True:
        password = secrets.token_urlsafe(12)  # 16 characters
        if check_password_rules(password) is None:
            return password


def _check_password(password: str, login: str, field: str = "password") -> None:
    problem = check_password_rules(password, login)
    if problem:
        raise UserInputError(field, _(PASSWORD_MESSAGES[problem]).format(min=MIN_LENGTH, max=MAX_LENGTH))


def _sso_email(session: Session, value: str | None, user_id: int | None) -> str | None:
    address = (value or "").strip().lower()
    if not address:
        return None
    if len(address) > 254 or not EMAIL_RE.match(address):
        raise UserInputError("sso_email", _("Single sign-on address: enter a full e-mail address."))
    clash = session.scalar(select(User).where(User.sso_email == address, User.id != (user_id or -1)))
    if clash:
        raise UserInputError("sso_email", _("Single sign-on address “{email}” belongs to {name}.").format(
            email=address, name=clash.name))
    return address


MOBILE_RE = re.compile(r"^\+?[0-9]{5,20}$")


def _contact(email: str | None, mobile: str | None) -> tuple[str | None, str | None]:
    """The e-mail address and mobile number the notifications worker sends to, checked (empty: none)."""
    address = (email or "").strip().lower() or None
    if address is not None and (len(address) > 254 or not EMAIL_RE.match(address)):
        raise UserInputError("email", _("E-mail address: enter a full e-mail address, or leave it empty."))
    number = "".join((mobile or "").split()).replace("-", "") or None
    if number is not None and not MOBILE_RE.match(number):
        raise UserInputError("mobile", _("Mobile number: digits only (5–20, a leading + allowed), or leave it "
                                         "empty."))
    return address, number


def _validate(session: Session, *, login: str, name: str, staff_id: str, roles: list[str],
              password: str | None, department_id: int | None, language: str, user_id: int | None = None,
              current_department_id: int | None = None) -> None:
    if not LOGIN_RE.match(login):
        raise UserInputError("login", _("Login: use 2–60 lowercase letters, digits, dots, dashes or underscores."))
    checked_text(UserInputError, "name", name, label=_("Name"), limit=100, blank=_("Name is required."))
    checked_text(UserInputError, "staff_id", staff_id, label=_("Staff ID"), limit=20,
                 blank=_("Staff ID is required (it is shown to complainants)."))
    if language not in LANGUAGES:
        raise UserInputError("language", _("Language: choose one of the offered languages."))
    if department_id is not None and department_id != current_department_id:
        dept = session.get(Department, department_id)
        if dept is None or not dept.active:
            raise UserInputError("department_id", _("Department: choose an active department."))
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise UserInputError("roles", _("Unknown role: {roles}.").format(roles=", ".join(sorted(unknown))))
    if password is not None:
        _check_password(password, login)
    clash = session.scalar(select(User).where(User.login == login, User.id != (user_id or -1)))
    if clash:
        raise UserInputError("login", _("Login “{login}” is already taken.").format(login=login))
    clash = session.scalar(select(User).where(func.lower(User.staff_id) == staff_id.strip().lower(),
                                              User.id != (user_id or -1)))
    if clash:
        raise UserInputError("staff_id", _("Staff ID “{staff_id}” belongs to {name}.").format(
            staff_id=staff_id, name=clash.name))


def create_user(session: Session, *, actor: CurrentUser, login: str, name: str, staff_id: str,
                password: str, roles: list[str], department_id: int | None = None,
                language: str | None = None, sso_email: str | None = None, email: str | None = None,
                mobile: str | None = None) -> User:
    """Create a staff account (admin only); the language defaults to the installation's."""
    require(actor, "admin.manage")
    login = login.strip().lower()
    language = language or get_settings().default_language
    _validate(session, login=login, name=name, staff_id=staff_id, roles=roles, password=password,
              department_id=department_id, language=language)
    user = User(login=login, name=name.strip(), staff_id=staff_id.strip(), password_hash=hash_password(password),
                roles=sorted(set(roles)), department_id=department_id, language=language,
                sso_email=_sso_email(session, sso_email, None))
    user.email, user.mobile = _contact(email, mobile)
    session.add(user)
    session.flush()
    record(session, "role_change", login=login, user_id=user.id, actor_id=actor.id,
           detail=f"created; roles::{','.join(user.roles)}")
    return user


def update_user(session: Session, *, actor: CurrentUser, user_id: int, version: int, name: str,
                staff_id: str, roles: list[str], department_id: int | None, active: bool,
                language: str, sso_email: str | None | object = UNCHANGED, email: str | None | object = UNCHANGED,
                mobile: str | None | object = UNCHANGED) -> User:
    """Change a staff account; refused when someone saved it since `version` was read."""
    require(actor, "admin.manage")
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise UserInputError("user", _("That user no longer exists."))
    if user.version != version:
        raise UserInputError(STALE, _("Someone else changed this user meanwhile. Reload and try again."))
    _validate(session, login=user.login, name=name, staff_id=staff_id, roles=roles, password=None,
              department_id=department_id, language=language, user_id=user.id,
              current_department_id=user.department_id)
    if actor.id == user.id and (not active or "admin" not in roles):
        raise UserInputError("roles", _("You cannot remove your own admin role or deactivate yourself."))
    if sso_email is not UNCHANGED:
        user.sso_email = _sso_email(session, sso_email, user.id)
    if email is not UNCHANGED or mobile is not UNCHANGED:
        address, number = _contact(user.email if email is UNCHANGED else email,
                                   user.mobile if mobile is UNCHANGED else mobile)
        user.email, user.mobile = address, number
    before = (sorted(user.roles), user.active)
    user.name, user.staff_id, user.roles = name.strip(), staff_id.strip(), sorted(set(roles))
    user.department_id, user.active, user.language = department_id, active, language
    session.flush()
    changes = [] if before[0] == user.roles else [f"roles:{','.join(before[0])}:{','.join(user.roles)}"]
    if before[1] != user.active:
        changes.append("reactivated" if user.active else "deactivated")
    if changes:  # takes effect on the user's next action: roles and the active flag are read on every run
        record(session, "role_change", login=user.login, user_id=user.id, actor_id=actor.id, detail="; ".join(changes))
    return user


def list_users(session: Session, *, actor: CurrentUser) -> list[User]:
    """Every staff account, active first, by name (admin only: it shows last sign-ins)."""
    require(actor, "admin.manage")
    return list(session.scalars(select(User).order_by(User.active.desc(), User.name, User.login)))


def reset_password(session: Session, *, actor: CurrentUser, user_id: int, password: str) -> None:
    """Set a new password for a user (admin only); it also lifts a sign-in lock and signs out their browsers."""
    require(actor, "admin.manage")
    user = session.get(User, user_id)
    if user is None:
        raise UserInputError("user", _("That user no longer exists."))
    _check_password(password, user.login)
    user.password_hash = hash_password(password)
    session.execute(delete(SignInThrottle).where(SignInThrottle.login == user.login))
    if user.id != actor.id:  # an admin resetting their own password stays signed in here
        close_other_sessions(session, user.id)
    session.flush()
    record(session, "password_change", login=user.login, user_id=user.id, actor_id=actor.id, detail="reset")


def set_own_language(session: Session, *, actor: CurrentUser, language: str) -> None:
    """Any signed-in user may pick their own language (one of the offered ones)."""
    if language not in LANGUAGES:
        raise UserInputError("language", _("Language: choose one of the offered languages."))
    user = session.get(User, actor.id)
    if user is not None:
        user.language = language


def change_own_password(session: Session, *, actor: CurrentUser, current_password: str, new_password: str,
                        repeated: str, keep_token: str | None = None) -> int:
    """Any signed-in user may change their own password, giving the current one; every other browser signed in
    as them is signed out (the one holding `keep_token` stays). Returns how many sessions were closed."""
    user = session.get(User, actor.id)
    if user is None or not verify_password(user.password_hash, current_password):
        raise UserInputError("current", _("The current password is not right."))
    _check_password(new_password, user.login)
    if new_password != repeated:
        raise UserInputError("repeated", _("The two passwords differ."))
    user.password_hash = hash_password(new_password)
    closed = close_other_sessions(session, user.id, keep_token)
    session.flush()
    record(session, "password_change", login=user.login, user_id=user.id,
           detail=f"own; signed_out:{closed}")
    return closed
