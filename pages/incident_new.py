"""Open an incident in under 30 seconds: type, severity, title and what is happening; the rest can wait.
With `?complaint=ID` it opens the incident linked to a major (grade 1) complaint."""
import streamlit as st

from db.engine import unit_of_work
from db.incident_models import BUSINESS_STEPS, INCIDENT_TYPES, SCOPES
from portal import incidents as ix
from portal.i18n import _
from portal.incidents.labels import SCOPE_LABELS, SEVERITY_LABELS, STEP_LABELS, TYPE_LABELS
from portal.inputs import MOMENT_BOUNDS, int_param
from portal.ui.forms import REFUSED, forget, form_defaults, retried, show_input_error
from portal.ui.session import page_user
from portal.ui.text import plain

P = "new_incident_"
user = page_user("incidents.run")
st.page_link("pages/incident_board.py", label=_("Incident board"), icon=":material/arrow_back:")
st.title(_("Open an incident"))


def opened(incident_id: int) -> None:
    forget(P)
    st.session_state[f"inc{incident_id}_opened_here"] = True  # the incident page opens on its checklist
    st.switch_page("pages/incident.py", query_params={"id": str(incident_id)})


with unit_of_work(user.id) as s:
    coordinators = ix.coordinators(s)
    districts, routes = ix.areas(s)
    complaint_id = int_param(st.query_params, "complaint")
    complaint = ix.linked_complaint(s, actor=user, complaint_id=complaint_id) if complaint_id else None

if complaint is not None:
    with st.container(border=True):
        st.markdown(_("**Major complaint {ref}**: {text}").format(ref=complaint.reference,
                                                                   text=plain(complaint.description[:300])))
        if st.button(_("Open the linked incident"), type="primary", key=P + "from_complaint"):
            try:
                with unit_of_work(user.id) as s:
                    incident_id = ix.open_incident_from_complaint(s, actor=user, complaint_id=complaint.id).id
            except REFUSED as exc:
                show_input_error(exc, P)
            else:
                opened(incident_id)

form_defaults(P, {"type": None, "severity": 3, "title": "", "situation": "", "commander": user.id,
                  "scope": "local", "steps": [], "districts": [], "routes": [], "retailers": []})
left, right = st.columns(2)
kind = left.selectbox(_("Type") + " *", INCIDENT_TYPES, format_func=lambda v: _(TYPE_LABELS[v]), key=P + "type",
                      index=None, placeholder=_("Choose…"))
severity = right.selectbox(_("Severity") + " *", list(SEVERITY_LABELS), key=P + "severity",
                           format_func=lambda v: _(SEVERITY_LABELS[v]),
                           help=_("1–2 are major (重大): the emergency command group takes over and a commander "
                                  "(总指挥) must be named."))
title = st.text_input(_("Title") + " *", key=P + "title", max_chars=200,
                      placeholder=_("e.g. Rainstorm in 城东区, routes flooded"))
situation = st.text_area(_("What is happening"), key=P + "situation", height=90)
left, right = st.columns(2)
commander = left.selectbox(_("Commander") + (" *" if severity <= 2 else ""), list(coordinators),
                           format_func=coordinators.get, key=P + "commander", index=None, placeholder=_("Nobody"))
started = right.datetime_input(_("Started (empty: now)"), value=None, key=P + "started", format="YYYY-MM-DD",
                               **MOMENT_BOUNDS)
steps = st.pills(_("Affected business steps"), BUSINESS_STEPS, selection_mode="multi", key=P + "steps",
                 format_func=lambda v: _(STEP_LABELS[v]))
with st.expander(_("More details (can be added later)")):
    left, right = st.columns(2)
    scope = left.segmented_control(_("Scope"), SCOPES, format_func=lambda v: _(SCOPE_LABELS[v]), key=P + "scope")
    casualties = right.checkbox(_("Casualties"), key=P + "casualties")
    picked_districts = left.multiselect(_("Affected districts"), districts, key=P + "districts")
    picked_routes = right.multiselect(_("Affected routes"), routes, key=P + "routes")
    detected = left.datetime_input(_("Detected"), value=None, key=P + "detected", format="YYYY-MM-DD", **MOMENT_BOUNDS)
    reported = right.datetime_input(_("Reported"), value=None, key=P + "reported", format="YYYY-MM-DD", **MOMENT_BOUNDS)
    reporter = left.text_input(_("Reported by"), key=P + "reporter", max_chars=100)
    estimate = right.number_input(_("Affected retailers (estimate)"), value=None, step=1,  # range: the domain's
                                  key=P + "estimate")
    search = st.text_input(_("Find retailers for the call list"), key=P + "search",
                           placeholder=_("Licence number, shop or owner name"))
    with unit_of_work(user.id) as s:
        found = ix.find_retailers(s, actor=user, text=search) if search.strip() else {}
    known = st.session_state.setdefault(P + "known", {})
    known.update(found)
    picked = st.multiselect(_("Retailers to call"), list(dict.fromkeys([*st.session_state[P + "retailers"],
                                                                       *found])),
                            format_func=known.get, key=P + "retailers")

if st.button(_("Open incident"), type="primary", icon=":material/add_alert:", key=P + "save") or retried(P + "save"):
    try:
        with unit_of_work(user.id) as s:
            incident_id = ix.open_incident(
                s, actor=user, type=kind, severity=severity, title=title, situation=situation, started_at=started,
                commander_id=commander, affected_steps=steps or [], scope=scope or "local", casualties=casualties,
                affected_districts=picked_districts, affected_routes=picked_routes, detected_at=detected,
                reported_at=reported, reporter=reporter, affected_retailers_estimate=estimate, retailer_ids=picked).id
    except REFUSED as exc:
        show_input_error(exc, P)
    else:
        opened(incident_id)
