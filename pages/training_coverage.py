"""Training · Coverage (覆盖率): the share of active retailers trained this year, by district, business type and
customer manager (target 90%); the untrained retailers one click away (each marked with the upcoming session it has a
place at; exported as XLSX), with a sign-up action."""
from datetime import timedelta

import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal import training as tr
from portal.access.auth import can
from portal.center_time import utcnow
from portal.i18n import _, fmt_datetime, fmt_number, fmt_percent
from portal.inputs import text_param
from portal.training.records import untrained_export, upcoming_places
from portal.training.reports import COVERAGE_TARGET, business_type_label
from portal.training.ui.common import cached_coverage, forget_coverage, session_label, today
from portal.training.ui.roster import overflow_question, show_refusals, sign_up_retailers
from portal.ui.forms import show_flash
from portal.ui.session import page_user
from portal.ui.tables import data_table

PAGE = 100
user = page_user("training.view")
st.title(_("Training coverage"))
show_flash()
show_refusals()
this_year = today().year
link = {k: text_param(st.query_params, k) for k in ("year", "district", "business_type")}  # from the dashboard
if link["year"] in (str(this_year), str(this_year - 1)) and st.session_state.get("coverage_link") != link:
    st.session_state["coverage_year"] = int(link["year"])
year = st.selectbox(_("Year"), [this_year, this_year - 1], key="coverage_year", width=200)
report, counted_at = cached_coverage(user, year)
with unit_of_work(user.id) as s:
    staff = tr.trainer_choices(s, actor=user)
now = utcnow()

total = report.total
st.metric(_("Active retailers trained in {year}").format(year=year),
          fmt_percent(total.share) if total.share is not None else "—",
          delta=_("target {target}").format(target=fmt_percent(COVERAGE_TARGET)), delta_color="off",
          help=_("{trained} of {active} active retailers attended at least one session.").format(
              trained=fmt_number(total.trained), active=fmt_number(total.active)))
st.progress(min(total.share or 0.0, 1.0))
with st.container(horizontal=True, vertical_alignment="center"):
    st.caption(_("Counted at {time}; counted again after any change to retailers, sessions or attendance.").format(
        time=fmt_datetime(counted_at)))
    if st.button(_("Count again"), key="coverage_recount", icon=":material/refresh:", type="tertiary"):
        forget_coverage()
        st.rerun()

names = {"district": lambda k: k, "business_type": business_type_label,
         "manager_id": lambda k: staff.get(k, _("No customer manager")) if k else _("No customer manager")}
titles = {"district": _("By district"), "business_type": _("By business type"), "manager_id": _("By customer manager")}
for dim, tab in zip(names, st.tabs(list(titles.values())), strict=True):
    with tab:
        frame = pd.DataFrame([{"group": names[dim](r.key), "active": r.active, "trained": r.trained,
                               "share": r.share or 0.0, "target": "✓" if r.meets_target else ""}
                              for r in report.by[dim]], columns=["group", "active", "trained", "share", "target"])
        picked = data_table(frame, hide_index=True, key=f"coverage_{dim}", on_select="rerun",
                           selection_mode="single-row", column_config={
                               "group": st.column_config.TextColumn(titles[dim]),
                               "active": st.column_config.NumberColumn(_("Active retailers")),
                               "trained": st.column_config.NumberColumn(_("Trained")),
                               "share": st.column_config.ProgressColumn(_("Coverage"), min_value=0, max_value=1,
                                                                        format="percent"),
                               "target": st.column_config.TextColumn(_("90% reached"), width="small")})
        clicked = report.by[dim][picked.selection.rows[0]].key if picked.selection.rows else None
        if clicked is not None and st.session_state.get(f"coverage_{dim}_applied") != clicked:
            st.session_state[f"untrained_{dim}"] = clicked  # one click: this group's untrained retailers below
        st.session_state[f"coverage_{dim}_applied"] = clicked

