"""The incident page's panels: command (status, severity, commander), response (suspensions, notices, call
list) and follow-up actions. Each form keeps its input when a save is refused; after a save its widgets get their
starting values explicitly (form_defaults / edit_form), because a value that is only forgotten stays on screen in
the browser."""
from __future__ import annotations

import streamlit as st

from db.engine import unit_of_work
from db.incident_models import BUSINESS_STEPS, NOTICE_METHODS
from portal import incidents as ix
from portal.access.auth import CurrentUser, can
from portal.dashboards.period import center_today
from portal.i18n import _, fmt_date, fmt_datetime
from portal.incidents.labels import NOTICE_METHOD_LABELS, SEVERITY_LABELS, STATUS_LABELS, STEP_LABELS
from portal.inputs import DATE_BOUNDS, MOMENT_BOUNDS
from portal.ui import nav
from portal.ui.forms import REFUSED, edit_form, forget, form_defaults, saved, show_input_error, submit_button
from portal.ui.text import plain


def _attempt(prefix: str, message: str, fn, *, also_forget: tuple[str, ...] = (), **kw) -> None:
    """Run a domain move in its own unit of work; on success say so and redraw (forgetting the form, and the
    `also_forget` forms that read the incident's version), else show what was wrong. Not inside an st.form: a
    stale edit offers a Reload button."""
    user = kw["actor"]
    try:
        with unit_of_work(user.id) as s:
            fn(s, **kw)
    except REFUSED as exc:
        show_input_error(exc, prefix)
    else:
        for other in also_forget:
            forget(other)
        saved(message, prefix)


def command_panel(user: CurrentUser, view: ix.IncidentView, coordinators: dict[int, str]) -> None:
    """Move the status on; change severity or commander (each lands on the timeline by itself)."""
    i = view.incident
    if i.status == "closed":
        st.caption(_("Closed out: status, severity and commander stay as they are."))
    if i.status == "closed" or not can(user, "incidents.run"):
        return
    p, other = f"inc{i.id}_status_", f"inc{i.id}_severity_"  # each move changes the version the other one read
    version = edit_form(p, i.version, {"to": None, "note": "", "resolution": "", "resolved_at": None, "root_cause": "",
                                       "anyway": False})
    targets = sorted(ix.TRANSITIONS[i.status], key=list(STATUS_LABELS).index)
    with st.form(p + "form"):
        to = st.selectbox(_("New status"), targets, format_func=lambda v: _(STATUS_LABELS[v]), key=p + "to",
                          index=None, placeholder=_("Choose…"))
        note = st.text_input(_("Note"), key=p + "note")
        st.caption(_("For “Resolved”: the resolution and when. For “Closed out”: the root cause, at least one "
                     "follow-up action, and the supervision center's review (recorded by its reviewer)."))
        resolution = st.text_area(_("Resolution"), key=p + "resolution", height=68)
        resolved_at = st.datetime_input(_("Resolved at (empty: now)"), value=None, key=p + "resolved_at",
                                        format="YYYY-MM-DD", **MOMENT_BOUNDS)
        root_cause = st.text_area(_("Root cause"), key=p + "root_cause", height=68)
        anyway = st.checkbox(_("Close with open actions"), key=p + "anyway")
        submitted = submit_button(_("Change status"), type="primary", key=p + "save")
    if submitted:
        _attempt(p, _("Status changed."), ix.change_status, also_forget=(other,), actor=user, incident_id=i.id,
                 version=version, status=to, note=note, resolution=resolution, resolved_at=resolved_at,
                 root_cause=root_cause, close_with_open_actions=anyway)
    p, other = other, p
    version = edit_form(p, i.version, {"to": i.severity, "commander": i.commander_id, "note": ""})
    with st.form(p + "form"):
        left, right = st.columns(2)
        severity = left.selectbox(_("Severity"), list(SEVERITY_LABELS), key=p + "to",
                                  format_func=lambda v: _(SEVERITY_LABELS[v]))
        commander = right.selectbox(_("Commander"), list(coordinators), format_func=coordinators.get, index=None,
                                    key=p + "commander", placeholder=_("Nobody"))
        note = st.text_input(_("Note"), key=p + "note")
        submitted = submit_button(_("Save severity and commander"), key=p + "save")
    if submitted and severity != i.severity:
        _attempt(p, _("Severity changed."), ix.change_severity, also_forget=(other,), actor=user, incident_id=i.id,
                 version=version, severity=severity, commander_id=commander, note=note)
    elif submitted and commander != i.commander_id:
        _attempt(p, _("Commander changed."), ix.set_commander, also_forget=(other,), actor=user, incident_id=i.id,
                 version=version, commander_id=commander, note=note)
    elif submitted and note.strip():  # neither changed: the note alone goes on the timeline
        _attempt(p, _("Severity and commander unchanged; your note was added to the timeline."), ix.add_entry,
                 actor=user, incident_id=i.id, text=note)
    elif submitted:
        st.info(_("Nothing changed: choose another severity or commander, or write a note."),
                icon=":material/info:")


