"""Admin · Departments: the departments complaints are sent to and staff belong to."""
import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal.center.admin import create_department, list_departments, update_department
from portal.center.reference import localized_name
from portal.i18n import _, current_language
from portal.ui.forms import REFUSED, edit_form, form_defaults, saved, show_flash, show_input_error, submit_button
from portal.ui.session import page_user
from portal.ui.tables import data_table
from portal.ui.text import plain

user = page_user("admin.manage")
ui_language = current_language()
with unit_of_work(user.id) as s:
    departments = {d.id: d for d in list_departments(s)}

st.title(_("Departments"))
show_flash()
data_table(
    pd.DataFrame([{"code": d.code, "name_en": d.name_en, "name_zh": d.name_zh, "active": d.active}
                  for d in departments.values()]),
    hide_index=True, key="departments_table",
    column_config={
        "code": st.column_config.TextColumn(_("Code")),
        "name_en": st.column_config.TextColumn(_("English name")),
        "name_zh": st.column_config.TextColumn(_("Chinese name")),
        "active": st.column_config.CheckboxColumn(_("Active")),
    })

add_tab, edit_tab = st.tabs([_("Add department"), _("Rename or deactivate")])

with add_tab:
    form_defaults("new_department_", {"name_en": "", "name_zh": "", "code": ""})
    with st.form("new_department"):
        left, right = st.columns(2)
        name_en = left.text_input(_("English name"), key="new_department_name_en")
        name_zh = right.text_input(_("Chinese name"), key="new_department_name_zh")
        code = left.text_input(_("Code"), key="new_department_code",
                               help=_("A short fixed identifier; leave empty to derive it from the English name."))
        submitted = submit_button(_("Add department"), type="primary", key="new_department_save")
    if submitted:
        try:
            with unit_of_work(user.id) as s:
                added = create_department(s, actor=user, name_en=name_en, name_zh=name_zh, code=code)
        except REFUSED as exc:
            show_input_error(exc, "new_department_")
        else:
            saved(_("Department {name} added.").format(name=plain(localized_name(added, ui_language))),
                  "new_department_")

with edit_tab:
    picked = st.selectbox(_("Department"), list(departments), key="edit_department_pick",
                          format_func=lambda i: localized_name(departments[i], ui_language))
    prefix = f"department_{picked}_"
    now = departments[picked]
    row = edit_form(prefix, now, {"name_en": now.name_en, "name_zh": now.name_zh, "active": now.active})
    with st.form(prefix + "form"):
        st.caption(_("Code: {code}").format(code=plain(row.code)))
        left, right = st.columns(2)
        name_en = left.text_input(_("English name"), key=prefix + "name_en")
        name_zh = right.text_input(_("Chinese name"), key=prefix + "name_zh")
        active = st.checkbox(_("Active (offered in forms)"), key=prefix + "active",
                             help=_("A deactivated department keeps its history but is no longer offered."))
        submitted = submit_button(_("Save changes"), type="primary", key=prefix + "save")
    if submitted:
        try:
            with unit_of_work(user.id) as s:
                changed = update_department(s, actor=user, department_id=row.id, version=row.version,
                                            name_en=name_en, name_zh=name_zh, active=active)
        except REFUSED as exc:
            show_input_error(exc, prefix)
        else:
            saved(_("Department {name} saved.").format(name=plain(localized_name(changed, ui_language))), prefix)
