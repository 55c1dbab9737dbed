"""Each user's choice of channels besides the portal (always on): e-mail (each notice, or one digest a day at an
hour), text messages through the gateway to their mobile, and quiet hours in the center's time, which hold back all
but urgent notices (grade 1, severity 1-2) until they end. A user who chose nothing gets `DEFAULT`: e-mail, no
digest, no quiet hours."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import User
from db.notification_models import NotificationPreference
from portal.access.auth import CurrentUser, PermissionDenied
from portal.center_time import CENTER_TZ
from portal.config import get_settings
from portal.errors import STALE, InputError
from portal.i18n import _


@dataclass(frozen=True)
class Preferences:
    email: bool = True
    gateway: bool = False
    digest: bool = False
    digest_hour: int = 8
    quiet_from: time | None = None
    quiet_until: time | None = None
    version: int | None = None  # None: never saved (the defaults)

    @classmethod
    def of(cls, row: NotificationPreference | None) -> Preferences:
        if row is None:
            return DEFAULT
        return cls(row.email, row.gateway, row.digest, row.digest_hour, row.quiet_from, row.quiet_until, row.version)

    def quiet_end(self, now: datetime) -> datetime | None:
        """When the quiet hours that `now` falls in end (None: `now` is not in them), in the center's time."""
        if self.quiet_from is None or self.quiet_until is None:
            return None
        here = now.astimezone(CENTER_TZ)
        clock, start, end = here.time().replace(tzinfo=None), self.quiet_from, self.quiet_until
        overnight = start > end
        quiet = (start <= clock or clock < end) if overnight else (start <= clock < end)
        if not quiet:
            return None
        day = here.date() + timedelta(days=1) if overnight and clock >= start else here.date()
        return datetime.combine(day, end, CENTER_TZ)

    def digest_at(self, now: datetime) -> datetime:
        """The next digest time after `now` (the day's notices go out at `digest_hour`, center time)."""
        here = now.astimezone(CENTER_TZ)
        at = datetime.combine(here.date(), time(self.digest_hour), CENTER_TZ)
        return at if at > here else at + timedelta(days=1)


DEFAULT = Preferences()


def preferences_of(session: Session, user_ids) -> dict[int, Preferences]:
    """The preferences of `user_ids` (DEFAULT for those who chose nothing)."""
    ids = list(set(user_ids))
    rows = {r.user_id: r for r in session.scalars(select(NotificationPreference)
                                                   .where(NotificationPreference.user_id.in_(ids)))} if ids else {}
    return {u: Preferences.of(rows.get(u)) for u in ids}


def _me(session: Session, actor: CurrentUser | None) -> User:
    user = session.get(User, actor.id) if actor is not None and actor.id is not None else None
    if user is None:
        raise PermissionDenied("notifications.preferences")
    return user


def own_preferences(session: Session, *, actor: CurrentUser) -> tuple[Preferences, str | None, str | None]:
    """The actor's preferences, and the e-mail address and mobile number the portal has for them."""
    me = _me(session, actor)
    return Preferences.of(session.get(NotificationPreference, me.id)), me.email, me.mobile


def save_own_preferences(session: Session, *, actor: CurrentUser, version: int | None, email: bool, gateway: bool,
                         digest: bool, digest_hour: int, quiet_from: time | None,
                         quiet_until: time | None) -> Preferences:
    """Save the actor's own preferences, checked: each channel needs its address (and the gateway a configured
    gateway), a digest comes by e-mail, quiet hours have a start and a different end. `version` is the one read
    (None: never saved); a stale save is refused."""
    me = _me(session, actor)
    if email and not me.email:
        raise InputError("email", _("E-mail: the portal has no e-mail address for you. Ask an admin to add it, or "
                                    "leave e-mail off."))
    if gateway and not get_settings().gateway_url:
        raise InputError("gateway", _("Text messages: no message gateway is set up for this portal. Leave them off."))
    if gateway and not me.mobile:
        raise InputError("gateway", _("Text messages: the portal has no mobile number for you. Ask an admin to add "
                                      "it, or leave text messages off."))
    if digest and not email:
        raise InputError("digest", _("Daily digest: it comes by e-mail; turn e-mail on too."))
    if not 0 <= int(digest_hour) <= 23:
        raise InputError("digest_hour", _("Digest hour: choose an hour from 0 to 23."))
    if (quiet_from is None) != (quiet_until is None):
        raise InputError("quiet_from", _("Quiet hours: give both a start and an end, or neither."))
    if quiet_from is not None and quiet_from == quiet_until:
        raise InputError("quiet_until", _("Quiet hours: the end must differ from the start."))
    row = session.get(NotificationPreference, me.id, with_for_update=True)
    if (row.version if row is not None else None) != version:
        raise InputError(STALE, _("Your preferences were changed meanwhile (in another tab?). Reload and try again."))
    if row is None:
        row = NotificationPreference(user_id=me.id)
        session.add(row)
    row.email, row.gateway, row.digest, row.digest_hour = email, gateway, digest, int(digest_hour)
    row.quiet_from, row.quiet_until = quiet_from, quiet_until
    session.flush()
    return Preferences.of(row)
