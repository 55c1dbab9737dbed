"""Incident dashboard click-through: from a clicked mark of a chart to the incidents behind it — the bucket the
mark stands for, its days, the code behind a legend label, and the records-layer filters of the incidents grid.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from portal.dashboards.period import DAY, WEEK, DashboardFilter, buckets
from portal.i18n import _
from portal.records.filters import ANY_OF, BETWEEN, IS, Filter


def picked_day(value: Any, flt: DashboardFilter) -> date | None:
    """The bucket a clicked mark stands for. Vega reports a date field as epoch milliseconds of the browser's
    local midnight (or, depending on the version, an ISO text); take the filter's bucket nearest to it."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        value = value[0] if value else None
        if value is None:
            return None
    try:
        if isinstance(value, int | float):
            moment = datetime(1970, 1, 1) + timedelta(milliseconds=float(value))
        else:
            moment = pd.Timestamp(str(value)).tz_localize(None).to_pydatetime()
    except (ValueError, OverflowError, TypeError):
        return None
    starts = buckets(flt)
    if not starts:
        return None
    nearest = min(starts, key=lambda d: abs(datetime.combine(d, datetime.min.time()) - moment))
    if abs(datetime.combine(nearest, datetime.min.time()) - moment) > timedelta(days=1):
        return None
    return nearest


def bucket_days(flt: DashboardFilter, start: date) -> tuple[date, date]:
    """The days of the bucket starting `start`, cut to the filter's range."""
    if flt.grain == DAY:
        end = start
    elif flt.grain == WEEK:
        end = start + timedelta(days=6)
    else:
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return max(start, flt.start), min(end, flt.end)


def grid_filters(flt: DashboardFilter, *, day: date | None = None, started: bool = True, **equal: Any) -> list[Filter]:
    """Records-layer filters (portal.incidents.records.INCIDENTS) for the incidents behind a mark: started in the
    bucket starting `day` (else in the whole period; `started=False`: any time), in the filter's district, and
    each `field=value` of `equal` (a list: any of)."""
    filters = []
    if started:
        lo, hi = bucket_days(flt, day) if day is not None else (flt.start, flt.end)
        filters.append(Filter("started_at", BETWEEN, (lo.isoformat(), hi.isoformat())))
    if flt.district:
        filters.append(Filter("affected_districts", IS, flt.district))
    for name, value in equal.items():
        if isinstance(value, list | tuple):
            filters.append(Filter(name, ANY_OF, tuple(str(v) for v in value)))
        elif value is not None:
            filters.append(Filter(name, IS, str(value)))
    return filters


def code_of(labels: dict[Any, str], label: Any) -> Any:
    """The code whose translated label is `label` (a legend value a click reports), else None."""
    return next((code for code, text in labels.items() if _(text) == label), None)

