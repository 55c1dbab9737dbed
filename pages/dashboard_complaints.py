"""Complaints dashboard: headline figures, then three sections as tabs — volume (by category over time, grade,
channel, department, per 10,000 retailers by district), service levels (reply, on-time, follow-up, satisfaction and
reopen rates against their targets, handling time in working days) and backlog and causes (open complaints by age,
root causes, repeat complainants) — for the period, department and district in the URL. Only the open tab is
computed. A click on a bar or point opens the complaints behind it in the grid."""
import streamlit as st

from db.complaint_models import OPEN_STATES
from db.engine import unit_of_work
from portal.access.auth import CurrentUser, can
from portal.complaints import dashboard as dc
from portal.complaints.charts import age_bars, handling_lines, rate_lines, root_cause_pareto
from portal.dashboards import charts
from portal.dashboards.period import DashboardFilter, buckets
from portal.dashboards.report import COUNT, DAYS, PERCENT, Figure, format_change, format_value
from portal.i18n import N_, _, fmt_datetime
from portal.ui.dashboard import chart_card, dashboard_filters, figure_row, grid_link, section_tabs
from portal.ui.session import page_user
from portal.ui.tables import data_table

GRID = "pages/complaints.py"


SECTIONS = {"volume": N_("Volume"), "service": N_("Service levels"), "backlog": N_("Backlog and causes")}


def figures(flt: DashboardFilter, section: str, _user: CurrentUser) -> dict:
    """The headline figures and the open section's, read in one unit of work on every run: right at once after any
    edit (the stored day figures make a year of a million complaints quick; see portal/complaints/day_figures.py)."""
    with unit_of_work(_user.id) as s:
        data = {"before": dc.summary(s, actor=_user, flt=flt.previous(), percentile=False)}
        if section == "service":  # the trend with each bucket's 90th percentile of handling time
            data["trend"], data["now"] = dc.trend_and_summary(s, actor=_user, flt=flt, total_percentile=False)
        else:
            data["now"] = dc.summary(s, actor=_user, flt=flt, percentile=False)
        if section == "volume":
            data["by"] = dc.counts(s, actor=_user, flt=flt, dims=("grade", "channel", "department"))
            data["districts"] = dc.per_district(s, actor=_user, flt=flt)
        if section == "backlog":
            data |= {"backlog": dc.backlog(s, actor=_user, flt=flt), "causes": dc.root_causes(s, actor=_user, flt=flt),
                     "repeaters": dc.repeat_complainants(s, actor=_user, flt=flt)}
        return data


user = page_user("complaints.view")
st.title(_("Complaints dashboard"))
flt = dashboard_filters(user)
headlines = st.container()
tabs = section_tabs(SECTIONS)
section = next((code for code, tab in tabs.items() if tab.open), "volume")
data = figures(flt, section, user)
now, before = data["now"], data["before"]
starts, grain = buckets(flt), flt.grain


def headline(label: str, key: str, kind: str) -> tuple[str, str, str | None]:
    figure = Figure(label, now[key], before[key], kind)
    return label, format_value(kind, figure.value), format_change(figure) if figure.change() is not None else None


with headlines:
    figure_row([headline(_("Complaints"), "complaints", COUNT),
                headline(_("24-hour reply rate"), "reply_rate", PERCENT),
                headline(_("On-time resolution rate"), "on_time_rate", PERCENT),
                headline(_("Working days to answer"), "avg_days", DAYS),
                headline(_("Satisfaction rate"), "satisfaction_rate", PERCENT)])
    st.caption(_("Complaints received in the period; invalid complaints and duplicates are not counted. Changes are "
                 "against the previous {days} days. Times are in working days (weekends and holidays excluded). Click "
                 "a bar or point to open its complaints.").format(days=flt.days))
period = grid_link(GRID, *dc.records_filters(flt))


def in_bucket(values: dict, **equal):
    day = dc.picked_bucket(values.get("bucket"), starts)
    return grid_link(GRID, *dc.records_filters(flt, days=dc.bucket_days(flt, day), **equal)) if day else None


def by_label(frame, field: str):
    keys = dict(zip(frame["label"], frame["key"], strict=True))
    return lambda values: (grid_link(GRID, *dc.records_filters(flt, **{field: keys[values["label"]]}))
                           if values.get("label") in keys else None)


