"""Security events (OWASP ASVS 7.1): sign-ins, failures, locks, sign-outs, refusals, role and password changes.

Written in the transaction of the action they describe (or a short one of their own); the table is append-only
(a trigger refuses UPDATE and DELETE). Admins read them on the "Security events" page
(portal/access/security_log.py)."""
from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from db.engine import unit_of_work
from db.models import SecurityEvent


def printable_login(login: object) -> str:
    """A typed login as it may be stored and shown: control characters (NUL) dropped, cut to 60 characters."""
    text = login if isinstance(login, str) else ""
    return "".join(ch for ch in text if ch.isprintable())[:60]


def record(session: Session, kind: str, *, login: str | None = None, user_id: int | None = None,
           actor_id: int | None = None, detail: str | None = None) -> None:
    """Append one event in `session`'s transaction."""
    session.execute(insert(SecurityEvent).values(kind=kind, login=printable_login(login) if login else None,
                                                 user_id=user_id, actor_id=actor_id, detail=detail))


def record_now(kind: str, **fields) -> None:
    """Append one event in a transaction of its own (for refusals, whose own transaction is rolled back)."""
    with unit_of_work() as session:
        record(session, kind, **fields)
