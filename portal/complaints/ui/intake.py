"""Pieces of the intake form: finding the retailer, possible duplicates, and what to tell the caller."""
from __future__ import annotations

import secrets
import zlib

import streamlit as st

from db.engine import unit_of_work
from db.models import Retailer
from portal import complaints as cx
from portal.access.auth import CurrentUser, can
from portal.complaints.caller import caller_history, caller_phone
from portal.complaints.display import center_time
from portal.complaints.labels import STATE_LABELS
from portal.i18n import _, fmt_labelled
from portal.inputs import text_param
from portal.records.query import fetch_page
from portal.records.view import ViewState
from portal.retailers.table import RETAILERS
from portal.ui.forms import UNREACHABLE, forget, form_defaults
from portal.ui.text import plain

P = "intake."
RETAILER_COLUMNS = ("license_no", "shop_name", "owner_name", "district")


def form_token() -> str:
    """The client token of the form on screen: made once, so saving it twice saves one complaint."""
    return st.session_state.setdefault(P + "token", secrets.token_urlsafe(24))


def start_over() -> None:
    """Forget the form and its token: the next complaint is a new one (from another caller: the screen pop's phone
    leaves the address)."""
    forget(P)
    st.query_params.pop("phone", None)


def screen_pop(user: CurrentUser) -> None:
    """`?phone=…` (what the hotline system opens on an incoming call): fill in the caller's phone, the hotline
    channel and, when one retailer has that phone, the retailer and its owner; show the caller's open complaints
    and recent history. Call it before the form is drawn. The form is filled once per number: what the agent
    changes afterwards stays."""
    if "phone" not in st.query_params:
        return
    given = text_param(st.query_params, "phone", limit=40)
    phone = caller_phone(given)
    if phone is None:
        st.warning(_("The address names the caller's phone as “{phone}”, which is not a phone number: type it in "
                     "below.").format(phone=plain(given[:40])), icon=":material/phone_disabled:")
        return
    with unit_of_work(user.id) as s:
        caller = caller_history(s, actor=user, phone=phone)
    if st.session_state.get(P + "popped") != phone:
        st.session_state[P + "popped"] = phone
        st.session_state[P + "phone"], st.session_state[P + "channel"] = phone, "hotline"
        if len(caller.retailers) == 1:
            [retailer] = caller.retailers
            st.session_state[P + "retailer_q"] = retailer.license_no
            st.session_state[_retailer_key()] = retailer.id
            if not st.session_state.get(P + "name", "").strip():
                st.session_state[P + "name"] = retailer.owner_name
    _caller_panel(caller)


def _caller_panel(caller) -> None:
    with st.container(border=True, key=P + "caller"):
        st.markdown(_("**Incoming call from {phone}**").format(phone=plain(caller.phone)))
        if not caller.known:
            st.caption(_("No retailer has this phone, and no complaint came from it: a new caller."))
            return
        for r in caller.retailers:
            key_mark = " · " + _("Key customer: call back within 24 hours") if r.is_key_customer else ""
            st.markdown(plain(f"{r.shop_name} · {r.owner_name} · {r.license_no}") + key_mark)
        for title, rows in ((_("Open complaints"), caller.open), (_("Recent complaints (12 months)"), caller.recent)):
            if not rows:
                continue
            st.caption(title)
            for c in rows:
                st.page_link("pages/complaint.py", query_params={"id": str(c.id)}, icon=":material/open_in_new:",
                             label=plain(f"{c.reference} · {_(STATE_LABELS[c.state])} · {center_time(c.received_at)}"
                                         f" · {c.excerpt}"))


def _retailer_key() -> str:
    """The retailer choice's key: one per search text, so new matches start unchosen."""
    return P + "retailer." + str(zlib.crc32(st.session_state.get(P + "retailer_q", "").strip().encode()))


def _retailer_picked() -> None:
    """Fill in the complainant from the retailer when those fields are still empty (the owner calls, usually)."""
    retailer_id = st.session_state.get(_retailer_key())
    if retailer_id is None:
        return
    try:
        with unit_of_work() as s:
            retailer = s.get(Retailer, retailer_id)
    except UNREACHABLE:  # a convenience only: the page itself then says that the database did not answer
        return
    if not st.session_state.get(P + "name", "").strip():
        st.session_state[P + "name"] = retailer.owner_name
    if not st.session_state.get(P + "phone", "").strip() and retailer.phone:
        st.session_state[P + "phone"] = retailer.phone


