"""Admin · Supply: who approves emergency supply requests (the plan's posts, each held by a named person with a
quantity limit), each delivery route's order day, and brands (scarce or controlled ones are never supplied)."""
from datetime import date

import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal import incidents as ix
from portal.i18n import _, fmt_weekday
from portal.incidents.labels import SUPPLY_POST_LABELS
from portal.ui.forms import REFUSED, edit_form, saved, show_flash, show_input_error, submit_button
from portal.ui.session import page_user
from portal.ui.tables import data_editor, data_table

user = page_user("admin.manage")
st.title(_("Supply approvers, order days and brands"))
show_flash()
with unit_of_work(user.id) as s:
    brands = ix.list_brands(s)
    posts = ix.supply_approvers(s)
    staff = ix.active_staff(s)
    order_days = ix.route_order_days(s)
    _districts, routes = ix.areas(s)

st.subheader(_("Approvers"))
st.caption(_("The plan's approvers of emergency supply requests, each with the largest request (total cartons) "
             "their post may approve. 0: none."))
A = "supply_approvers."
seen = edit_form(A, {a.post: a.version for a in posts},  # the versions the form was opened on (a change since: refused)
                 {f"holder.{a.post}": a.holder_id if a.holder_id in staff else None for a in posts}
                 | {f"limit.{a.post}": a.max_quantity for a in posts})
with st.form(A + "form"):
    entered = {}
    for a in posts:
        left, right = st.columns([3, 2])
        holder = left.selectbox(_(SUPPLY_POST_LABELS[a.post]), list(staff), format_func=staff.get,
                                key=f"{A}holder.{a.post}", placeholder=_("Nobody holds this post"))
        limit = right.number_input(_("Limit (cartons)"), step=1, key=f"{A}limit.{a.post}")  # range: the domain's
        entered[a.post] = (holder, int(limit), seen.get(a.post, a.version))
    if submit_button(_("Save approvers"), type="primary", form=A + "form"):
        try:
            with unit_of_work(user.id) as s:
                for post, (holder, limit, version) in entered.items():
                    ix.set_supply_approver(s, actor=user, post=post, holder_id=holder, max_quantity=limit,
                                           version=version)
        except REFUSED as exc:
            show_input_error(exc, A)
        else:
            saved(_("Approvers saved."), A)

st.subheader(_("Order days"))
st.caption(_("The day of the week each delivery route's retailers order: an approved supply request joins its "
             "retailer's next one (a route without one: the next working day)."))
WEEKDAYS = {n: fmt_weekday(date(2024, 1, n)) for n in range(1, 8)}  # 2024-01-01 was a Monday
known = sorted(set(routes) | set(order_days))
days = data_editor(pd.DataFrame({"route": known, "weekday": [WEEKDAYS.get(order_days.get(r)) for r in known]}),
                   key="order_days", hide_index=True, disabled=["route"], column_config={
                       "route": _("Route"), "weekday": st.column_config.SelectboxColumn(
                           _("Order day"), options=list(WEEKDAYS.values()))})
if st.button(_("Save order days"), key="order_days_save", type="primary"):
    by_name = {name: n for n, name in WEEKDAYS.items()}
    try:
        with unit_of_work(user.id) as s:
            for route, weekday in zip(days["route"], days["weekday"], strict=True):
                wanted = by_name.get(weekday) if isinstance(weekday, str) else None
                if wanted != order_days.get(route):
                    ix.set_route_order_day(s, actor=user, route=route, weekday=wanted)
    except REFUSED as exc:
        show_input_error(exc, "order_days_")
    else:
        saved(_("Order days saved."), "order_days_")

st.subheader(_("Brands"))
data_table(pd.DataFrame([{_("Brand"): b.name, _("Scarce or controlled"): b.scarce_or_controlled,
                         _("Active"): b.active} for b in brands]), hide_index=True, placeholder="—")
by_id = {b.id: b for b in brands}
picked = st.selectbox(_("Brand"), [None, *by_id], format_func=lambda i: _("New brand") if i is None else by_id[i].name,
                      key="brand_pick")
brand = by_id.get(picked)
p = f"brand_{picked or 'new'}_"
seen = edit_form(p, (brand.id, brand.version) if brand else (None, None),  # the brand as the form was opened on
                 {"name": brand.name if brand else "", "scarce": brand.scarce_or_controlled if brand else False,
                  "active": brand.active if brand else True})
with st.form(p + "form"):
    name = st.text_input(_("Name"), key=p + "name")
    scarce = st.checkbox(_("Scarce or controlled"), key=p + "scarce")
    active = st.checkbox(_("Active"), key=p + "active")
    if submit_button(_("Save brand"), type="primary", form=p + "form"):
        try:
            with unit_of_work(user.id) as s:
                ix.save_brand(s, actor=user, name=name, scarce_or_controlled=scarce, active=active,
                              brand_id=seen[0], version=seen[1])
        except REFUSED as exc:
            show_input_error(exc, p)
        else:
            saved(_("Brand saved."), p)
