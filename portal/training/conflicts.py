"""Two sessions at the same time: the same trainer is refused, the same place is a warning the planner may accept.

- **Trainer** (内训师): one person cannot teach in two places at once, so an overlapping session of the same trainer
  is refused, whatever its format. Checked under a transaction-level advisory lock per trainer, so two planners
  saving at the same moment cannot both book them.
- **Place**: the place is free text, and it often names a building or a hall rather than one room ("营销中心",
  "公司三楼"); a large hall takes a lecture and a small discussion group side by side, and two trainers may run an
  on-site session at one big store together. So a place already booked at that time (the same words, ignoring case
  and spacing) is said, naming the other session, and the session is saved only when the planner confirms that both
  fit (`SessionInput.share_place`).

Sessions count while they are not cancelled (a draft is a plan too); back-to-back sessions (one ends as the other
starts) do not overlap.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import User
from db.training_models import TrainingSession
from portal.i18n import _, fmt_datetime
from portal.inputs import DAY_RANGE, day_in_range, parse_int
from portal.training.rules import TrainingInputError

TRAINER_LOCK = 72_105_024  # pg_advisory_xact_lock(TRAINER_LOCK, trainer id): one booking of a trainer at a time
LONGEST = timedelta(hours=12)  # plan.MAX_SESSION_HOURS: bounds the search on the start-time index


class PlaceTaken(TrainingInputError):
    """The place is booked by another session at that time: saved only when the planner says both fit."""


def normal_place(place: str) -> str:
    """A place as compared: spacing collapsed, case folded."""
    return " ".join((place or "").split()).casefold()


def _place_sql():
    return func.lower(func.regexp_replace(func.btrim(TrainingSession.place), "[[:space:]]+", " ", "g"))


def _overlapping(starts_at: datetime, ends_at: datetime, exclude_id: int | None):
    """Sessions not cancelled that overlap [starts_at, ends_at), other than `exclude_id`, by start; a time outside
    portal.inputs.DAY_RANGE is refused (TrainingInputError "starts_at")."""
    if not (day_in_range(starts_at.date()) and day_in_range(ends_at.date())):
        raise TrainingInputError("starts_at", _("Enter a date from {first} to {last}.").format(
            first=DAY_RANGE[0], last=DAY_RANGE[1]))
    stmt = (select(TrainingSession.id, TrainingSession.title, TrainingSession.starts_at, TrainingSession.ends_at,
                   TrainingSession.place)
            .where(TrainingSession.state != "cancelled", TrainingSession.starts_at < ends_at,
                   TrainingSession.starts_at > starts_at - LONGEST, TrainingSession.ends_at > starts_at)
            .order_by(TrainingSession.starts_at, TrainingSession.id))
    return stmt if exclude_id is None else stmt.where(TrainingSession.id != exclude_id)


def _when(row) -> str:
    return _("{start} to {end}").format(start=fmt_datetime(row.starts_at), end=fmt_datetime(row.ends_at))


def check_trainer(session: Session, *, trainer_id: int, starts_at: datetime, ends_at: datetime,
                  exclude_id: int | None = None) -> None:
    """Refuse (field "trainer_id") when the trainer already has a session overlapping this one."""
    if parse_int(str(trainer_id)) is None:  # (the lock takes a 4-byte key; no user has another id)
        raise TrainingInputError("trainer_id", _("Trainer: choose a member of staff."))
    session.execute(select(func.pg_advisory_xact_lock(TRAINER_LOCK, trainer_id)))
    clash = session.execute(_overlapping(starts_at, ends_at, exclude_id)
                            .where(TrainingSession.trainer_id == trainer_id).limit(1)).first()
    if clash is not None:
        name = session.scalar(select(User.name).where(User.id == trainer_id))
        raise TrainingInputError("trainer_id", _("Trainer: {name} already trains “{title}” from {when}. Choose "
                                                 "another trainer or another time.").format(
            name=name, title=clash.title, when=_when(clash)))


def check_place(session: Session, *, place: str, starts_at: datetime, ends_at: datetime, shared: bool,
                exclude_id: int | None = None) -> None:
    """Unless `shared`, PlaceTaken (field "place") when another session is booked at the same place at that time."""
    if shared:
        return
    clash = session.execute(_overlapping(starts_at, ends_at, exclude_id)
                            .where(_place_sql() == normal_place(place)).limit(1)).first()
    if clash is not None:
        raise PlaceTaken("place", _("Place: “{place}” is booked for “{title}” from {when}. If both fit (a hall "
                                    "with room for both groups), tick “Both fit in this place” and save again; "
                                    "otherwise choose another place or time.").format(
            place=clash.place, title=clash.title, when=_when(clash)))
