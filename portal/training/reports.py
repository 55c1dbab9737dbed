"""Coverage this year (年覆盖率 ≥ 90% of active retailers), the untrained retailers, the retailer's training
record card (培训记录卡) and the monthly summary (培训记录汇总表). Aggregates are computed in SQL."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, any_, exists, func, literal_column, select, text, true
from sqlalchemy.orm import Session, aliased

from db.models import Retailer, User
from db.training_models import Evaluation, SignUp, TrainingCourse, TrainingSession
from portal.access.auth import CurrentUser, require
from portal.i18n import N_, _, fmt_datetime
from portal.records.filters import like_pattern
from portal.records.linked import opens
from portal.retailers.table import BUSINESS_TYPE_CHOICES
from portal.training.attendance import SCORES
from portal.training.evaluations import average, evaluation_totals
from portal.training.labels import FORMAT_LABELS, KIND_LABELS, SESSION_STATE_LABELS, SIGN_UP_STATE_LABELS
from portal.training.rules import VIEW, month_bounds, month_start, next_month, work_calendar, year_bounds

COVERAGE_TARGET = 0.90
SCORE_COLUMNS = (("score_content", N_("Content score")), ("score_trainer", N_("Trainer score")),
                 ("score_usefulness", N_("Usefulness score")))
DIMENSIONS = ("district", "business_type", "manager_id")


@dataclass(frozen=True)
class CoverageRow:
    """Active retailers of one group and how many of them attended a session this year."""

    key: str | int | None
    active: int
    trained: int

    @property
    def share(self) -> float | None:
        return self.trained / self.active if self.active else None

    @property
    def meets_target(self) -> bool:
        return self.active > 0 and self.trained >= COVERAGE_TARGET * self.active


@dataclass(frozen=True)
class CoverageReport:
    year: int
    total: CoverageRow
    by: dict[str, list[CoverageRow]]  # dimension -> rows, lowest share first


def _trained_this_year(year: int, until: datetime | None = None):
    """Retailer IN (those who attended a session that started in `year`, and before `until` when given): PostgreSQL
    builds that set once and hashes it (a correlated EXISTS probed the sign-ups once per retailer: seconds at
    200,000 retailers). The year's session ids come as one array, so the attendees are read from the partial index of
    attended sign-ups by session (ix_training_sign_ups_attended_session) alone: no scan of every sign-up, no join."""
    start, end = year_bounds(year)
    if until is not None:
        end = min(end, until)
    sessions = select(TrainingSession.id).where(TrainingSession.starts_at >= start, TrainingSession.starts_at < end)
    attended = select(SignUp.retailer_id).where(SignUp.attended,  # the index's own predicate (not `IS true`)
                                                SignUp.session_id == any_(func.array(sessions.scalar_subquery())))
    return Retailer.id.in_(attended)


def _attended_in(year: int):
    """EXISTS: the retailer attended a session that started in `year` (for the untrained list, where the planner
    probes only the filtered retailers, or walks licence numbers until a page is full)."""
    start, end = year_bounds(year)
    return exists(select(literal_column("1")).select_from(SignUp)
                  .join(TrainingSession, TrainingSession.id == SignUp.session_id)
                  .where(SignUp.retailer_id == Retailer.id, SignUp.attended.is_(True),
                         TrainingSession.starts_at >= start, TrainingSession.starts_at < end))


COVERAGE_LOCK = 7_007_002  # the advisory lock key of migration 0011, taken shared by every writer of what it reads
_CHANGES = text("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM training_coverage_changes")


def coverage_changes(session: Session) -> int:
    """How many writes to what the coverage report reads have been made so far (the sequence bumped by migration
    0011's triggers; it is not transactional, so it counts writes not committed yet, and rolled back, too).

    A report counted after this number was `settled` (see `settled_coverage_changes`) is still right as long as it
    stays the same: any write committed since bumped it."""
    return int(session.scalar(_CHANGES) or 0)


def settled_coverage_changes(session: Session) -> int | None:
    """The change counter while no writer is between bumping it and committing (their trigger holds the advisory
    lock shared until then), or None when one is, right now. A report counted in a later statement (or transaction)
    saw every write the number counts. Holds the lock exclusively until the transaction ends: end it at once (a
    writer waits meanwhile)."""
    if not session.scalar(select(func.pg_try_advisory_xact_lock(COVERAGE_LOCK))):
        return None
    return coverage_changes(session)


def coverage_report(session: Session, *, actor: CurrentUser, year: int, district: str | None = None,
                    until: datetime | None = None) -> CoverageReport:
    """Coverage overall and by district, business type and customer manager: one scan of the active retailers into
    (district, type, manager) cells, rolled up by GROUPING SETS.

    `district` limits it to that district's retailers; `until` counts sessions started before that moment only
    (year-to-date coverage at the end of a month, for its monthly summary).
    """
    require(actor, VIEW)
    cells = (select(Retailer.district, Retailer.business_type, Retailer.manager_id, func.count().label("active"),
                    func.count().filter(_trained_this_year(year, until)).label("trained"))
             .where(Retailer.status == "active", *([Retailer.district == district] if district else []))
             .group_by(Retailer.district, Retailer.business_type, Retailer.manager_id).subquery())
    stmt = (select(cells.c.district, cells.c.business_type, cells.c.manager_id,
                   func.grouping(cells.c.district, cells.c.business_type, cells.c.manager_id).label("g"),
                   func.sum(cells.c.active).label("active"), func.sum(cells.c.trained).label("trained"))
            .group_by(func.grouping_sets(cells.c.district, cells.c.business_type, cells.c.manager_id,
                                         literal_column("()"))))
    total = CoverageRow(None, 0, 0)
    by: dict[str, list[CoverageRow]] = {d: [] for d in DIMENSIONS}
    # grouping() bits: district 4, business type 2, manager 1 — the column grouped on is the 0 bit
    which = {3: "district", 5: "business_type", 6: "manager_id"}
    for row in session.execute(stmt).mappings():
        active, trained = int(row["active"] or 0), int(row["trained"] or 0)  # sum() of counts comes as numeric
        if row["g"] == 7:
            total = CoverageRow(None, active, trained)
        else:
            dim = which[row["g"]]
            by[dim].append(CoverageRow(row[dim], active, trained))
    for rows in by.values():
        rows.sort(key=lambda r: (r.share if r.share is not None else 2, str(r.key)))
    return CoverageReport(year, total, by)


@dataclass(frozen=True)
class RetailerFilter:
    """Which untrained retailers to list (all optional)."""

    district: str | None = None
    business_type: str | None = None
    manager_id: int | None = None
    star_rating: int | None = None
    search: str = ""


def _untrained(year: int, flt: RetailerFilter) -> Select:
    stmt = select(Retailer.id).where(Retailer.status == "active", ~_attended_in(year))
    if flt.district:
        stmt = stmt.where(Retailer.district == flt.district)
    if flt.business_type:
        stmt = stmt.where(Retailer.business_type == flt.business_type)
    if flt.manager_id:
        stmt = stmt.where(Retailer.manager_id == flt.manager_id)
    if flt.star_rating:
        stmt = stmt.where(Retailer.star_rating == flt.star_rating)
    for word in flt.search.split():
        pattern = like_pattern(word)
        stmt = stmt.where(Retailer.license_no.ilike(pattern, escape="\\") | Retailer.shop_name.ilike(
            pattern, escape="\\") | Retailer.owner_name.ilike(pattern, escape="\\"))
    return stmt


def untrained_retailers(session: Session, *, actor: CurrentUser, year: int, flt: RetailerFilter = RetailerFilter(),
                        limit: int = 100, offset: int = 0, known_total: int | None = None) -> tuple[list[dict], int]:
    """Active retailers with no attended session this year (a page of them, by licence number) and how many.

    `known_total`: how many there are, when the caller knows it (unfiltered, it is the coverage report's active minus
    trained), which spares counting a hundred thousand of them again."""
    require(actor, VIEW)
    base = _untrained(year, flt)
    total = known_total if known_total is not None else session.scalar(
        select(func.count()).select_from(base.subquery())) or 0
    manager = aliased(User)
    page = base.order_by(Retailer.license_no).limit(limit).offset(offset).subquery()
    rows = session.execute(select(Retailer.id, Retailer.license_no, Retailer.shop_name, Retailer.owner_name,
                                  Retailer.district, Retailer.business_type, Retailer.star_rating,
                                  manager.name.label("manager"))
                           .join(page, page.c.id == Retailer.id).outerjoin(manager, manager.id == Retailer.manager_id)
                           .order_by(Retailer.license_no)).mappings().all()
    return [dict(r) for r in rows], total


def untrained_ids(session: Session, *, actor: CurrentUser, year: int, flt: RetailerFilter, limit: int) -> list[int]:
    """The first `limit` untrained retailers' ids (a bulk sign-up from the filtered list)."""
    require(actor, VIEW)
    return list(session.scalars(_untrained(year, flt).order_by(Retailer.license_no).limit(limit)))


def _choice_label(value: str) -> str:
    return next((_(c.label) for c in BUSINESS_TYPE_CHOICES if c.value == value), value)


def business_type_label(value: str) -> str:
    """A business type's label in the reader's language."""
    return _choice_label(value)


def retailer_record_card(session: Session, actor: CurrentUser, retailer_id: int) -> list[dict[str, Any]]:
    """Every session a retailer signed up for: when, what, sign-up state, attendance and evaluation (newest first),
    each opening its session (linked.OPENS; `linked.shown_columns` drops it)."""
    require(actor, VIEW)
    avg = (Evaluation.score_content + Evaluation.score_trainer + Evaluation.score_usefulness) / 3.0
    rows = session.execute(
        select(TrainingSession.id.label("session_id"), TrainingSession.starts_at, TrainingSession.title,
               TrainingSession.format,
               TrainingSession.state.label("session_state"), SignUp.state,
               SignUp.waitlist_position, SignUp.attended, SignUp.absence_reason, avg.label("score"))
        .join(TrainingSession, TrainingSession.id == SignUp.session_id)
        .outerjoin(Evaluation, Evaluation.sign_up_id == SignUp.id)
        .where(SignUp.retailer_id == retailer_id)
        .order_by(TrainingSession.starts_at.desc(), SignUp.id.desc())).all()
    card = []
    for r in rows:
        state = sign_up_card_state(r.session_state, r.state, r.waitlist_position)
        attended = "—" if r.attended is None else _("Attended") if r.attended else _("Absent")
        if r.absence_reason:
            attended += f" ({r.absence_reason})"
        card.append({_("When"): fmt_datetime(r.starts_at), _("Session"): r.title,
                     _("Format"): _(FORMAT_LABELS[r.format]), _("Sign-up"): state, _("Attendance"): attended,
                     _("Evaluation"): f"{r.score:.1f} / 5" if r.score is not None else "—", **opens(r.session_id)})
    return card


def sign_up_card_state(session_state: str, state: str, waitlist_position: int | None) -> str:
    """What a record card says of one sign-up: a cancelled session is not a seat, nor is a waiting place at a
    session that has taken place."""
    if session_state == "cancelled" and state != "cancelled":
        return _("Session cancelled")
    if state == "waitlisted":
        if session_state == "held":
            return _("Waiting list closed")
        return f"{_(SIGN_UP_STATE_LABELS[state])} #{waitlist_position}"
    return _(SIGN_UP_STATE_LABELS[state])


def summary_due_date(session: Session, month: date) -> date:
    """The monthly summary is due the first working day of the next month."""
    return work_calendar(session).next_working_day(next_month(month_start(month)))


def monthly_summary(session: Session, *, actor: CurrentUser, month: date) -> list[dict]:
    """培训记录汇总表: one row per session of the month with sign-ups, attendance and evaluations."""
    require(actor, VIEW)
    start, end = month_bounds(month)
    trainer = aliased(User)
    of_month = select(TrainingSession.id).where(TrainingSession.starts_at >= start, TrainingSession.starts_at < end)
    su = (select(func.count().filter(SignUp.state == "signed_up").label("signed_up"),  # each session's own
                 func.count().filter(SignUp.state == "waitlisted").label("waitlisted"),  # sign-ups, read from their
                 func.count().filter(SignUp.attended.is_(True)).label("attended"),  # index (not every sign-up
                 func.count().filter(SignUp.attended.is_(False)).label("absent"))  # ever, grouped)
          .where(SignUp.session_id == TrainingSession.id).lateral("sign_up_counts"))
    ev = evaluation_totals(of_month)  # anonymous forms too
    rows = session.execute(
        select(TrainingSession, TrainingCourse.kind, trainer.name.label("trainer"), su,
               func.coalesce(ev.c.evaluated, 0).label("evaluated"), *(average(ev, n).label(n) for n in SCORES))
        .join(TrainingCourse, TrainingCourse.id == TrainingSession.course_id)
        .join(trainer, trainer.id == TrainingSession.trainer_id)
        .outerjoin(su, true())
        .outerjoin(ev, ev.c.session_id == TrainingSession.id)
        .where(and_(TrainingSession.starts_at >= start, TrainingSession.starts_at < end))
        .order_by(TrainingSession.starts_at, TrainingSession.id)).all()
    out = []
    for r in rows:
        ts, attended = r.TrainingSession, r.attended or 0
        out.append({
            _("Date"): fmt_datetime(ts.starts_at), _("Session"): ts.title, _("Kind"): _(KIND_LABELS[r.kind]),
            _("Format"): _(FORMAT_LABELS[ts.format]), _("Place"): ts.place, _("Trainer"): r.trainer,
            _("State"): _(SESSION_STATE_LABELS[ts.state]), _("Capacity"): ts.capacity,
            _("Signed up"): r.signed_up or 0, _("Waiting list"): r.waitlisted or 0, _("Attended"): attended,
            _("Absent"): r.absent or 0, _("Evaluations"): r.evaluated or 0,
            **{_(label): (round(float(getattr(r, n)), 2) if getattr(r, n) is not None else None)
               for n, label in SCORE_COLUMNS},
        })
    return out


def summary_file(rows: list[dict], fmt: str, sheet_title: str) -> bytes:
    """Rows of a table (the monthly summary, a month's needs) as CSV (UTF-8 with BOM, for Excel) or an XLSX workbook,
    the keys of the first row as its header; text cannot start a formula."""
    import csv
    import io

    from portal.records.exporting import neutralise, xlsx_row

    headers = list(rows[0]) if rows else []
    if fmt == "csv":
        cells = [[neutralise(v) if isinstance(v, str) else v for v in row.values()] for row in rows]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows(["" if v is None else v for v in row] for row in cells)
        return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title[:31])
    sheet.append(xlsx_row(sheet, headers))
    for row in rows:
        sheet.append(xlsx_row(sheet, list(row.values())))  # string cells: no formula, no apostrophe
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
