"""Home: who you are, and what is waiting for you in each area your roles cover."""
import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import ROLE_LABELS
from portal.dashboards.report import format_change, format_value
from portal.home import OVERVIEWS, home_summary, overview
from portal.i18n import _, current_language, fmt_datetime, fmt_number
from portal.incidents.ui.panels import my_actions_panel
from portal.ui.session import page_user
from portal.ui.tables import data_table
from portal.ui.text import plain

user = page_user()
with unit_of_work(user.id) as s:
    summary = home_summary(s, actor=user, language=current_language())

st.title(_("Welcome, {name}").format(name=plain(user.name)))
cols = st.columns(3)
cols[0].metric(_("Staff ID (tell complainants)"), user.staff_id)
cols[1].metric(_("Department"), plain(summary.department) if summary.department else _("No department"))
cols[2].metric(_("Roles"), " · ".join(_(ROLE_LABELS[r]) for r in sorted(user.roles)) or "—")

if summary.unconfirmed_calendar:  # supervisors and admins: limits around holidays may be counted wrong
    st.warning(_("The working-day calendar of {years} is not confirmed yet: its holidays and make-up days are the "
                 "holiday library's guess, so time limits around them may be off. An admin checks them against the "
                 "official notice under Admin · Working-day calendar.").format(
                     years="、".join(str(y) for y in summary.unconfirmed_calendar) if current_language() == "zh_CN"
                     else ", ".join(str(y) for y in summary.unconfirmed_calendar)), icon=":material/event_busy:")

st.subheader(_("Waiting for you"))
if not summary.items:
    st.info(_("Nothing is waiting for you. Your roles give read-only access."))
for section, items in summary.items.items():
    with st.container(border=True):
        st.markdown(f"**{_(section)}**")
        if not items:
            st.caption(_("Nothing waiting."))
        for item in items:
            left, right = st.columns([4, 1], vertical_alignment="center")
            if item.page:
                left.page_link(item.page, label=_(item.label), icon=":material/arrow_forward:")
            else:
                left.page_link("pages/home.py", label=_(item.label), icon=":material/info:", disabled=True)
            right.markdown(f"**{item.count:,}**")

if summary.worker is not None:  # admins: is a worker running the queue, and when did each scan last run
    health = summary.worker
    with st.container(border=True, key="worker_health"):
        st.markdown(f"**{_('Notifications worker')}**")
        if health.alive:
            beat = _("last heartbeat {seconds} s ago").format(seconds=fmt_number(health.heartbeat_age))
            st.success(_("Worker: alive ({heartbeat})").format(heartbeat=beat) if health.alive == 1 else
                       _("Workers: {count} alive ({heartbeat})").format(count=health.alive, heartbeat=beat),
                       icon=":material/check_circle:")
        else:
            st.warning(_("Worker: not running — notifications wait until one starts (`python -m portal worker`)"),
                       icon=":material/warning:")
        if health.scans:
            data_table([{_("Scan"): line.title, _("Last run"): fmt_datetime(line.started_at) or _("not yet"),
                        _("Duration (ms)"): fmt_number(line.duration_ms, 1),
                        _("Rows read"): fmt_number(line.rows_read), _("Notices made"): fmt_number(line.made),
                        _("Error"): line.error or ""} for line in health.scans], hide_index=True, key="worker_scans")
        else:
            st.caption(_("No periodic scans yet: no rule watches the clock."))

my_actions_panel(user)  # follow-up actions of incidents, also for owners who do not run incidents

with unit_of_work(user.id) as s:
    overviews = overview(s, actor=user)
if overviews:
    st.subheader(_("This month"))
for area, figures in overviews.items():
    _work, _view, title, dashboard = OVERVIEWS[area]
    with st.container(border=True, key=f"overview_{area}"):
        head, link = st.columns([3, 1], vertical_alignment="center")
        head.markdown(f"**{_(title)}**")
        link.page_link(dashboard, label=_("Dashboard"), icon=":material/insights:")
        for column, figure in zip(st.columns(max(len(figures), 1)), figures, strict=False):
            change = format_change(figure)
            column.metric(figure.label, format_value(figure.kind, figure.value), delta_color="off",
                          delta_arrow="off",
                          delta=None if change == "—" else _("{change} vs last month").format(change=change))
