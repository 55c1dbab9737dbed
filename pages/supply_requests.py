"""Emergency supply requests (客户应急货源报批表): take one down, approve within your post's limit (customer-service
head, marketing deputy manager), see what joins each order day (the retailer's route's weekday), and the full list."""
from datetime import timedelta

import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from db.supply_models import SUPPLY_REASONS
from portal import incidents as ix
from portal.access.auth import CurrentUser, can
from portal.center_time import today
from portal.i18n import _, fmt_date, fmt_weekday
from portal.incidents.labels import SUPPLY_POST_LABELS, SUPPLY_REASON_LABELS
from portal.incidents.records import SUPPLY_REQUESTS
from portal.inputs import DATE_BOUNDS
from portal.records.validation import Lookups
from portal.ui import grid
from portal.ui.forms import REFUSED, form_defaults, saved, show_flash, show_input_error, submit_button
from portal.ui.page_part import page_part
from portal.ui.session import page_user
from portal.ui.tables import data_editor, data_table
from portal.ui.text import plain
from portal.ui.view_state import current_view

P = "supply_new_"
user = page_user("incidents.view")
st.title(_("Emergency supply requests"))
show_flash()
with unit_of_work(user.id) as s:
    brands = ix.list_brands(s, active_only=True)
    posts = ix.supply_approvers(s)
    limit = ix.approval_limit(s, actor=user)  # None: the reader holds no approving post
    pending = ix.pending_supply_requests(s, actor=user)

tabs = {"new": _("New request"), "pending": _("Awaiting approval ({n})").format(n=len(pending)),
        "day": _("Order day"), "all": _("All requests")}
if not can(user, "supply.request"):
    tabs.pop("new")
if limit is None and not pending:
    tabs.pop("pending")
opened = tabs["all"] if "q" in st.query_params else None  # a request opened by reference (the retailer page's link)
shown = dict(zip(tabs, st.tabs(list(tabs.values()), default=opened), strict=True))
approvers = "; ".join(f"{_(SUPPLY_POST_LABELS[a.post])} {a.holder or '—'} (≤ {a.max_quantity})" for a in posts)


def order_day_text(row: ix.RequestRow) -> str:
    """The order day a request joins (or would join, approved now), from its route's weekday."""
    if row.order_day is None:
        return ""
    day = f"{fmt_weekday(row.order_day)} {fmt_date(row.order_day)}"
    text = (_("Joins the order day {day} (route {route}, orders on {weekday}s).").format(
        day=day, route=plain(row.route), weekday=fmt_weekday(row.order_day)) if row.order_weekday else
        _("Joins the order day {day} (the next working day: route {route} has no order day set).").format(
            day=day, route=plain(row.route or "—")))
    if row.after_event:
        text += " " + _(":orange[After the event:] a temporary replenishment needs the marketing deputy manager.")
    return text


if "new" in shown:
    with shown["new"]:
        form_defaults(P, {"reason": "wedding", "note": "", "event": today() + timedelta(days=3)})
        search = st.text_input(_("Find the retailer"), key=P + "search",
                               placeholder=_("Licence number, shop or owner name"))
        with unit_of_work(user.id) as s:
            found = ix.find_retailers(s, actor=user, text=search) if search.strip() else {}
        ordinary = [b for b in brands if not b.scarce_or_controlled]
        with st.form(P + "form"):
            retailer = st.selectbox(_("Retailer") + " *", list(found), format_func=found.get, index=None,
                                    key=P + "retailer", placeholder=_("Search above first"))
            left, right = st.columns(2)
            reason = left.selectbox(_("Reason") + " *", SUPPLY_REASONS, key=P + "reason",
                                    format_func=lambda v: _(SUPPLY_REASON_LABELS[v]))
            event = right.date_input(_("Event date") + " *", key=P + "event", **DATE_BOUNDS)
            lines = data_editor(pd.DataFrame({"brand": [b.name for b in ordinary],
                                              "quantity": pd.Series([None] * len(ordinary), dtype="Int64")}),
                                key=P + "lines", hide_index=True, disabled=["brand"], column_config={
                                    "brand": _("Brand"),
                                    "quantity": st.column_config.NumberColumn(_("Cartons"), min_value=0, step=1)})
            note = st.text_area(_("Note"), key=P + "note", height=68)
            st.caption(_("Only retailers with the integrity flag; scarce or controlled brands are not supplied: "
                         "{brands}.").format(brands="、".join(plain(b.name) for b in brands if b.scarce_or_controlled)
                                             or "—"))
            if submit_button(_("Submit request"), type="primary", form=P + "form"):
                wanted = {b.id: int(q) for b, q in zip(ordinary, lines["quantity"], strict=True) if pd.notna(q) and q}
                try:
                    with unit_of_work(user.id) as s:
                        ref = ix.request_supply(s, actor=user, retailer_id=retailer, reason=reason, event_date=event,
                                                lines=wanted, note=note).reference
                except REFUSED as exc:
                    show_input_error(exc, P)
                else:
                    saved(_("Request {ref} submitted for approval.").format(ref=ref), P)

