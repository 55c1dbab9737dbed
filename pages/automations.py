"""Automations: watch a saved view — when a record enters it, or every morning as a digest — and tell someone, with a
message made from the record's fields; the list of automations with on/off and delete."""
import streamlit as st

from db.engine import unit_of_work
from portal.errors import InputError
from portal.i18n import _
from portal.inputs import int_param
from portal.notifications.automations import (
    RECIPIENT_KINDS,
    TRIGGERS,
    create_automation,
    delete_automation,
    list_automations,
    recipient_choices,
    set_automation_enabled,
    spec_of,
    template_names,
    watchable_views,
)
from portal.ui.forms import guarded_callback
from portal.ui.session import page_user
from portal.ui.text import plain

user = page_user("automations.manage")
PROBLEM, LIST_PROBLEM, FLASH = "automations.problem", "automations.list_problem", "automations.flash"

with unit_of_work(user.id) as s:
    views = {v.id: v for v in watchable_views(s, actor=user)}
    rows = list_automations(s, actor=user)


@guarded_callback
def _create(view_id: int) -> None:
    kind = st.session_state["automations.kind"]
    try:
        with unit_of_work(user.id) as s:
            create_automation(s, actor=user, view_id=view_id, trigger=st.session_state["automations.trigger"],
                              recipient_kind=kind, recipient=st.session_state.get(f"automations.who.{kind}") or "",
                              template=st.session_state.get("automations.template", ""))
    except InputError as exc:
        st.session_state[PROBLEM] = str(exc)
        return
    st.session_state.pop(PROBLEM, None)
    st.session_state["automations.template"] = ""
    st.session_state[FLASH] = _("Automation saved: it starts with the next scan (within a minute).")


@guarded_callback
def _switch(automation_id: int, version: int) -> None:
    try:
        with unit_of_work(user.id) as s:
            set_automation_enabled(s, actor=user, automation_id=automation_id, version=version,
                                   enabled=st.session_state[f"automations.on.{automation_id}"])
    except InputError as exc:  # changed or deleted meanwhile: the list is drawn afresh below
        st.session_state[LIST_PROBLEM] = str(exc)


@guarded_callback
def _delete(automation_id: int, version: int) -> None:
    try:
        with unit_of_work(user.id) as s:
            delete_automation(s, actor=user, automation_id=automation_id, version=version)
    except InputError as exc:
        st.session_state[LIST_PROBLEM] = str(exc)
        return
    st.session_state[FLASH] = _("Automation deleted.")


st.title(_("Automations"))
st.caption(_("Watch a saved view: when a record enters it, or every morning as a digest of what is in it, the portal "
             "tells the people you choose. Each person is told only of records they may see."))
if st.session_state.get(FLASH):
    st.success(st.session_state.pop(FLASH), icon=":material/check_circle:")

st.subheader(_("New automation"))
if not views:
    st.info(_("Save a view of a list first (the “Views” button above a grid); it can then be watched here."))
else:
    wanted = int_param(st.query_params, "view")
    order = list(views)
    if wanted in views and "automations.view" not in st.session_state:
        st.session_state["automations.view"] = wanted
    view_id = st.selectbox(_("Saved view"), order, key="automations.view",
                           format_func=lambda i: f"{_(spec_of(views[i].table_name).label)} · {views[i].name}")
    table = views[view_id].table_name
    spec = spec_of(table)
    with unit_of_work(user.id) as s:
        choices = recipient_choices(s, actor=user, table=table)
    st.radio(_("When to tell"), list(TRIGGERS), key="automations.trigger", format_func=lambda t: _(TRIGGERS[t]),
             horizontal=True)
    kinds = [k for k in RECIPIENT_KINDS if k != "field" or choices.fields]
    kind = st.selectbox(_("Whom to tell"), kinds, key="automations.kind", format_func=lambda k: _(RECIPIENT_KINDS[k]))
    options = {"user": choices.users, "role": choices.roles, "department": choices.departments,
               "field": choices.fields}[kind]
    st.selectbox(_("Which one"), list(options), key=f"automations.who.{kind}", format_func=lambda v: options[v])
    st.text_area(_("Message"), key="automations.template", max_chars=500,
                 placeholder=_("{reference} is overdue, handler {handler}"))
    shown_names = {field: name for name, field in template_names(spec).items()}  # {handler} rather than {handler_id}
    st.caption(_("Put a field's name in braces; this table's fields: {names}").format(
        names=" · ".join(f"{{{shown_names[f.name]}}} {_(f.label)}" for f in spec.fields)))
    if st.session_state.get(PROBLEM):
        st.error(plain(st.session_state[PROBLEM]), icon=":material/error:")
    st.button(_("Save automation"), key="automations.save", type="primary", on_click=_create, args=(view_id,),
              icon=":material/bolt:")

st.subheader(_("Automations"))
if st.session_state.get(LIST_PROBLEM):
    st.error(plain(st.session_state.pop(LIST_PROBLEM)), icon=":material/error:")
if not rows:
    st.caption(_("No automations yet."))
for row in rows:
    automation = row.automation
    with st.container(border=True, key=f"automation_{automation.id}"):
        text, act = st.columns([5, 1], vertical_alignment="center")
        text.markdown("**" + plain(row.view_name) + "** · " + _(TRIGGERS[automation.trigger]))
        text.caption(_("Tells {kind}: {who}").format(kind=_(RECIPIENT_KINDS[automation.recipient_kind]),
                                                     who=plain(row.recipient_label)))
        text.code(automation.template, language=None, wrap_lines=True)
        act.toggle(_("On"), value=automation.enabled, key=f"automations.on.{automation.id}", on_change=_switch,
                   args=(automation.id, automation.version))
        act.button(_("Delete"), key=f"automations.delete.{automation.id}", icon=":material/delete:",
                   on_click=_delete, args=(automation.id, automation.version))
