"""One incident: header, objectives, the live log (ICS-214: filter, search, ★, files, export) with its entry form,
command (status, severity, commander), response (suspensions, notices, call list), follow-up actions, and the
handover brief (ICS-201)."""
import streamlit as st

from db.engine import unit_of_work
from portal import incidents as ix
from portal.access.auth import can
from portal.errors import InputError
from portal.i18n import _, fmt_datetime
from portal.incidents.labels import SCOPE_LABELS, STEP_LABELS, TYPE_LABELS
from portal.incidents.records import INCIDENTS
from portal.incidents.rules import utcnow
from portal.incidents.ui.command import checklist_panel, group_line, group_panel, group_warning, review_panel
from portal.incidents.ui.log import (
    elapsed,
    entry_form,
    refresh_every,
    severity_badge,
    status_badge,
)
from portal.incidents.ui.log_tools import attach_box, log_exports, log_filter, objectives_box, show_log
from portal.incidents.ui.panels import actions_panel, command_panel, response_panel
from portal.inputs import int_param
from portal.ui.forms import live_part, show_flash
from portal.ui.record_nav import record_nav
from portal.ui.session import page_user
from portal.ui.text import plain

user = page_user("incidents.view")
wanted = st.query_params.get("id", "")
wanted_id = int_param(st.query_params, "id")
if not record_nav(INCIDENTS, user, wanted_id, record_page="pages/incident.py", grid_page="pages/incidents.py",
                  back_label=_("All incidents")):
    st.page_link("pages/incident_board.py", label=_("Incident board"), icon=":material/arrow_back:")
try:
    with unit_of_work(user.id) as s:
        view = ix.incident_view(s, actor=user, incident_id=wanted_id) if wanted_id else None
        coordinators, staff = ix.coordinators(s), ix.active_staff(s)
        if view is not None:
            group = ix.command_group(s, actor=user, incident_id=view.incident.id)
            reviewer = ix.reviewer_name(s, view.incident)
except InputError:
    view = None
if view is None:
    st.error(_("There is no incident {id}. Open one from the board.").format(id=plain(wanted)))
    st.stop()

i = view.incident
st.title(f"{i.reference} · {plain(i.title)}")
st.markdown(" ".join([status_badge(i.status), severity_badge(i.severity),
                      f":gray-badge[{_(TYPE_LABELS[i.type])} · {_(SCOPE_LABELS[i.scope])}]"]
                     + ([":red-badge[" + _("Casualties") + "]"] if i.casualties else [])))
show_flash()
facts = st.columns(4)
facts[0].metric(_("Commander"), plain(view.commander) if view.commander else "—")
facts[1].metric(_("Running for"), elapsed((i.resolved_at or i.closed_at or utcnow()) - i.started_at))
estimate = i.affected_retailers_estimate
facts[2].metric(_("Affected retailers"), "—" if estimate is None else estimate)
facts[3].metric(_("Open actions"), len(view.open_actions))
st.caption(" · ".join(filter(None, [
    _("Started {time}").format(time=fmt_datetime(i.started_at)),
    _("detected {time}").format(time=fmt_datetime(i.detected_at)) if i.detected_at else "",
    _("reported {time}").format(time=fmt_datetime(i.reported_at)) if i.reported_at else "",
    _("by {name}").format(name=plain(i.reporter)) if i.reporter else "",
    _("opened by {name}").format(name=plain(view.opened_by)),
    "、".join(_(STEP_LABELS[s]) for s in i.affected_steps),
    "、".join(plain(a) for a in i.affected_districts + i.affected_routes)])))
st.caption(_("Command group: {group}").format(group=group_line(group) or "—")
           + (f" :red-badge[{warning}]" if (warning := group_warning(i, group)) else ""))
if i.situation:
    st.markdown(plain(i.situation))
objectives_box(user, i, may_edit=can(user, "incidents.run") and i.status != "closed")
if view.complaint is not None:
    st.info(_("Opened from major complaint {ref} ({time}): {text}").format(
        ref=view.complaint.reference, time=fmt_datetime(view.complaint.received_at),
        text=plain(view.complaint.description[:300])), icon=":material/link:")
if i.resolution and i.resolved_at:  # a reopened incident is not resolved (older rows kept the text)
    st.success(_("Resolution: {text} ({time})").format(text=plain(i.resolution), time=fmt_datetime(i.resolved_at)))
if i.status == "closed":
    st.caption(_("Root cause: {cause} · Review: {review}").format(cause=plain(i.root_cause or ""),
                                                                          review=plain(i.review_note or "")))
st.download_button(_("Handover brief"), ix.handover_brief_html(view), file_name=f"{i.reference}-handover.html",
                   mime="text/html", icon=":material/print:", key="brief_download",
                   help=_("A page to print (ICS-201): situation, objectives, command group, resources, actions "
                          "taken and planned, retailers still to call, the timeline; prepared by you, now."))

# a keyed tab set remembers the open tab: after a save (a full rerun) the coordinator stays where they were
# an incident opened in this session opens on its checklist (the plan's measures for its type come first); the flag
# stays, since a tab set whose default changed is a new widget that would jump back to the first tab
just_opened = st.session_state.get(f"inc{i.id}_opened_here", False)
timeline_tab, checklist_tab, command_tab, response_tab, actions_tab = st.tabs(
    [_("Timeline"), _("Checklist"), _("Status and command"), _("Suspensions, notices, calls"),
     _("Follow-up actions")], key=f"inc{i.id}_tab", on_change="rerun", default=_("Checklist") if just_opened else None)
with timeline_tab:
    if can(user, "incidents.run") and i.status != "closed":
        entry_form(user, i.id, prefix=f"inc{i.id}_entry_", entries=view.timeline)

    @st.fragment(run_every=refresh_every())
    @live_part
    def live_timeline() -> None:
        """Refreshes by itself; the entry form above keeps what is being typed, the filter what it asks for."""
        with unit_of_work(user.id) as s:
            entries = ix.timeline(s, actor=user, incident_id=i.id)
        p = f"inc{i.id}_log_"
        wanted = log_filter(entries, p)
        shown = ix.filter_log(entries, wanted)
        counted, tools = st.columns([3, 2], vertical_alignment="center")
        counted.caption(_("{shown} of {total} entries").format(shown=len(shown), total=len(entries)))
        with tools:
            log_exports(view, shown, wanted, entries, p)
        may_run = can(user, "incidents.run") and i.status != "closed"
        if may_run:
            attach_box(user, entries, shown, p)
        show_log(user, shown, may_star=may_run, prefix=p)

    live_timeline()
with checklist_tab:
    checklist_panel(user, i)
with command_tab:
    group_panel(user, i, group, staff)
    command_panel(user, view, coordinators)
    review_panel(user, i, reviewer)
with response_tab:
    response_panel(user, view)
with actions_tab:
    actions_panel(user, view, staff)
