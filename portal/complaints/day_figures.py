"""The complaint dashboard's stored day figures: complaint_dashboard_days (migration 0010), their refresh and the
dashboard figures read from them.

Each center day's figures that do not depend on "now", for the whole center (level 0), per handling department
(1) and per retailer district (2). Triggers drop a day's rows whenever one of its complaints is written (also a
retailer's district, the calendar); every read computes the days it lacks from the complaints in the same
statement (so it is exact at its snapshot), and the missing days are then stored under DAYS_LOCK, which the
triggers take shared: a day is never stored from a snapshot that misses a committed write. What changes with
the clock (a first reply or an answer overdue now) is counted live from the complaints not answered yet.
Readers who see every complaint get the figures of portal/complaints/dashboard.py from here (`_from_days`).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import and_, func, or_, select, text, tuple_
from sqlalchemy.orm import Session

from db.complaint_models import Complaint
from db.models import ComplaintCategory
from portal.access.auth import CurrentUser, require
from portal.center.sla import CENTER_TZ
from portal.complaints.cohort import (
    EPOCH,
    SATISFIED,
    VALID_STATES,
    VIEW,
    filled_buckets,
    group_label,
    localized_names,
    scope_conditions,
)
from portal.complaints.queries import visible_condition
from portal.dashboards.period import DashboardFilter, bucket, center_today

DAYS_LOCK = 7_007_001  # the advisory lock key of migration 0010
ALL, BY_DEPARTMENT, BY_DISTRICT = 0, 1, 2
DAY_COUNTS = ("complaints", "first_replied", "replied_in_time", "answered", "resolved_in_time", "followed_up",
              "surveyed", "satisfied", "reopened")
DAY_COLUMNS = ("day", "level", "key", *DAY_COUNTS, "handling", "handling_sum", "counts")
HORIZON = 366  # days after the period (or today) that answers may fall on, for the working-day ordinals


def _from_days(actor: CurrentUser, flt: DashboardFilter) -> bool:
    """Whether the day figures can answer: `actor` sees every complaint, and at most one of department and
    district is filtered (the rows are per department or per district, not per both)."""
    require(actor, VIEW)
    return visible_condition(actor) is None and not (flt.department_id is not None and flt.district)


def _level(flt: DashboardFilter) -> tuple[int, str]:
    if flt.department_id is not None:
        return BY_DEPARTMENT, str(flt.department_id)
    if flt.district:
        return BY_DISTRICT, flt.district
    return ALL, ""


def _ordinal_at(moment: str) -> str:
    """SQL: working days from the first day of `wd` to `moment`, a number of days since that day's midnight."""
    whole = f"floor({moment})::int"
    return f"(w.b[{whole} + 1] + (w.b[{whole} + 2] - w.b[{whole} + 1]) * ({moment} - floor({moment})))"