if "pending" in shown:
    with shown["pending"]:
        if limit is None:
            st.caption(_("Approved by the customer-service head or the marketing deputy manager: {who}.").format(
                who=plain(approvers)))
        else:
            st.caption(_("Your approval limit: {n} cartons per request.").format(n=limit))
        for row in pending:
            with st.container(border=True, key=f"pending_{row.id}"):
                st.markdown(f"**{row.reference}** · {plain(row.shop_name)} ({row.license_no}) · "
                            f"{_(SUPPLY_REASON_LABELS[row.reason])} · {fmt_date(row.event_date)}  \n"
                            + _("{lines} — **{n}** cartons").format(lines=plain(row.lines), n=row.total_quantity)
                            + "  \n" + order_day_text(row))
                if limit is None:
                    continue
                p = f"decide_{row.id}_"
                mid, right = st.columns([3, 2], vertical_alignment="bottom")
                why = mid.text_input(_("Note or reason for refusal"), key=p + "why")
                with right, st.container(horizontal=True):
                    approve = st.button(_("Approve"), key=p + "approve", type="primary", disabled=not row.may_approve,
                                        help=None if row.may_approve else _("Above your approval limit."))
                    refuse = st.button(_("Refuse"), key=p + "refuse")
                try:
                    if approve or refuse:
                        with unit_of_work(user.id) as s:
                            if approve:
                                ix.approve_supply_request(s, actor=user, request_id=row.id, version=row.version,
                                                          note=why)
                            else:
                                ix.refuse_supply_request(s, actor=user, request_id=row.id, version=row.version,
                                                         reason=why)
                        saved(_("Request {ref} decided.").format(ref=row.reference), p)
                except REFUSED as exc:
                    show_input_error(exc, p)
        if not pending:
            st.info(_("Nothing awaits approval."))

with shown["day"]:
    day = st.date_input(_("Order day"), value=today() + timedelta(days=1), key="supply_order_day")
    with unit_of_work(user.id) as s:
        joining = ix.supply_for_order_day(s, actor=user, day=day)
    data_table(pd.DataFrame([{_("Reference"): r.reference, _("Retailer"): r.shop_name,
                             _("Licence number"): r.license_no, _("Route"): r.route or "",
                             _("Brands"): r.lines, _("Cartons"): r.total_quantity,
                             _("Event date"): fmt_date(r.event_date)} for r in joining]), hide_index=True,
              placeholder="—")
    if not joining:
        st.caption(_("No approved requests join the orders of {day}.").format(day=fmt_date(day)))



@page_part("incidents.view")
def all_requests(user: CurrentUser) -> None:
    """The full list (a part of the page: paging or an inline edit reruns it alone)."""
    view, _ignored = current_view(SUPPLY_REQUESTS, user)
    with unit_of_work(user.id) as s:
        lookups = Lookups(s)
    page, _selected = grid.show_grid(SUPPLY_REQUESTS, user, view, lookups, "pages/supply_requests.py")
    grid.pager(SUPPLY_REQUESTS, view, page)


with shown["all"]:
    all_requests()
