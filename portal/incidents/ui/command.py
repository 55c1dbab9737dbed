"""The incident page's command group, checklist and supervision review, and the group's one-line summary that the
board and the page header show."""
from __future__ import annotations

import streamlit as st

from db.engine import unit_of_work
from db.incident_models import GROUP_POSITIONS, MAJOR_SEVERITIES, Incident
from portal import incidents as ix
from portal.access.auth import CurrentUser, can
from portal.i18n import _, fmt_datetime, pgettext
from portal.incidents.labels import POSITION_LABELS
from portal.incidents.ui.panels import _attempt as attempt
from portal.ui.forms import form_defaults, submit_button
from portal.ui.text import plain


def group_line(members: list[ix.GroupMember]) -> str:
    """“Group leader: 张华 · Deputy group leader: 孙浩 · Commander: 黄伟 · Members: 吴婷、徐明” (names made plain)."""
    parts = [_("{position}: {name}").format(position=_(POSITION_LABELS[m.position]), name=plain(m.name))
             for m in members if m.position != "member"]
    if members_only := [plain(m.name) for m in members if m.position == "member"]:
        parts.append(_("{position}: {name}").format(position=_("Members"), name="、".join(members_only)))
    return " · ".join(parts)


def group_warning(incident: Incident | ix.BoardRow, members: list[ix.GroupMember]) -> str:
    """For a major incident whose group is not filled: what is missing (a red badge's text); else ""."""
    if incident.severity not in MAJOR_SEVERITIES or incident.status == "closed":
        return ""
    held = {m.position for m in members}
    missing = [_(POSITION_LABELS[p]) for p in ("leader", "deputy_leader", "commander", "member") if p not in held]
    return _("Command group incomplete: {missing}").format(
        missing=pgettext("list separator", ", ").join(missing)) if missing else ""


def group_panel(user: CurrentUser, incident: Incident, members: list[ix.GroupMember], staff: dict[int, str]) -> None:
    """The command group (plan §2.1.1): who holds which position; coordinators name and stand people down."""
    st.subheader(_("Command group"))
    run = can(user, "incidents.run") and incident.status != "closed"
    if warning := group_warning(incident, members):
        st.warning(warning + " " + _("(a major incident moves past “Opened” only with its group filled)"),
                   icon=":material/groups:")
    for m in members:
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.markdown(f"**{_(POSITION_LABELS[m.position])}** · {plain(m.name)} ({plain(m.staff_id)})"
                      + (f" · {plain(m.department)}" if m.department else ""))
        off = f"group_{incident.id}_{m.user_id}_off"
        if run and m.position != "commander" and right.button(_("Stand down"), key=off):
            attempt(off + "_", _("Stood down."), ix.remove_from_group, actor=user,
                    incident_id=incident.id, user_id=m.user_id)
    if not members:
        st.caption(_("Nobody named yet."))
    if not run:
        return
    p = f"inc{incident.id}_group_"
    form_defaults(p, {"user": None, "position": "member"})
    with st.form(p + "form"):
        left, right = st.columns([3, 2])
        person = left.selectbox(_("Person"), list(staff), format_func=staff.get, index=None, key=p + "user",
                                placeholder=_("Choose…"))
        position = right.selectbox(_("Position"), GROUP_POSITIONS, key=p + "position",
                                   format_func=lambda v: _(POSITION_LABELS[v]))
        st.caption(_("The commander (总指挥) is named below with the severity. Whoever is named is paged."))
        if submit_button(_("Name to the group"), icon=":material/person_add:", key=p + "save"):
            attempt(p, _("Named to the command group."), ix.name_to_group, actor=user, incident_id=incident.id,
                    user_id=person, position=position)


def checklist_panel(user: CurrentUser, incident: Incident) -> None:
    """The plan's measures for this type of incident; ticking one (or unticking a mistake) goes on the timeline."""
    with unit_of_work(user.id) as s:
        rows = ix.checklist(s, actor=user, incident_id=incident.id, incident_type=incident.type)
    run = can(user, "incidents.run") and incident.status != "closed"
    st.caption(_("{done} of {total} done · from the emergency plan (客户服务应急预案)").format(
        done=sum(r.done for r in rows), total=len(rows)))
    for row in rows:
        key = f"check_{incident.id}_{row.item.code}"
        clause = f" :gray[{row.item.clause}]" if row.item.clause else ""
        with st.container(border=True, key=key + "_row"):
            left, right = st.columns([5, 1], vertical_alignment="center")
            if row.done:
                by = _("Ticked by {name}, {time}").format(name=plain(row.ticked_by or "—"),
                                                          time=fmt_datetime(row.ticked_at))
                left.markdown(f":green[:material/check_circle:] {_(row.item.text)}{clause}  \n{by}")
            else:
                left.markdown(f":material/radio_button_unchecked: {_(row.item.text)}{clause}")
            if run and right.button(_("Undo") if row.done else _("Done"), key=key):
                attempt(key + "_", _("Checklist updated."), ix.tick_item, actor=user, incident_id=incident.id,
                        item=row.item.code, done=not row.done)


def review_panel(user: CurrentUser, incident: Incident, reviewer: str | None) -> None:
    """The supervision center's review (督察考评中心): shown to all; recorded by a reviewer once the incident is
    resolved, under their own name and the time of saving."""
    st.subheader(_("Supervision review"))
    if incident.review_note:  # (one closed before reviews were signed has its note alone)
        by = _("Reviewed by {name}, {time}").format(name=plain(reviewer or "—"), time=fmt_datetime(
            incident.reviewed_at)) + "  \n" if incident.reviewed_at else ""
        st.markdown(by + plain(incident.review_note))
    elif incident.status == "resolved":
        st.caption(_("Awaiting the supervision center's review; the incident is closed out after it."))
    else:
        st.caption(_("The supervision center reviews the incident once it is resolved."))
    if not ix.may_review(user, incident):
        return
    p = f"inc{incident.id}_review_"
    form_defaults(p, {"note": ""})
    with st.form(p + "form"):
        note = st.text_area(_("Review findings"), key=p + "note", height=90)
        st.caption(_("Recorded under your name ({name}) and the time you save it.").format(name=plain(user.name)))
        if submit_button(_("Record review"), type="primary", key=p + "save"):
            attempt(p, _("Review recorded."), ix.record_review, actor=user, incident_id=incident.id, note=note,
                    version=incident.version)
