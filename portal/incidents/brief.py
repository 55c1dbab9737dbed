"""The handover brief, laid out like ICS-201: a printable summary of an incident for a shift change or for
management — situation, objectives, the command group, resources, actions taken and planned, what is stopped, what
retailers were told and who is still to call, the timeline, and who prepared it when."""
from __future__ import annotations

from html import escape

from portal.access.auth import ROLE_LABELS
from portal.i18n import _, fmt_date, fmt_datetime, pgettext
from portal.incidents.labels import (
    ENTRY_KIND_LABELS,
    NOTICE_METHOD_LABELS,
    POSITION_LABELS,
    SCOPE_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    STEP_LABELS,
    TYPE_LABELS,
)
from portal.incidents.queries import IncidentView

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; font-size: 11pt; margin: 2em; color: #111; }
h1 { font-size: 16pt; margin-bottom: 0.2em; } h2 { font-size: 12.5pt; border-bottom: 1px solid #999;
margin-top: 1.2em; } table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #bbb;
padding: 3px 6px; vertical-align: top; text-align: left; } th { background: #eee; } .meta td:first-child
{ width: 9em; font-weight: bold; } .significant { font-weight: bold; } .muted { color: #666; }
.keep-lines { white-space: pre-line; } .prepared { margin-top: 2em; border-top: 1px solid #999; padding-top: 0.4em; }
@media print { body { margin: 0; } h2 { page-break-after: avoid; } tr { page-break-inside: avoid; } }
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _table(headers: list[str], rows: list[list[str]], empty: str) -> str:
    if not rows:
        return f"<p class='muted'>{_e(empty)}</p>"
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _affected(view: IncidentView) -> str:
    """The estimate given when the incident was opened, and how many retailers are on the call list (the count
    that is known, when nobody estimated)."""
    estimate = view.incident.affected_retailers_estimate
    listed = _("{n} on the call list").format(n=len(view.call_list)) if view.call_list else ""
    if estimate is None:
        return listed or "—"
    return f"{estimate} ({listed})" if listed else str(estimate)


def position_label(code: str | None) -> str:
    """A log author's position (commander, a command-group post, or their role) in the reader's language."""
    label = POSITION_LABELS.get(code or "") or ROLE_LABELS.get(code or "")
    return _(label) if label else ""


def _name_and_position(name: str, position: str | None) -> str:
    label = position_label(position)
    return f"{name} ({label})" if label else name


def _correction_notes(e) -> str:
    """“(corrects entry #12)”, “(corrected by #15)”: the numbers are those of the brief's first column."""
    notes = []
    if e.corrects_entry_id:
        notes.append(_("corrects entry #{n}").format(n=e.corrects_entry_id))
    if e.corrected_by:
        notes.append(_("corrected by #{n}").format(n=", #".join(map(str, e.corrected_by))))
    return f" <span class='muted'>({_e('; '.join(notes))})</span>" if notes else ""


def handover_brief_html(view: IncidentView) -> str:
    """The brief as a standalone HTML page (every value escaped)."""
    i = view.incident
    steps = "、".join(_(STEP_LABELS[s]) for s in i.affected_steps) or "—"
    area = " / ".join(filter(None, ["、".join(i.affected_districts), "、".join(i.affected_routes)])) or "—"
    meta = [
        (_("Status"), _(STATUS_LABELS[i.status])), (_("Severity"), _(SEVERITY_LABELS[i.severity])),
        (_("Type"), f"{_(TYPE_LABELS[i.type])} · {_(SCOPE_LABELS[i.scope])}"),
        (_("Commander"), view.commander or "—"), (_("Opened by"), view.opened_by),
        (_("Started"), fmt_datetime(i.started_at)), (_("Detected"), fmt_datetime(i.detected_at) or "—"),
        (_("Reported"), fmt_datetime(i.reported_at) or "—"), (_("Affected steps"), steps),
        (_("Affected area"), area),
        (_("Affected retailers"), _affected(view)),
    ]
    if view.complaint is not None:
        meta.append((_("Linked complaint"), f"{view.complaint.reference} · {view.complaint.description[:120]}"))
    if i.resolution and i.resolved_at:  # a reopened incident is not resolved
        meta.append((_("Resolution"), f"{i.resolution} ({fmt_datetime(i.resolved_at)})"))
    if i.root_cause:
        meta.append((_("Root cause"), i.root_cause))
    if i.review_note:
        meta.append((_("Review note"), i.review_note))
    meta_rows = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in meta)
    timeline = _table([_("No."), _("Happened"), pgettext("timeline entry", "Kind"), _("Entry"), _("By")], [
        [f"#{e.id}", _e(fmt_datetime(e.happened_at)), _e(_(ENTRY_KIND_LABELS[e.kind])),
         (f"<span class='significant'>★ {_e(e.text)}</span>" if e.significant else _e(e.text))
         + _correction_notes(e), _e(_name_and_position(e.author, e.position))] for e in view.timeline],
        _("No entries yet."))
    actions = _table([_("Action"), _("Owner"), _("Due")], [
        [_e(a["text"]), _e(a["owner"]), _e(fmt_date(a["due_date"]))] for a in view.open_actions],
        _("No open follow-up actions."))
    taken = _table([_("Happened"), _("Action"), _("By")], [
        [_e(fmt_datetime(e.happened_at)), _e(e.text), _e(_name_and_position(e.author, e.position))]
        for e in view.timeline if e.kind == "action"], _("No actions logged yet."))
    resources = _table([_("Happened"), _("Resource"), _("By")], [
        [_e(fmt_datetime(e.happened_at)), _e(e.text), _e(_name_and_position(e.author, e.position))]
        for e in view.timeline if e.kind == "resource"], _("No resources logged yet."))
    group = [(position_label("commander"), view.commander or "—")] + [
        (position_label(m.position) or m.position, m.name) for m in view.command_group if m.position != "commander"]
    command = _table([_("Position"), pgettext("person", "Name")], [[_e(post), _e(name)] for post, name in group], "")
    to_call = _table([_("Retailer"), _("Licence number"), _("Phone")], [
        [_e(c["shop_name"]), _e(c["license_no"]), _e(c["phone"] or "—")] for c in view.call_list if not c["called"]],
        _("Nobody left to call."))
    suspensions = _table([_("Service"), _("Area"), _("Suspended since"), _("Planned resumption"), _("Resumed at")], [
        [_e(_(STEP_LABELS[s.service])), _e(s.area), _e(fmt_datetime(s.suspended_at)),
         _e(fmt_datetime(s.planned_resumption_at) or "—"),
         _e(fmt_datetime(s.resumed_at) or _("still suspended"))] for s in view.suspensions],
        _("No services suspended."))
    notices = _table([_("Told at"), _("Method"), _("To whom"), _("Notice"), _("Recorded by")], [
        [_e(fmt_datetime(n.at)), _e(_(NOTICE_METHOD_LABELS[n.method])), _e(n.audience or "—"), _e(n.text), _e(by)]
        for n, by in view.notices], _("No customer notices yet."))
    calls = _("{done} of {total} retailers on the call list have been called.").format(
        done=view.calls_done, total=len(view.call_list)) if view.call_list else ""
    title, as_of = _("Handover brief"), _("as of {time}").format(time=fmt_datetime(view.generated_at))
    prepared = _("Prepared by {name} at {time}").format(
        name=_name_and_position(view.prepared_by, view.prepared_by_position), time=fmt_datetime(view.generated_at))
    headings = {"situation": _("Situation"), "objectives": _("Objectives"), "command": _("Command group"),
                "resources": _("Resources"), "taken": _("Actions taken"),
                "actions": _("Actions planned (open follow-up actions)"), "suspensions": _("Service suspensions"),
                "notices": _("Customer notices"), "to_call": _("Retailers still to call"), "timeline": _("Timeline")}
    h = {k: _e(v) for k, v in headings.items()}
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{_e(title)} {_e(i.reference)}</title><style>{STYLE}</style></head>
<body><h1>{_e(i.reference)} · {_e(i.title)}</h1>
<p class="muted">{_e(title)} (ICS-201) · {_e(as_of)}</p>
<table class="meta">{meta_rows}</table>
<h2>{h["situation"]}</h2><p>{_e(i.situation) or "—"}</p>
<h2>{h["objectives"]}</h2><p class="keep-lines">{_e(i.objectives) or "—"}</p>
<h2>{h["command"]}</h2>{command}
<h2>{h["resources"]}</h2>{resources}
<h2>{h["taken"]}</h2>{taken}
<h2>{h["actions"]}</h2>{actions}
<h2>{h["suspensions"]}</h2>{suspensions}
<h2>{h["notices"]}</h2>{notices}<p>{_e(calls)}</p>
<h2>{h["to_call"]}</h2>{to_call}
<h2>{h["timeline"]}</h2>{timeline}
<p class="prepared">{_e(prepared)}</p>
</body></html>"""