def _computed_days_sql() -> str:
    """SQL (CTEs `m` … `computed`): the day rows (DAY_COLUMNS) of the days in [:first, :last] that have no stored
    row, from the complaints received on them (a day without complaints gets one row of zeros)."""
    states = ", ".join(f"'{state}'" for state in VALID_STATES)
    satisfied = ", ".join(f"'{s}'" for s in SATISFIED)
    level = "CASE WHEN dept IS NOT NULL THEN 1 WHEN district IS NOT NULL THEN 2 ELSE 0 END"
    counts = ", ".join(["count(*)::int AS complaints"] + [f"(count(*) FILTER (WHERE {name}))::int AS {name}"
                                                          for name in DAY_COUNTS[1:]])
    local = "date_part('epoch', timezone(:zone, {})) / 86400.0 - :base"
    return f"""
    m AS (SELECT d::date AS day FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') d
          WHERE NOT EXISTS (SELECT 1 FROM complaint_dashboard_days x
                            WHERE x.zone = :zone AND x.day = d::date AND x.level = 0 AND x.key = '')),
    wd AS (SELECT array_agg(s.before ORDER BY s.day) AS b FROM (
             SELECT g.day, (sum(g.w) OVER (ORDER BY g.day) - g.w)::int AS before FROM (
               SELECT d::date AS day, coalesce(c.is_working_day, extract(isodow FROM d) < 6)::int AS w
               FROM generate_series(CAST(:first AS date), CAST(:horizon AS date), interval '1 day') AS d
               LEFT JOIN calendar_days c ON c.day = d::date) g) s),
    r AS MATERIALIZED (
      SELECT m.day, coalesce(c.department_id::text, '') AS dept, coalesce(t.district, '') AS district,
             c.category_id, c.grade, c.channel, nullif(btrim(c.root_cause), '') AS cause,
             c.first_replied_at IS NOT NULL AS first_replied,
             c.first_replied_at <= c.first_reply_due_at AS replied_in_time,
             c.replied_at IS NOT NULL AS answered,
             c.replied_at <= c.resolution_due_at AS resolved_in_time,
             c.replied_at IS NOT NULL AND c.followed_up_at >= c.replied_at AS followed_up,
             c.satisfaction IS NOT NULL AS surveyed,
             c.satisfaction IN ({satisfied}) AS satisfied,
             c.replied_at IS NOT NULL AND c.reopen_count > 0 AS reopened,
             {_ordinal_at('c.replied_day')} - {_ordinal_at('c.received_day')} AS handling
      FROM m CROSS JOIN wd w
      CROSS JOIN LATERAL (
        SELECT c.department_id, c.retailer_id, c.category_id, c.grade, c.channel, c.root_cause, c.first_replied_at,
               c.first_reply_due_at, c.replied_at, c.resolution_due_at, c.followed_up_at, c.satisfaction,
               c.reopen_count, {local.format('c.received_at')} AS received_day,
               {local.format('c.replied_at')} AS replied_day
        FROM complaints c
        WHERE c.received_at >= timezone(:zone, m.day::timestamp)
          AND c.received_at < timezone(:zone, (m.day + 1)::timestamp) AND c.state IN ({states})
        OFFSET 0) c
      LEFT JOIN retailers t ON t.id = c.retailer_id),
    q AS (SELECT day, {level} AS level, coalesce(dept, district, '') AS key, {counts},
                 coalesce(array_agg(handling ORDER BY handling) FILTER (WHERE handling IS NOT NULL),
                          '{{}}'::float8[]) AS handling,
                 coalesce(sum(handling), 0) AS handling_sum
          FROM r GROUP BY day, GROUPING SETS ((), (dept), (district))),
    k AS (SELECT day, {level} AS level, coalesce(dept, district, '') AS key, jsonb_object_agg(name, n) AS counts
          FROM (SELECT day, dept, district, name, count(*) AS n
                FROM r CROSS JOIN LATERAL (VALUES ('category:' || category_id), ('grade:' || grade),
                                                  ('channel:' || channel), ('cause:' || cause)) v(name)
                WHERE name IS NOT NULL
                GROUP BY day, name, GROUPING SETS ((), (dept), (district))) y
          GROUP BY 1, 2, 3),
    computed AS (
      SELECT q.*, coalesce(k.counts, '{{}}'::jsonb) AS counts FROM q LEFT JOIN k USING (day, level, key)
      UNION ALL
      SELECT m.day, 0, '', {", ".join("0" for _c in DAY_COUNTS)}, '{{}}'::float8[], 0, '{{}}'::jsonb
      FROM m WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.day = m.day))"""


def _day_params(first: date, last: date) -> dict[str, Any]:
    horizon = max(last, center_today()) + timedelta(days=HORIZON)
    return {"zone": str(CENTER_TZ), "first": first, "last": last, "horizon": horizon, "base": (first - EPOCH).days}


def _store_days(session: Session, first: date, last: date) -> None:
    """Store the day rows of [first, last] that are missing, under DAYS_LOCK (writers' triggers take it shared:
    the rows are computed from a snapshot taken after every earlier write committed, and no write can drop a day
    between computing and committing them)."""
    params = _day_params(first, last)
    stored = session.scalar(text(
        "SELECT count(*) FROM complaint_dashboard_days WHERE zone = :zone AND level = 0 AND key = '' "
        "AND day BETWEEN :first AND :last"), params)
    if stored < (last - first).days + 1:
        session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": DAYS_LOCK})
        columns = ", ".join(DAY_COLUMNS)
        session.execute(text(f"INSERT INTO complaint_dashboard_days (zone, {columns}) "
                             f"WITH {_computed_days_sql()} SELECT :zone, {columns} FROM computed "
                             "ON CONFLICT DO NOTHING"), params)


def store_day_figures(session: Session, first: date, last: date) -> None:
    """Work out and keep the day figures of [first, last] that are not kept yet (after a bulk load of complaints)."""
    _store_days(session, first, last)


def _days_cte(session: Session, first: date, last: date) -> str:
    """The CTEs ending in `days`: every day row of [first, last], stored (missing ones are stored first) or, if a
    write dropped them since, computed from the complaints in the same statement."""
    _store_days(session, first, last)
    columns = ", ".join(DAY_COLUMNS)
    return (f"WITH {_computed_days_sql()},\n days AS (SELECT {columns} FROM complaint_dashboard_days "
            f"WHERE zone = :zone AND day BETWEEN :first AND :last UNION ALL SELECT {columns} FROM computed)")


