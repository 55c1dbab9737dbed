"""Admin · Users: staff accounts, their roles and departments, passwords."""
import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import ROLE_LABELS
from portal.access.passwords import MIN_LENGTH
from portal.access.users import create_user, generate_password, list_users, reset_password, update_user
from portal.center.admin import list_departments
from portal.center.reference import localized_name
from portal.center_time import wall_clock
from portal.config import get_settings
from portal.errors import InputError
from portal.i18n import LANGUAGES, _, current_language
from portal.ui.forms import REFUSED, edit_form, form_defaults, saved, show_flash, show_input_error, submit_button
from portal.ui.session import page_user
from portal.ui.tables import data_table
from portal.ui.text import plain

user = page_user("admin.manage")
ui_language = current_language()
with unit_of_work(user.id) as s:
    users = list_users(s, actor=user)
    departments = {d.id: d for d in list_departments(s)}
by_id = {u.id: u for u in users}
active_departments = [d.id for d in departments.values() if d.active]


def department_label(department_id: int) -> str:
    department = departments[department_id]
    name = localized_name(department, ui_language)
    return name if department.active else _("{name} (inactive)").format(name=name)


SSO_HELP = _("The e-mail address the single sign-on provider verifies for this person (its domain must be allowed "
             "in PORTAL_SSO_DOMAINS). Empty: no single sign-on.")

CONTACT_HELP = _("Where the portal sends this person's notifications by e-mail or text message (as they choose in "
                 "My account). Empty: none.")


def role_label(role: str) -> str:
    return _(ROLE_LABELS[role])


st.title(_("Users"))
show_flash()
data_table(
    pd.DataFrame([{"login": u.login, "name": u.name, "staff_id": u.staff_id,
                   "department": department_label(u.department_id) if u.department_id else "",
                   "roles": [role_label(r) for r in u.roles], "active": u.active,
                   "last_sign_in": wall_clock(u.last_login_at)} for u in users]),
    hide_index=True, key="users_table", placeholder="—",
    column_config={
        "login": st.column_config.TextColumn(_("Login")),
        "name": st.column_config.TextColumn(_("Name")),
        "staff_id": st.column_config.TextColumn(_("Staff ID")),
        "department": st.column_config.TextColumn(_("Department")),
        "roles": st.column_config.ListColumn(_("Roles")),
        "active": st.column_config.CheckboxColumn(_("Active")),
        "last_sign_in": st.column_config.DatetimeColumn(_("Last sign-in"), format="YYYY-MM-DD HH:mm"),
    })

create_tab, edit_tab, reset_tab = st.tabs([_("Create user"), _("Edit user"), _("Reset password")])

with create_tab:
    form_defaults("new_user_", {"login": "", "name": "", "staff_id": "", "department": None, "roles": [],
                                "language": get_settings().default_language, "password": generate_password(),
                                "sso_email": "", "email": "", "mobile": ""})
    with st.form("new_user"):
        left, right = st.columns(2)
        login = left.text_input(_("Login"), key="new_user_login", help=_("Lowercase letters, digits, . _ -"))
        name = right.text_input(_("Name"), key="new_user_name")
        staff_id = left.text_input(_("Staff ID"), key="new_user_staff_id", help=_("Shown to complainants."))
        department_id = right.selectbox(_("Department"), active_departments, format_func=department_label,
                                        index=None, placeholder=_("No department"), key="new_user_department")
        language = left.selectbox(_("Language"), list(LANGUAGES), format_func=LANGUAGES.get, key="new_user_language")
        password = right.text_input(_("Initial password"), key="new_user_password",
                                    help=_("Generated for you; you may type another (at least {min} characters, "
                                           "not the login, not a common password).").format(min=MIN_LENGTH))
        sso_email = left.text_input(_("Single sign-on address"), key="new_user_sso_email", help=SSO_HELP)
        email = right.text_input(_("E-mail address"), key="new_user_email", help=CONTACT_HELP)
        mobile = left.text_input(_("Mobile number"), key="new_user_mobile", help=CONTACT_HELP)
        roles = st.multiselect(_("Roles"), list(ROLE_LABELS), format_func=role_label, key="new_user_roles")
        submitted = submit_button(_("Create user"), type="primary", key="new_user_save")
    if submitted:
        try:
            with unit_of_work(user.id) as s:
                create_user(s, actor=user, login=login, name=name, staff_id=staff_id, password=password,
                            roles=roles, department_id=department_id, language=language, sso_email=sso_email,
                            email=email, mobile=mobile)
        except REFUSED as exc:
            show_input_error(exc, "new_user_")
        else:
            saved(_("User {login} created. Initial password: `{password}` (hand it over now; it is not shown "
                    "again).").format(login=login.strip().lower(), password=password), "new_user_")