def volume_section() -> None:
    by, volume = data["by"], data["by"]["volume"]
    categories = dict(zip(volume["category"], volume["category_id"], strict=True)) if not volume.empty else {}
    chart_card(_("Complaints by category"), volume, lambda f: charts.trend(
        f, x="bucket", y="complaints", grain=grain, x_title=_("Received"), y_title=_("Complaints"), color="category",
        color_title=_("Category")), flt=flt, what=_("complaints"), key="volume", link=period,
        drill=lambda v: in_bucket(v, **({"category_id": categories[v["category"]]} if v.get("category") in categories
                                        else {})))
    for column, (dim, title, field) in zip(st.columns([1, 1.5, 1.5]), (
            ("grade", _("By grade"), "grade"), ("channel", _("By channel"), "channel"),
            ("department", _("By handling department"), "department_id")), strict=True):
        with column:
            chart_card(title, by[dim], lambda f, t=title: charts.ranked_bars(
                f, category="label", value="complaints", category_title=t, value_title=_("Complaints")),
                flt=flt, what=_("complaints"), key=f"by_{dim}", drill=by_label(by[dim], field))
    chart_card(_("Complaints per 10,000 retailers by district"), data["districts"], lambda f: charts.ranked_bars(
        f, category="district", value="per_10k", category_title=_("District"), value_title=_("Per 10,000 retailers"),
        value_format=",.0f"), flt=flt, what=_("complaints from retailers"), key="districts")


def service_section() -> None:
    trend = data["trend"]

    def answered(column: str):
        return trend.dropna(subset=[column]) if not trend.empty else trend

    rates = [("reply_rate", _("24-hour reply rate"), dc.REPLY_TARGET),
             ("on_time_rate", _("On-time resolution rate"), dc.ON_TIME_TARGET),
             ("follow_up_rate", _("Follow-up rate"), dc.FOLLOW_UP_TARGET),
             ("satisfaction_rate", _("Satisfaction rate"), dc.SATISFACTION_TARGET)]
    left, right = st.columns(2)
    for n, (rate, title, target) in enumerate(rates):
        with (left, right)[n % 2]:
            chart_card(title, answered(rate), lambda f, r=rate, t=title, g=target: rate_lines(f, grain, r, t, g),
                       flt=flt, what=_("complaints"), key=rate, drill=in_bucket)
    with left:
        chart_card(_("Handling time (working days)"), answered("avg_days"), lambda f: handling_lines(f, grain),
                   flt=flt, what=_("answered complaints"), key="handling", drill=in_bucket,
                   help=_("From receipt to the answer, counting only working days."))
    with right:
        chart_card(_("Reopen rate"), answered("reopen_rate"),
                   lambda f: rate_lines(f, grain, "reopen_rate", _("Reopen rate"), None),
                   flt=flt, what=_("answered complaints"), key="reopen_rate", drill=in_bucket,
                   help=_("Answered complaints reopened after a dissatisfied follow-up."))


def backlog_section() -> None:
    backlog, causes = data["backlog"], data["causes"]
    left, right = st.columns(2)
    with left:
        ages = dict(zip(backlog["age"], zip(backlog["first_day"], backlog["last_day"], strict=True), strict=True))
        chart_card(_("Open complaints now, by age"), backlog, age_bars, flt=flt, what=_("open complaints"),
                   key="backlog", link=grid_link(GRID, *dc.records_filters(flt, states=OPEN_STATES, period=False)),
                   drill=lambda v: grid_link(GRID, *dc.records_filters(flt, days=ages[v["age"]], states=OPEN_STATES))
                   if v.get("age") in ages else None,
                   help=_("Whatever the period: complaints not closed yet, by working days since receipt."))
    with right:
        repeat_complainants(data["repeaters"])
    chart_card(_("Top root causes"), causes, root_cause_pareto, flt=flt, what=_("root causes"), key="causes",
               drill=lambda v: grid_link(GRID, *dc.records_filters(flt, root_cause=v["root_cause"]))
               if v.get("root_cause") else None)


def repeat_complainants(repeaters) -> None:
    with st.container(border=True, key="card_repeaters"):
        total = int(repeaters["repeaters"].iloc[0]) if not repeaters.empty else 0
        st.markdown(f"**{_('Repeat complainants')}**",
                    help=_("Phone numbers with two or more complaints in the period."))
        if repeaters.empty:
            st.info(_("No data for {what} in {period}.").format(what=_("repeat complainants"), period=flt.label()),
                    icon=":material/bar_chart_off:")
            return
        st.caption(_("{n} phone numbers made {k} of the period's complaints; the most frequent:").format(
            n=total, k=int(repeaters["their_complaints"].iloc[0])))
        linkable = can(user, "retailers.view_phone")
        table = repeaters.assign(last_received=repeaters["last_received"].map(fmt_datetime))
        picked = data_table(
            table[["phone", "complainant", "complaints", "last_received"]], hide_index=True, key="repeaters",
            on_select="rerun" if linkable else "ignore", selection_mode="single-row", column_config={
                "phone": _("Phone"), "complainant": _("Complainant"), "complaints": _("Complaints"),
                "last_received": _("Last received")})
        if linkable and picked.selection.rows:
            target = grid_link(GRID, *dc.records_filters(
                flt, complainant_phone=repeaters["raw_phone"].iloc[picked.selection.rows[0]]))
            st.switch_page(target.page, query_params=dict(target.params))


with tabs[section]:
    {"volume": volume_section, "service": service_section, "backlog": backlog_section}[section]()
