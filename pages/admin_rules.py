"""Admin · Notification rules: every built-in rule by area — on or off, who is told, its lead time — and back to the
built-in setting."""
import streamlit as st

from db.engine import unit_of_work
from portal.i18n import N_, _
from portal.notifications.audiences import AUDIENCE_TITLES
from portal.notifications.rule_admin import reset_rule_setting, rule_rows, save_rule_setting
from portal.ui.forms import REFUSED, edit_form, saved, show_flash, show_input_error, submit_button
from portal.ui.session import page_user

AREA_TITLES = {"complaints": N_("Complaints"), "training": N_("Training"), "incidents": N_("Incidents")}
UNITS = {"minutes": N_("minutes"), "hours": N_("hours")}

user = page_user("admin.manage")
with unit_of_work(user.id) as s:
    rows = rule_rows(s, actor=user)

st.title(_("Notification rules"))
st.caption(_("What the portal tells people by itself. Turn a rule off, choose who is told, or change how early it "
             "warns; “Back to the built-in setting” undoes your changes."))
show_flash()
if not rows:
    st.info(_("No rules yet."))

for area in dict.fromkeys(r.rule.area for r in rows):
    st.subheader(_(AREA_TITLES.get(area, area)))
    for current in (r for r in rows if r.rule.area == area):
        rule, prefix = current.rule, f"rule_{current.rule.key}_"
        lead = current.lead_minutes
        hours = lead is not None and lead % 60 == 0
        row = edit_form(prefix, current, {"enabled": current.enabled, "audiences": list(current.audiences),
                                          "lead": (lead // 60 if hours else lead) if lead is not None else 0,
                                          "unit": "hours" if hours else "minutes"})
        with st.form(prefix + "form", border=True):
            title, state = st.columns([4, 1], vertical_alignment="center")
            title.markdown("**" + _(rule.title) + "**")
            state.caption(_("as built") if row.as_built else _("changed by an admin"))
            enabled = st.toggle(_("On"), key=prefix + "enabled")
            audiences = st.multiselect(_("Who is told"), list(rule.audiences), key=prefix + "audiences",
                                       format_func=lambda a: _(AUDIENCE_TITLES.get(a, a)))
            amount, unit = None, None
            if rule.lead is not None:
                left, right = st.columns(2)
                amount = left.number_input(_("Lead time"), step=1, key=prefix + "lead")  # range: the domain's
                unit = right.selectbox(_("Unit"), list(UNITS), key=prefix + "unit", format_func=lambda u: _(UNITS[u]))
            save, reset = st.columns(2)
            with save:
                pressed_save = submit_button(_("Save"), type="primary", key=prefix + "save")
            with reset:
                pressed_reset = (not row.as_built) and submit_button(_("Back to the built-in setting"),
                                                                     key=prefix + "reset")
        if pressed_save or pressed_reset:
            minutes = None if amount is None else int(amount) * (60 if unit == "hours" else 1)
            try:
                with unit_of_work(user.id) as s:
                    if pressed_reset:
                        reset_rule_setting(s, actor=user, key=rule.key, version=row.version)
                    else:
                        save_rule_setting(s, actor=user, key=rule.key, version=row.version, enabled=enabled,
                                          audiences=audiences, lead_minutes=minutes)
            except REFUSED as exc:
                show_input_error(exc, prefix)
            else:
                saved(_("Rule “{title}” saved.").format(title=_(rule.title)), prefix)