with edit_tab:
    picked = st.selectbox(_("User"), list(by_id), format_func=lambda i: f"{by_id[i].name} · {by_id[i].login}",
                          key="edit_user_pick")
    prefix = f"user_{picked}_"
    now = by_id[picked]
    row = edit_form(prefix, now, {"name": now.name, "staff_id": now.staff_id, "department": now.department_id,
                                  "language": now.language, "roles": list(now.roles), "active": now.active,
                                  "sso_email": now.sso_email or "", "email": now.email or "",
                                  "mobile": now.mobile or ""})
    with st.form(prefix + "form"):
        st.caption(_("Login: {login}").format(login=plain(row.login)))
        left, right = st.columns(2)
        name = left.text_input(_("Name"), key=prefix + "name")
        staff_id = right.text_input(_("Staff ID"), key=prefix + "staff_id")
        choices = list(active_departments)
        if row.department_id is not None and row.department_id not in choices:
            choices.append(row.department_id)
        department_id = left.selectbox(_("Department"), choices, format_func=department_label, index=None,
                                       placeholder=_("No department"), key=prefix + "department")
        language = right.selectbox(_("Language"), list(LANGUAGES), format_func=LANGUAGES.get, key=prefix + "language")
        roles = st.multiselect(_("Roles"), list(ROLE_LABELS), format_func=role_label, key=prefix + "roles")
        sso_email = left.text_input(_("Single sign-on address"), key=prefix + "sso_email", help=SSO_HELP)
        email = right.text_input(_("E-mail address"), key=prefix + "email", help=CONTACT_HELP)
        mobile = left.text_input(_("Mobile number"), key=prefix + "mobile", help=CONTACT_HELP)
        active = st.checkbox(_("Active (may sign in)"), key=prefix + "active")
        submitted = submit_button(_("Save changes"), type="primary", key=prefix + "save")
    if submitted:
        try:
            with unit_of_work(user.id) as s:
                update_user(s, actor=user, user_id=row.id, version=row.version, name=name, staff_id=staff_id,
                            roles=roles, department_id=department_id, active=active, language=language,
                            sso_email=sso_email, email=email, mobile=mobile)
        except REFUSED as exc:
            show_input_error(exc, prefix)
        else:
            saved(_("Changes to {login} saved.").format(login=plain(row.login)), prefix)

with reset_tab:
    with st.form("reset_password"):
        picked = st.selectbox(_("User"), list(by_id), format_func=lambda i: f"{by_id[i].name} · {by_id[i].login}",
                              key="reset_pick")
        st.caption(_("A new password is generated and shown once. It also lifts a sign-in lock and signs the "
                     "user out of every browser."))
        submitted = submit_button(_("Reset password"), key="reset_save")
    if submitted:
        new_password = generate_password()
        try:
            with unit_of_work(user.id) as s:
                reset_password(s, actor=user, user_id=picked, password=new_password)
        except InputError as exc:
            st.error(str(exc))
        else:
            st.success(_("New password for {login}: `{password}` (hand it over now; it is not shown again).")
                       .format(login=by_id[picked].login, password=new_password))