def _selected_days(session: Session, flt: DashboardFilter) -> tuple[str, dict[str, Any]]:
    """SQL of CTEs ending in `sel`: the filter's day rows (its period; the department's or district's rows)."""
    level, key = _level(flt)
    sql = _days_cte(session, flt.start, flt.end) + ",\n sel AS (SELECT * FROM days WHERE level = :level AND key = :key)"
    return sql, _day_params(flt.start, flt.end) | {"level": level, "key": key}


def _overdue(session: Session, *, actor: CurrentUser, flt: DashboardFilter, now: datetime) -> dict[Any, tuple]:
    """Per bucket (and None: the whole period): complaints whose first reply, and whose answer, is overdue now
    without having been made (a paused clock counts as at pausing) — read from the small unanswered index."""
    c = Complaint
    clock_now = func.coalesce(c.paused_since, now)
    b = bucket(c.received_at, flt.grain)
    n = func.count()
    stmt = (select(b.label("bucket"), func.grouping(b),
                   n.filter(and_(c.first_replied_at.is_(None), c.first_reply_due_at <= clock_now)),
                   n.filter(and_(c.replied_at.is_(None), c.resolution_due_at <= clock_now)))
            .where(*scope_conditions(actor, flt), or_(c.first_replied_at.is_(None), c.replied_at.is_(None)))
            .group_by(func.grouping_sets(tuple_(b), tuple_())))
    return {(None if g else day): (reply, answer) for day, g, reply, answer in session.execute(stmt)}


def _figures(row: dict[str, Any], overdue: tuple[int, int]) -> dict[str, Any]:
    """The figures of `trend`/`summary` from summed day counts and the overdue counts."""
    v = {name: int(row.get(name) or 0) for name in DAY_COUNTS}
    reply_due, resolution_due = v["first_replied"] + overdue[0], v["answered"] + overdue[1]

    def rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    handled = int(row.get("handled") or 0)
    return {
        "complaints": v["complaints"],
        "reply_due": reply_due, "replied_in_time": v["replied_in_time"],
        "reply_rate": rate(v["replied_in_time"], reply_due),
        "resolution_due": resolution_due, "resolved_in_time": v["resolved_in_time"],
        "on_time_rate": rate(v["resolved_in_time"], resolution_due),
        "answered": v["answered"],
        "avg_days": row["handling_sum"] / handled if handled else None,
        "p90_days": row.get("p90_days"),
        "followed_up": v["followed_up"], "follow_up_rate": rate(v["followed_up"], v["answered"]),
        "surveyed": v["surveyed"], "satisfied": v["satisfied"],
        "satisfaction_rate": rate(v["satisfied"], v["surveyed"]),
        "reopened": v["reopened"], "reopen_rate": rate(v["reopened"], v["answered"]),
    }


def trend_from_days(session: Session, *, actor: CurrentUser, flt: DashboardFilter, now: datetime,
                     per_bucket: bool = True, percentile: bool = True,
                     total_percentile: bool = True) -> tuple[pd.DataFrame, dict[str, Any]]:
    """trend_and_summary from the day figures (+ what is overdue now); without `total_percentile`, the whole
    period's p90_days is None (one sort of every answer less)."""
    sql, params = _selected_days(session, flt)
    session.execute(text("SET LOCAL work_mem = '32MB'"))  # the 90th percentile sorts a year of answers in memory
    b = "date_trunc(:grain, day::timestamp)::date"
    if per_bucket:
        key, group = f"{b} AS bucket, GROUPING({b}) AS g", f"GROUP BY GROUPING SETS (({b}), ())"
    else:
        key, group = "NULL::date AS bucket, 1 AS g", ""
    sums = ", ".join(f"sum({name}) AS {name}" for name in DAY_COUNTS)
    # percentiles bucket by bucket (each sorts its own answers; no sort of every answer by bucket first)
    p90_of = "(SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY h) FROM sel x, unnest(x.handling) h {})"
    parts = [f"SELECT NULL::date, 1, {p90_of.format('')}"] if total_percentile else []
    if per_bucket:
        in_bucket = p90_of.format("WHERE date_trunc(:grain, x.day::timestamp)::date = o.bucket")
        parts.append(f"SELECT bucket, 0, {in_bucket} FROM (SELECT DISTINCT {b} AS bucket FROM sel) o")
    p90 = f", p (bucket, g, p90_days) AS ({' UNION ALL '.join(parts)})" if percentile and parts else ""
    percentile = bool(p90)
    stmt = f"""{sql},
      s AS (SELECT {key}, {sums}, sum(handling_sum) AS handling_sum, sum(cardinality(handling)) AS handled
            FROM sel {group}){p90}
      SELECT s.*, {'p.p90_days' if percentile else 'NULL AS p90_days'} FROM s
      {'LEFT JOIN p ON p.g = s.g AND p.bucket IS NOT DISTINCT FROM s.bucket' if percentile else ''}
      ORDER BY s.bucket"""
    rows = [dict(r) for r in session.execute(text(stmt), params | {"grain": flt.grain}).mappings()]
    overdue = _overdue(session, actor=actor, flt=flt, now=now)
    total_row = next((r for r in rows if r["g"] == 1), {"handling_sum": 0})
    total = _figures(total_row, overdue.get(None, (0, 0)))
    buckets_ = [{"bucket": r["bucket"]} | _figures(r, overdue.get(r["bucket"], (0, 0)))
                for r in rows if per_bucket and r["g"] == 0 and (r["complaints"] or 0) > 0]
    return filled_buckets(flt, buckets_), total


