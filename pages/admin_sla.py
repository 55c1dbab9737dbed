"""Admin · Time limits (SLA): first reply and resolution per complaint grade."""
import streamlit as st

from db.engine import unit_of_work
from portal.center.admin import CLOCK_STARTS, list_sla_limits, set_sla_clock_start, sla_clock_start, update_sla_limit
from portal.complaints.labels import GRADE_LABELS
from portal.errors import InputError
from portal.i18n import _
from portal.ui.forms import edit_form, guarded_callback, saved, show_flash, show_input_error, submit_button
from portal.ui.session import page_user

user = page_user("admin.manage")
with unit_of_work(user.id) as s:
    limits = list_sla_limits(s)
    clock_start = sla_clock_start(s)
CLOCK_LABELS = {"received": _("its receipt (when the call, letter or e-mail came in; recommended: a late registration "
                              "counts against the limits)"),
                "registered": _("its registration in the portal")}


@guarded_callback
def _save_clock_start() -> None:
    with unit_of_work(user.id) as s:
        set_sla_clock_start(s, actor=user, start=st.session_state["sla_clock_start"])

st.title(_("Time limits (SLA)"))
st.caption(_("A complaint past a limit is overdue. Resolution counts working days: weekends and public holidays "
             "(see the working-day calendar) do not count."))
show_flash()

for column, limit in zip(st.columns(len(limits)), limits, strict=True):
    prefix = f"sla_{limit.grade}_"
    row = edit_form(prefix, limit, {"hours": limit.first_reply_hours, "days": limit.resolution_working_days})
    with column, st.form(prefix + "form"):
        st.markdown("**" + _("Grade {label}").format(label=_(GRADE_LABELS[row.grade])) + "**")
        hours = st.number_input(_("First reply within (hours)"), step=1, key=prefix + "hours")
        days = st.number_input(_("Resolution within (working days)"), step=1, key=prefix + "days")
        submitted = submit_button(_("Save"), type="primary", key=prefix + "save")
    if submitted:
        try:
            with unit_of_work(user.id) as s:
                update_sla_limit(s, actor=user, grade=row.grade, version=row.version, first_reply_hours=int(hours),
                                 resolution_working_days=int(days))
        except InputError as exc:
            with column:
                show_input_error(exc, prefix)
        else:
            saved(_("Time limits of grade {grade} saved.").format(grade=row.grade), prefix)

st.radio(_("A complaint's time limits count from"), CLOCK_STARTS, index=CLOCK_STARTS.index(clock_start),
         format_func=CLOCK_LABELS.get, key="sla_clock_start", on_change=_save_clock_start,
         help=_("For complaints registered from now on (and a re-triage); those registered before keep their limits."))
