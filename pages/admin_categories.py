"""Admin · Complaint categories: names, the department that handles each by default, their order."""
import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal.center.admin import SORT_ORDER_MAX, create_category, list_categories, list_departments, update_category
from portal.center.reference import localized_name
from portal.i18n import _, current_language
from portal.ui.forms import REFUSED, edit_form, form_defaults, saved, show_flash, show_input_error, submit_button
from portal.ui.session import page_user
from portal.ui.tables import data_table
from portal.ui.text import plain

user = page_user("admin.manage")
ui_language = current_language()
with unit_of_work(user.id) as s:
    categories = {c.id: c for c in list_categories(s)}
    departments = {d.id: d for d in list_departments(s)}
active_departments = [d.id for d in departments.values() if d.active]


def department_label(department_id: int | None) -> str:
    if department_id is None:
        return _("None")
    department = departments[department_id]
    name = localized_name(department, ui_language)
    return name if department.active else _("{name} (inactive)").format(name=name)


st.title(_("Complaint categories"))
show_flash()
data_table(
    pd.DataFrame([{"sort_order": c.sort_order, "code": c.code, "name_en": c.name_en, "name_zh": c.name_zh,
                   "department": department_label(c.default_department_id), "active": c.active}
                  for c in categories.values()]),
    hide_index=True, key="categories_table",
    column_config={
        "sort_order": st.column_config.NumberColumn(_("Order"), width="small"),
        "code": st.column_config.TextColumn(_("Code")),
        "name_en": st.column_config.TextColumn(_("English name")),
        "name_zh": st.column_config.TextColumn(_("Chinese name")),
        "department": st.column_config.TextColumn(_("Default department")),
        "active": st.column_config.CheckboxColumn(_("Active")),
    })

edit_tab, add_tab = st.tabs([_("Edit category"), _("Add category")])

with edit_tab:
    picked = st.selectbox(_("Category"), list(categories), key="edit_category_pick",
                          format_func=lambda i: localized_name(categories[i], ui_language))
    prefix = f"category_{picked}_"
    now = categories[picked]
    row = edit_form(prefix, now, {"name_en": now.name_en, "name_zh": now.name_zh, "sort_order": now.sort_order,
                                  "department": now.default_department_id, "active": now.active})
    with st.form(prefix + "form"):
        st.caption(_("Code: {code}").format(code=plain(row.code)))
        left, right = st.columns(2)
        name_en = left.text_input(_("English name"), key=prefix + "name_en")
        name_zh = right.text_input(_("Chinese name"), key=prefix + "name_zh")
        choices = list(active_departments)
        if row.default_department_id not in choices:
            choices.insert(0, row.default_department_id)
        department_id = left.selectbox(_("Default department"), choices, format_func=department_label,
                                       key=prefix + "department")
        sort_order = right.number_input(_("Sort order"), step=1, key=prefix + "sort_order",
                                        help=_("Smaller numbers come first in lists (0–{max}).")
                                        .format(max=SORT_ORDER_MAX))
        active = st.checkbox(_("Active (offered for new complaints)"), key=prefix + "active")
        submitted = submit_button(_("Save changes"), type="primary", key=prefix + "save")
    if submitted:
        try:
            with unit_of_work(user.id) as s:
                changed = update_category(s, actor=user, category_id=row.id, version=row.version, name_en=name_en,
                                          name_zh=name_zh, default_department_id=department_id,
                                          sort_order=int(sort_order), active=active)
        except REFUSED as exc:
            show_input_error(exc, prefix)
        else:
            saved(_("Category {name} saved.").format(name=plain(localized_name(changed, ui_language))), prefix)

with add_tab:
    next_order = max((c.sort_order for c in categories.values()), default=-1) + 1
    form_defaults("new_category_", {"name_en": "", "name_zh": "", "department": None, "code": "",
                                    "sort_order": min(next_order, SORT_ORDER_MAX)})
    with st.form("new_category"):
        left, right = st.columns(2)
        name_en = left.text_input(_("English name"), key="new_category_name_en")
        name_zh = right.text_input(_("Chinese name"), key="new_category_name_zh")
        department_id = left.selectbox(_("Default department"), active_departments, format_func=department_label,
                                       index=None, placeholder=_("Choose a department"), key="new_category_department")
        sort_order = right.number_input(_("Sort order"), step=1, key="new_category_sort_order")
        code = left.text_input(_("Code"), key="new_category_code",
                               help=_("A short fixed identifier; leave empty to derive it from the English name."))
        submitted = submit_button(_("Add category"), type="primary", key="new_category_save")
    if submitted:
        try:
            with unit_of_work(user.id) as s:
                added = create_category(s, actor=user, name_en=name_en, name_zh=name_zh, code=code,
                                        default_department_id=department_id, sort_order=int(sort_order))
        except REFUSED as exc:
            show_input_error(exc, "new_category_")
        else:
            saved(_("Category {name} added.").format(name=plain(localized_name(added, ui_language))), "new_category_")