def response_panel(user: CurrentUser, view: ix.IncidentView) -> None:
    """Suspended services, what retailers were told, and the call list."""
    i, run = view.incident, can(user, "incidents.run") and view.incident.status != "closed"
    st.subheader(_("Service suspensions"))
    for sus in view.suspensions:
        line = f"**{_(STEP_LABELS[sus.service])}** · {plain(sus.area)} · {fmt_datetime(sus.suspended_at)} → " + (
            fmt_datetime(sus.resumed_at) if sus.resumed_at else _("still suspended") + (
                " " + _("(planned to resume at {time})").format(time=fmt_datetime(sus.planned_resumption_at))
                if sus.planned_resumption_at else ""))
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.markdown(line)
        if run and sus.resumed_at is None and right.button(_("Resumed"), key=f"resume_{sus.id}"):
            _attempt(f"resume_{sus.id}_", _("Service resumed."), ix.record_resumption, actor=user,
                     suspension_id=sus.id, version=sus.version)
    if run:
        p = f"inc{i.id}_suspend_"
        # the service the incident stopped (its affected steps) and where, to start from
        form_defaults(p, {"service": (i.affected_steps or BUSINESS_STEPS)[0], "area": "、".join(
            i.affected_routes or i.affected_districts or []), "since": None, "planned": None})
        with st.form(p + "form"):
            left, right = st.columns(2)
            service = left.selectbox(_("Service"), BUSINESS_STEPS, format_func=lambda v: _(STEP_LABELS[v]),
                                     key=p + "service")
            area = right.text_input(_("Area"), key=p + "area", placeholder=_("e.g. 城东区, routes 城东-01"))
            since = left.datetime_input(_("Suspended since (China time; empty: now)"), key=p + "since",
                                        format="YYYY-MM-DD", step=60, **MOMENT_BOUNDS)
            planned = right.datetime_input(_("Planned resumption (China time; optional)"), key=p + "planned",
                                           format="YYYY-MM-DD", step=60, **MOMENT_BOUNDS)
            if submit_button(_("Record suspension"), key=p + "save"):
                _attempt(p, _("Suspension recorded."), ix.record_suspension, actor=user, incident_id=i.id,
                         service=service, area=area, suspended_at=since, planned_resumption_at=planned)
    st.subheader(_("Customer notices"))
    for notice, by in view.notices:
        st.markdown(f"**{_(NOTICE_METHOD_LABELS[notice.method])}** · {fmt_datetime(notice.at)} · {plain(by)}"
                    f"{' · ' + plain(notice.audience) if notice.audience else ''}  \n{plain(notice.text)}")
    if run:
        p = f"inc{i.id}_notice_"
        form_defaults(p, {"method": ix.suggested_notice_method(i.scope), "text": "", "audience": ""})
        if view.texting:
            form_defaults(p, {"send": False})
        with st.form(p + "form"):
            method = st.selectbox(_("Method"), NOTICE_METHODS, format_func=lambda v: _(NOTICE_METHOD_LABELS[v]),
                                  key=p + "method", help=_("District-wide: broadcast or SMS. Local: a call to each "
                                                           "affected retailer (tick them off the call list)."))
            text = st.text_area(_("What retailers were told"), key=p + "text", height=68)
            audience = st.text_input(_("Who was told"), key=p + "audience")
            send = view.texting and st.checkbox(
                _("Send it now by text message to the retailers on the call list"), key=p + "send",
                help=_("Method “Text message (SMS)”: the portal sends it through the gateway; the call list shows each "
                       "message."))
            if submit_button(_("Record notice"), key=p + "save"):
                _attempt(p, _("Notice recorded; its text messages are on their way.") if send else
                         _("Notice recorded."), ix.record_notice, actor=user, incident_id=i.id, method=method,
                         text=text, audience=audience, send=send)
    call_list(user, view, run)


