"""Incident dashboard: incidents by type and severity, time to respond and to resolve, open incidents now,
retailers affected and service suspensions. Period and district live in the URL; a click on a bar opens the
incidents behind it in the incidents grid."""
import streamlit as st

from db.engine import unit_of_work
from db.incident_models import ACTIVE_STATUSES
from portal.dashboards.period import DashboardFilter, center_today
from portal.dashboards.report import format_change, format_value
from portal.i18n import _
from portal.incidents import charts, clicks
from portal.incidents import dashboard as dash
from portal.incidents.labels import SCOPE_LABELS, SEVERITY_LABELS, STATUS_LABELS, STEP_LABELS, TYPE_LABELS
from portal.records.filters import Filter
from portal.ui.dashboard import chart_card, dashboard_filters, figure_row, grid_link
from portal.ui.session import page_user

GRID = "pages/incidents.py"
NEWEST_FIRST = (("started_at", True),)

user = page_user("incidents.view")
head, board = st.columns([3, 1], vertical_alignment="bottom")
head.title(_("Incident dashboard"))
board.page_link("pages/incident_board.py", label=_("Incident board"), icon=":material/emergency:")
flt = dashboard_filters(user, departments=False)
today = DashboardFilter(start=center_today(), end=center_today(), district=flt.district)  # "open now" is today

with unit_of_work(user.id) as s:
    figures = dash.headline(s, actor=user, flt=flt)
    types = dash.by_type(s, actor=user, flt=flt)
    severities = dash.by_severity(s, actor=user, flt=flt)
    times = dash.response_times(s, actor=user, flt=flt)
    open_now = dash.open_now(s, actor=user, flt=flt)
    retailers = dash.retailers_by_month(s, actor=user, flt=flt)
    suspended = dash.suspensions(s, actor=user, flt=flt)


def _delta(figure) -> str | None:
    change = format_change(figure)
    return None if figure.previous is None or change == "—" else _("{change} vs previous period").format(
        change=change)


figure_row([(f.label, format_value(f.kind, f.value), _delta(f)) for f in figures])
st.caption(_(dash.RESPONSE_DEFINITION))


def _grid(*filters: Filter):
    return grid_link(GRID, *filters, sort=NEWEST_FIRST)


def _bucket_link(values: dict, **equal):
    """The incidents behind a clicked mark of a per-bucket chart (None when the click names no bucket)."""
    day = clicks.picked_day(values.get("bucket"), flt)
    return None if day is None else _grid(*clicks.grid_filters(flt, day=day, **equal))


period_link = _grid(*clicks.grid_filters(flt))
grain = flt.grain
left, right = st.columns(2)
with left:
    chart_card(_("Incidents by type"), types, lambda f: charts.type_trend(f, grain=grain), flt=flt,
               what=_("incidents"), key="inc_types", link=period_link,
               drill=lambda v: _bucket_link(v, type=clicks.code_of(TYPE_LABELS, v.get("type_label"))))
with right:
    chart_card(_("Incidents by severity"), severities, lambda f: charts.severity_trend(f, grain=grain), flt=flt,
               what=_("incidents"), key="inc_severity", link=period_link,
               drill=lambda v: _bucket_link(v, severity=clicks.code_of(SEVERITY_LABELS, v.get("severity_label"))))

left, right = st.columns(2)
for column, measure, title, key in ((left, dash.RESPOND, _("Time to respond (hours)"), "inc_respond"),
                                    (right, dash.RESOLVE, _("Time to resolve (hours)"), "inc_resolve")):
    with column:
        frame = times[times["measure"] == measure]
        chart_card(title, frame, lambda f, t=title: charts.times_chart(f, grain=grain, title=t), flt=flt,
                   what=_("response times") if measure == dash.RESPOND else _("resolved incidents"), key=key,
                   link=period_link, drill=_bucket_link,
                   help=_("Median (solid) and 90th percentile (dashed) of the incidents that started in each period."))

open_link = _grid(*clicks.grid_filters(flt, started=False, status=list(ACTIVE_STATUSES)))


def _open_drill(values: dict):
    severity = clicks.code_of(SEVERITY_LABELS, values.get("severity_label"))
    status = clicks.code_of(STATUS_LABELS, values.get("status_label"))
    statuses = [status] if status else list(ACTIVE_STATUSES)
    return _grid(*clicks.grid_filters(flt, started=False, severity=severity, status=statuses))


left, right = st.columns(2)
with left:
    chart_card(_("Open incidents now, by severity and status"), open_now, charts.open_chart, flt=today,
               what=_("open incidents"), key="inc_open", link=open_link, drill=_open_drill,
               help=_("Opened, responding or monitoring right now, whatever the period above."))
with right:
    chart_card(_("Open incidents now, by how long they have run"), open_now, charts.age_chart, flt=today,
               what=_("open incidents"), key="inc_age", link=open_link, drill=_open_drill)


def _suspension_drill(values: dict):
    """The incidents with a suspension of the clicked service beginning in the clicked period."""
    day = clicks.picked_day(values.get("bucket"), flt)
    if day is None:
        return None
    lo, hi = clicks.bucket_days(flt, day)
    service = clicks.code_of(STEP_LABELS, values.get("service_label"))
    with unit_of_work(user.id) as s:
        refs = dash.suspended_incidents(s, actor=user, flt=DashboardFilter(lo, hi, district=flt.district),
                                        service=service)
    return _grid(*clicks.grid_filters(flt, started=False, reference=refs)) if refs else None


left, right = st.columns(2)
with left:
    chart_card(_("Retailers affected"), retailers, lambda f: charts.retailers_chart(f, grain=grain), flt=flt,
               what=_("affected retailers"), key="inc_retailers", link=period_link,
               drill=lambda v: _bucket_link(v, scope=clicks.code_of(SCOPE_LABELS, v.get("scope_label"))),
               help=_("Each incident's estimate of affected retailers, else the retailers on its call list. For one "
                      "district: its share of an estimate (by the active retailers of the districts affected) and its "
                      "retailers on a call list."))
with right:
    chart_card(_("Service suspensions"), suspended, lambda f: charts.suspensions_chart(f, grain=grain), flt=flt,
               what=_("service suspensions"), key="inc_suspensions", drill=_suspension_drill,
               help=_("Hours each service was suspended, by when the suspension began; one not resumed yet counts "
                      "up to now. Click a bar for its incidents."))