def retailer_picker(user: CurrentUser) -> int | None:
    """Search retailers by licence number, shop or owner name; returns the chosen one (optional)."""
    form_defaults(P, {"retailer_q": ""})
    query = st.text_input(_("Retailer (licence number, shop or owner name)"), key=P + "retailer_q",
                          placeholder=_("Leave empty when the complainant is not a retailer"),
                          icon=":material/search:").strip()
    if not query:
        return None
    with unit_of_work(user.id) as s:
        found = fetch_page(s, actor=user, spec=RETAILERS,
                           view=ViewState(search=query, columns=RETAILER_COLUMNS, page_size=10)).rows
    if not found:
        st.caption(_("No retailer matches “{text}”. Check the spelling, or leave it empty.").format(text=plain(query)))
        return None
    labels = {r["id"]: " · ".join(str(r[c]) for c in RETAILER_COLUMNS) for r in found}
    form_defaults(P, {_retailer_key().removeprefix(P): None})
    return st.selectbox(_("Matching retailers"), list(labels), format_func=labels.get, key=_retailer_key(),
                        index=None, placeholder=_("Choose the retailer…"), on_change=_retailer_picked)


def duplicate_choice(user: CurrentUser, *, phone: str, retailer_id: int | None, category_id: int | None) -> int | None:
    """Open complaints of the last 30 days that may be the same matter; returns the original to link to, if the
    agent chooses "duplicate"."""
    if not phone.strip() and retailer_id is None:
        return None
    with unit_of_work(user.id) as s:
        candidates = cx.find_possible_duplicates(s, actor=user, complainant_phone=phone or None,
                                                 retailer_id=retailer_id, category_id=category_id)
    if not candidates:
        return None
    by_id = {c.id: c for c in candidates}
    with st.container(border=True, key=P + "duplicates"):
        st.warning(_("Possible duplicates: open complaints of the last 30 days from the same phone or retailer."),
                   icon=":material/content_copy:")
        for c in candidates:
            st.markdown(plain(f"{c.reference} · {_(STATE_LABELS[c.state])} · {center_time(c.received_at)} · "
                              + fmt_labelled(c.complainant_name, c.excerpt)))
        key = P + "duplicate_of." + "-".join(str(i) for i in by_id)
        form_defaults(P, {key.removeprefix(P): None})
        return st.radio(_("Save as"), [None, *by_id], key=key,
                        format_func=lambda i: _("A new complaint") if i is None else
                        _("A duplicate of {ref} (linked to it and closed)").format(ref=by_id[i].reference))


def confirmation(user: CurrentUser, reg: cx.Registration) -> None:
    """What to tell the caller: reference, first-contact owner with staff ID, promised reply and resolution."""
    if not reg.created:
        st.info(_("This form was already saved: it made the complaint below (nothing was saved twice)."))
    if reg.duplicate_of_reference:
        st.info(_("Recorded as a duplicate of {ref} and linked to it.").format(ref=reg.duplicate_of_reference))
    told = reg.told  # a duplicate's caller is told about the original: its number, owner and time limits
    with st.container(border=True, key=P + "confirmation"):
        st.subheader(_("Tell the caller"))
        if reg.original is None:
            st.markdown(_("Your complaint number is **{ref}**.").format(ref=told.reference))
            st.markdown(_("I am **{name}**, staff ID **{staff_id}**; I am responsible for your complaint until it "
                          "is closed.").format(name=plain(told.owner_name), staff_id=plain(told.owner_staff_id)))
        else:
            st.markdown(_("Your complaint is already registered under number **{ref}**; what you told us has been "
                          "added to it.").format(ref=told.reference))
            st.markdown(_("**{name}**, staff ID **{staff_id}**, is responsible for it until it is closed.").format(
                name=plain(told.owner_name), staff_id=plain(told.owner_staff_id)))
        st.markdown(_("We will reply by **{reply}** and resolve it by **{resolution}** (China time).").format(
            reply=center_time(told.reply_due_at), resolution=center_time(told.resolution_due_at)))
    if reg.is_major:
        st.error(_("Major complaint (grade 1): report it to your supervisor at once; it may need an emergency "
                   "incident."), icon=":material/priority_high:")
        if can(user, "incidents.run"):
            st.page_link("pages/incident_new.py", label=_("Open the linked incident"), icon=":material/add_alert:",
                         query_params={"complaint": str(reg.complaint_id)})
    with st.container(horizontal=True):
        st.page_link("pages/complaint.py", label=_("Open complaint {ref}").format(ref=reg.reference),
                     icon=":material/open_in_new:", query_params={"id": str(reg.complaint_id)})
        st.button(_("Register another complaint"), key=P + "another", type="primary", on_click=start_over,
                  icon=":material/add:")
