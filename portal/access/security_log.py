"""Reading the security events (portal/access/security_events.py writes them): their kinds and details in the
reader's language, and the admin's list."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from db.models import SECURITY_EVENT_KINDS, SecurityEvent, User
from portal.access.auth import ROLE_LABELS, CurrentUser, require
from portal.access.security_events import printable_login
from portal.i18n import N_, _

KIND_LABELS = {
    "sign_in": N_("Signed in"),
    "sign_in_failed": N_("Sign-in refused"),
    "locked": N_("Login locked"),
    "sign_out": N_("Signed out"),
    "session_ended": N_("Session ended"),
    "permission_denied": N_("Permission refused"),
    "role_change": N_("Roles or access changed"),
    "password_change": N_("Password changed"),
    "sso_refused": N_("Single sign-on refused"),
}
assert set(KIND_LABELS) == set(SECURITY_EVENT_KINDS)
# details are stored as codes ("wrong_password", "roles:agent:viewer", "page:admin.manage") and shown translated
DETAIL_LABELS = {
    "malformed_login": N_("unusable login (too long or control characters)"),
    "wrong_password": N_("wrong password"),
    "locked": N_("while the login was locked"),
    "inactive": N_("account deactivated"),
    "password": N_("with password"),
    "sso": N_("with single sign-on"),
    "idle": N_("idle too long"),
    "deactivated": N_("account deactivated"),
    "reactivated": N_("account reactivated"),
    "created": N_("account created"),
    "reset": N_("reset by an admin"),
    "own": N_("changed by the user"),
    "unverified": N_("address not verified by the provider"),
    "domain": N_("domain not allowed"),
    "unknown": N_("no account has this address"),
}
DETAIL_FORMATS = {
    "minutes": N_("for {0} minutes"),
    "roles": N_("roles {0} → {1}"),
    "signed_out": N_("{0} other sessions signed out"),
    "page": N_("page needs {0}"),
    "action": N_("action needs {0}"),
}


def describe(detail: str | None) -> str:
    """A stored detail in the reader's language (role codes as role names)."""
    def roles(codes: str) -> str:
        return ", ".join(_(ROLE_LABELS[c]) if c in ROLE_LABELS else c for c in codes.split(",") if c) or "—"

    parts = []
    for part in (detail or "").split("; "):
        code, _sep, rest = part.partition(":")
        if code in DETAIL_LABELS and not rest:
            parts.append(_(DETAIL_LABELS[code]))
        elif code in DETAIL_FORMATS:
            args = rest.split(":")
            args = [roles(a) for a in args] if code == "roles" else args
            parts.append(_(DETAIL_FORMATS[code]).format(*args))
        elif part:
            parts.append(part)
    return _("; ").join(parts)


@dataclass(frozen=True)
class EventRow:
    at: datetime
    kind: str
    login: str | None
    user_name: str | None
    actor_name: str | None
    detail: str | None


def list_events(session: Session, *, actor: CurrentUser, kind: str | None = None, login: str | None = None,
                limit: int = 500) -> list[EventRow]:
    """The newest events first (admin only), optionally of one kind or about one login."""
    require(actor, "admin.manage")
    subject, doer = aliased(User), aliased(User)
    query = (select(SecurityEvent.at, SecurityEvent.kind, SecurityEvent.login, subject.name, doer.name,
                    SecurityEvent.detail)
             .outerjoin(subject, subject.id == SecurityEvent.user_id)
             .outerjoin(doer, doer.id == SecurityEvent.actor_id)
             .order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc()).limit(limit))
    if kind in SECURITY_EVENT_KINDS:
        query = query.where(SecurityEvent.kind == kind)
    if login:
        query = query.where(SecurityEvent.login == printable_login(login).strip().lower())
    return [EventRow(*row) for row in session.execute(query)]