CALLS_PER_PAGE = 15


def _matches(call: dict, query: str) -> bool:
    query = query.strip().lower()
    return not query or any(query in (call[k] or "").lower() for k in ("shop_name", "license_no", "phone"))


def call_list(user: CurrentUser, view: ix.IncidentView, run: bool) -> None:
    """The retailers to ring, one row each with its own “Called” button and a note of what they said: a coordinator
    works down it while on the phone (a grid cell to tick is too fiddly for that). Long lists are searched and
    paged; the order stays put as rows are ticked, so nobody loses their place."""
    st.subheader(_("Call list"))
    calls = view.call_list
    if not calls:
        st.caption(_("No retailers listed. Add them by route below, or pick them when opening the incident."))
    else:
        p = f"inc{view.incident.id}_calls_"
        st.caption(_("{done} of {total} called").format(done=view.calls_done, total=len(calls)))
        find, todo = st.columns([3, 2], vertical_alignment="bottom")
        query = find.text_input(_("Find on the call list"), key=p + "find",
                                placeholder=_("Shop, licence number or phone"))
        only_todo = todo.toggle(_("Only those not called yet"), key=p + "todo")
        shown = [c for c in calls if _matches(c, query) and not (only_todo and c["called"])]
        pages = max(1, -(-len(shown) // CALLS_PER_PAGE))
        number = 1
        if st.session_state.get(p + "page", 1) > pages:  # a narrower search has fewer pages: back to the first
            st.session_state[p + "page"] = 1
        if pages > 1:
            number = st.selectbox(_("Page"), range(1, pages + 1), key=p + "page",
                                  format_func=lambda n: _("{n} of {pages}").format(n=n, pages=pages))
        for call in shown[(number - 1) * CALLS_PER_PAGE:number * CALLS_PER_PAGE]:
            _call_row(user, call, run)
        if not shown:
            st.caption(_("Nobody on the call list matches."))
    if run:
        with unit_of_work(user.id) as s:
            routes = ix.areas(s)[1]
        p = f"inc{view.incident.id}_calls_add_"
        form_defaults(p, {"routes": []})
        with st.form(p + "form"):
            picked = st.multiselect(_("Add every active retailer on routes"), routes, key=p + "routes")
            if submit_button(_("Add to call list"), key=p + "save"):
                _attempt(p, _("Call list updated."), ix.add_to_call_list, actor=user, incident_id=view.incident.id,
                         routes=picked)


def _call_row(user: CurrentUser, call: dict, run: bool) -> None:
    """One retailer: who and the number to ring; not called yet: a note and “Called”; called: by whom, when, what
    they said, and “Undo” for a mistaken tick."""
    p = f"call_{call['id']}_"
    phone = f"[{call['phone']}](tel:{call['phone']})" if call["phone"] else "—"
    who = f"**{plain(call['shop_name'])}**  \n{call['license_no']} · {phone}"
    if message := call.get("message"):
        color = {"sent": "green", "failed": "red"}.get(message.state, "gray")
        who += f"  \n:{color}[{plain(message.text)}]"
    if call["called"]:
        with st.container(key=p + "row", border=True):
            left, middle, right = st.columns([3, 4, 1], vertical_alignment="center")
            left.markdown(who)
            done = _("Called by {name}, {time}").format(name=plain(call["called_by"] or "—"),
                                                        time=fmt_datetime(call["called_at"]))
            middle.markdown(f":green[:material/check_circle: {done}]" + (
                f"  \n{plain(call['note'])}" if call["note"] else ""))
            if run and right.button(_("Undo"), key=p + "undo", help=_("Not called after all: put the tick back.")):
                _attempt(p, _("Call unticked."), ix.mark_called, actor=user, call_id=call["id"],
                         version=call["version"], called=False, note=call["note"] or "")
        return
    if not run:
        with st.container(key=p + "row", border=True):
            st.markdown(who)
        return
    form_defaults(p, {"note": ""})
    with st.container(key=p + "row", border=True), st.form(p + "form", border=False):
        left, middle, right = st.columns([3, 4, 1], vertical_alignment="center")
        left.markdown(who)
        note = middle.text_input(_("What they said"), key=p + "note", label_visibility="collapsed",
                                 placeholder=_("What they said (optional)"))
        with right:
            called = submit_button(_("Called"), icon=":material/call:", key=p + "save")
    if called:
        _attempt(p, _("Call ticked off."), ix.mark_called, actor=user, call_id=call["id"], version=call["version"],
                 called=True, note=note)


def actions_panel(user: CurrentUser, view: ix.IncidentView, staff: dict[int, str]) -> None:
    """Follow-up actions: owner, due date, done."""
    for a in view.actions:
        left, right = st.columns([4, 1], vertical_alignment="center")
        mark = "~~" if a["done"] else ""
        due = _("due {day}").format(day=fmt_date(a["due_date"]))
        left.markdown(f"{mark}{plain(a['text'])}{mark} · {plain(a['owner'])} · {due}")
        if not a["done"] and (can(user, "incidents.run") or a["owner_id"] == user.id) and right.button(
                _("Done"), key=f"action_done_{a['id']}"):
            _attempt(f"action_{a['id']}_", _("Action done."), ix.complete_action, actor=user, action_id=a["id"],
                     version=a["version"])
    if not view.actions:
        st.caption(_("No follow-up actions yet. Closing needs at least one."))
    if can(user, "incidents.run") and view.incident.status != "closed":
        p = f"inc{view.incident.id}_action_"
        form_defaults(p, {"text": "", "owner": None, "due": None})
        with st.form(p + "form"):
            text = st.text_input(_("Action"), key=p + "text")
            left, right = st.columns(2)
            owner = left.selectbox(_("Owner"), list(staff), format_func=staff.get, index=None, key=p + "owner",
                                   placeholder=_("Choose…"))
            due = right.date_input(_("Due date"), value=None, key=p + "due", **DATE_BOUNDS)
            if submit_button(_("Add action"), key=p + "save"):
                _attempt(p, _("Action added."), ix.add_action, actor=user, incident_id=view.incident.id, text=text,
                         owner_id=owner, due_date=due)


def my_actions_panel(user: CurrentUser) -> None:
    """Home: the open follow-up actions the user owns, whatever their roles, each linked to its incident (where
    its owner marks it done)."""
    with unit_of_work(user.id) as s:
        mine = ix.my_actions(s, actor=user)
    if not mine:
        return
    st.subheader(_("My follow-up actions"))
    today = center_today()
    with st.container(border=True, key="home_my_actions"):
        for a in mine:
            due = _("due {day}").format(day=fmt_date(a.due_date))
            late = a.due_date < today
            st.markdown(f"{plain(a.text)} · " + (f":red[{_('overdue')}, {due}]" if late else due))
            nav.page_link(user, "pages/incident.py", label=f"{a.reference} · {plain(a.incident_title)}",
                          icon=":material/report:", query_params={"id": str(a.incident_id)})
