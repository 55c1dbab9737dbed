"""Admin · Supply: brands (scarce or controlled ones are never supplied on request) and the approval limit of
each role for emergency supply requests."""
import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal import incidents as ix
from portal.access.auth import PERMISSIONS, ROLE_LABELS
from portal.i18n import _
from portal.ui.forms import REFUSED, saved, show_flash, show_input_error, submit_button
from portal.ui.session import page_user

user = page_user("admin.manage")
st.title(_("Brands and approval limits"))
show_flash()
with unit_of_work(user.id) as s:
    brands = ix.list_brands(s)
    limits = ix.approval_limits(s)

st.subheader(_("Approval limits"))
st.caption(_("The largest emergency supply request (total cartons) each role may approve. 0: none."))
with st.form("supply_limits"):
    entered = {role: st.number_input(_(ROLE_LABELS[role]), min_value=0, max_value=100_000, step=1,
                                     value=limits.get(role, 0), key=f"limit_{role}")
               for role in sorted(PERMISSIONS["supply.approve"])}
    if submit_button(_("Save limits"), type="primary", form="supply_limits"):
        try:
            with unit_of_work(user.id) as s:
                for role, quantity in entered.items():
                    ix.set_approval_limit(s, actor=user, role=role, max_quantity=int(quantity))
        except REFUSED as exc:
            show_input_error(exc, "limit_")
        else:
            saved(_("Approval limits saved."), "limit_")

st.subheader(_("Brands"))
st.dataframe(pd.DataFrame([{_("Brand"): b.name, _("Scarce or controlled"): b.scarce_or_controlled,
                            _("Active"): b.active} for b in brands]), hide_index=True, placeholder="—")
by_id = {b.id: b for b in brands}
picked = st.selectbox(_("Brand"), [None, *by_id], format_func=lambda i: _("New brand") if i is None else by_id[i].name,
                      key="brand_pick")
brand = by_id.get(picked)
p = f"brand_{picked or 'new'}_"
with st.form(p + "form"):
    name = st.text_input(_("Name"), value=brand.name if brand else "", key=p + "name")
    scarce = st.checkbox(_("Scarce or controlled"), value=brand.scarce_or_controlled if brand else False,
                         key=p + "scarce")
    active = st.checkbox(_("Active"), value=brand.active if brand else True, key=p + "active")
    if submit_button(_("Save brand"), type="primary", form=p + "form"):
        try:
            with unit_of_work(user.id) as s:
                ix.save_brand(s, actor=user, name=name, scarce_or_controlled=scarce, active=active,
                              brand_id=brand.id if brand else None, version=brand.version if brand else None)
        except REFUSED as exc:
            show_input_error(exc, p)
        else:
            saved(_("Brand saved."), p)