def _dimension_key(dim: str, key: str) -> Any:
    if dim in ("category", "grade"):
        return int(key)
    return key


def counts_from_days(session: Session, *, actor: CurrentUser, flt: DashboardFilter,
                      dims: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """counts() from the day figures: categories per bucket and grade / channel from `counts`, departments from
    the per-department rows."""
    sql, params = _selected_days(session, flt)
    b = "date_trunc(:grain, day::timestamp)::date"
    stmt = f"""{sql}
      SELECT {b} AS bucket, GROUPING({b}) AS g, e.key, sum(e.value::int) AS n
      FROM sel, jsonb_each_text(sel.counts) e
      WHERE e.key LIKE 'category:%' OR e.key LIKE 'grade:%' OR e.key LIKE 'channel:%'
      GROUP BY GROUPING SETS (({b}, e.key), (e.key))"""
    rows = session.execute(text(stmt), params | {"grain": flt.grain}).all()
    split = [(day, g, *key.split(":", 1), n) for day, g, key, n in rows]
    volume_rows = [(day, int(k), int(n)) for day, g, dim, k, n in split if g == 0 and dim == "category"]
    frame = pd.DataFrame(sorted(volume_rows), columns=["bucket", "category_id", "complaints"])
    frame["category"] = frame["category_id"].map(localized_names(session, ComplaintCategory)).astype(str)
    frame["bucket"] = pd.to_datetime(frame["bucket"])
    out = {"volume": frame}
    for dim in dims:
        if dim == "department":
            dept = f"""{_days_cte(session, flt.start, flt.end)}
              SELECT key, sum(complaints) FROM days WHERE level = 1 AND (:key = '' OR key = :key)
              GROUP BY key HAVING sum(complaints) > 0"""
            found = [(int(k) if k else None, int(n)) for k, n in session.execute(
                text(dept), params | {"key": _level(flt)[1] if flt.department_id is not None else ""})]
        else:
            found = [(_dimension_key(dim, k), int(n)) for _day, g, d, k, n in split if g == 1 and d == dim]
        picked = sorted(found, key=lambda kn: (-kn[1], str(kn[0])))
        out[dim] = pd.DataFrame([(k, group_label(session, dim, k), n) for k, n in picked],
                                columns=["key", "label", "complaints"]).astype({"key": object})
    return out


def causes_from_days(session: Session, *, actor: CurrentUser, flt: DashboardFilter, limit: int) -> pd.DataFrame:
    sql, params = _selected_days(session, flt)
    stmt = f"""{sql},
      c AS (SELECT substr(e.key, 7) AS root_cause, sum(e.value::int)::int AS complaints
            FROM sel, jsonb_each_text(sel.counts) e WHERE e.key LIKE 'cause:%' GROUP BY 1)
      SELECT root_cause, complaints, sum(complaints) OVER ()::int FROM c
      ORDER BY complaints DESC, root_cause LIMIT :limit"""
    return pd.DataFrame(session.execute(text(stmt), params | {"limit": limit}).all(),
                        columns=["root_cause", "complaints", "all_with_cause"])


def district_counts_from_days(session: Session, flt: DashboardFilter) -> dict[str, int]:
    """Complaints of the period per retailer district, from the per-district day rows."""
    counted = (f"""{_days_cte(session, flt.start, flt.end)}
        SELECT key AS district, sum(complaints)::int AS complaints FROM days
        WHERE level = 2 AND key <> '' AND (CAST(:district AS text) IS NULL OR key = :district) GROUP BY key""")
    return dict(session.execute(text(counted), _day_params(flt.start, flt.end) | {"district": flt.district or None}
                                ).all())