st.subheader(_("Untrained retailers"))
if st.session_state.get("coverage_link") != link:  # a dashboard link opens that group's untrained retailers
    for dim in ("district", "business_type"):
        if link[dim] and link[dim] in [r.key for r in report.by[dim]]:
            st.session_state[f"untrained_{dim}"] = link[dim]
    st.session_state["coverage_link"] = link
left, middle, right, far = st.columns(4)
flt = tr.RetailerFilter(
    district=left.selectbox(_("District"), [r.key for r in report.by["district"]], index=None,
                            key="untrained_district", placeholder=_("All")),
    business_type=middle.selectbox(_("Business type"), [r.key for r in report.by["business_type"]], index=None,
                                   key="untrained_business_type", format_func=business_type_label,
                                   placeholder=_("All")),
    manager_id=right.selectbox(_("Customer manager"), [r.key for r in report.by["manager_id"] if r.key], index=None,
                               key="untrained_manager_id", format_func=names["manager_id"], placeholder=_("All")),
    star_rating=far.selectbox(_("Star rating"), [1, 2, 3, 4, 5], index=None, key="untrained_star",
                              placeholder=_("All")),
    search=st.text_input(_("Search licence number, shop or owner"), key="untrained_search"))
with unit_of_work(user.id) as s:
    unfiltered = flt == tr.RetailerFilter()  # then the report already knows how many: active minus trained
    rows, matching = tr.untrained_retailers(s, actor=user, year=year, flt=flt, limit=PAGE,
                                            known_total=total.active - total.trained if unfiltered else None)
    open_sessions = {ts.id: ts for ts in tr.list_sessions(s, actor=user, start=now, end=now + timedelta(days=120),
                                                          states=("approved",))}
    places = upcoming_places(s, actor=user, retailer_ids=[r["id"] for r in rows], now=now)
with st.container(horizontal=True, vertical_alignment="center"):
    st.caption(_("{n} active retailers without an attended session in {year}.").format(n=fmt_number(matching),
                                                                                        year=year))

    def export() -> bytes:  # made on the click: every untrained retailer the filters select
        with unit_of_work(user.id) as s:
            return tr.summary_file(untrained_export(s, actor=user, year=year, flt=flt), "xlsx", _("Untrained"))

    st.download_button(_("Export {format}").format(format="XLSX"), data=export, key="untrained_export",
                       file_name=f"untrained-{year}.xlsx", icon=":material/download:", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", disabled=not rows)
table = pd.DataFrame([{
    _("Licence number"): r["license_no"], _("Shop name"): r["shop_name"], _("Owner"): r["owner_name"],
    _("District"): r["district"], _("Business type"): business_type_label(r["business_type"]),
    _("Star rating"): r["star_rating"], _("Customer manager"): r["manager"] or "",
    _("Upcoming session"): places[r["id"]].label() if r["id"] in places else ""} for r in rows])
chosen = data_table(table, hide_index=True, key="untrained_table", on_select="rerun", selection_mode="multi-row")
if len(rows) < matching:
    st.caption(_("Showing the first {n}; narrow the filters to see others.").format(n=len(rows)))

if can(user, "training.manage") and rows:
    if not open_sessions:
        st.info(_("No approved future session takes sign-ups right now."))
        st.stop()
    target = st.selectbox(_("Sign up to session"), list(open_sessions), key="untrained_session",
                          format_func=lambda i: session_label(open_sessions[i]))
    picked_ids = [rows[i]["id"] for i in chosen.selection.rows if i < len(rows)]
    overflow_question(user)
    with st.container(horizontal=True):
        if st.button(_("Sign up the {n} selected").format(n=len(picked_ids)), key="untrained_sign_up",
                     disabled=not picked_ids, type="primary", icon=":material/person_add:"):
            sign_up_retailers(user, target, picked_ids, prefix="untrained_signup_")
        if st.button(_("Sign up all {n} shown").format(n=len(rows)), key="untrained_sign_up_all",
                     icon=":material/group_add:"):
            sign_up_retailers(user, target, [r["id"] for r in rows], prefix="untrained_signup_")
