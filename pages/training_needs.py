"""Training · Needs (培训需求): retailers' requested topics per month, and each department's needs table, due the
28th of the month before (部门月度培训需求表)."""
import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal import training as tr
from portal.access.auth import can
from portal.i18n import _, current_language, fmt_date, fmt_datetime, fmt_list
from portal.training.rules import next_month
from portal.training.ui.common import attempt, month_label, month_picker, today
from portal.ui.forms import form_defaults, show_flash, submit_button
from portal.ui.session import page_user
from portal.ui.tables import data_table
from portal.ui.text import plain

user = page_user("training.view")
st.title(_("Training needs"))
show_flash()
month = month_picker("needs_month", default=next_month(today()), back=3, ahead=2)
zh = current_language() == "zh_CN"
with unit_of_work(user.id) as s:
    status = tr.needs_status(s, actor=user, month=month)
    needs = tr.month_needs(s, actor=user, month=month)
    topics = tr.topic_counts(s, actor=user, month=month)
    courses = {c.id: c.title for c in tr.list_courses(s, actor=user)}
departments = {d.department_id: (d.name_zh if zh else d.name_en) for d in status.departments}

deadline = fmt_date(status.deadline)
if status.days_left >= 0:
    st.info(_("Needs for {month} are due {day} ({n} days left).").format(month=month_label(month), day=deadline,
                                                                           n=status.days_left),
            icon=":material/event:")
else:
    st.warning(_("Needs for {month} were due {day}.").format(month=month_label(month), day=deadline),
               icon=":material/event_busy:")
if status.missing:
    st.markdown(_("**Not submitted yet:** {names}").format(
        names=fmt_list(plain(departments[d.department_id]) for d in status.missing)))
data_table(pd.DataFrame([{
    _("Department"): departments[d.department_id], _("Needs"): d.needs, _("Submitted"): d.submitted,
    _("Not submitted"): d.unsubmitted, _("Last submitted"): fmt_datetime(d.last_submitted_at),
    _("Late"): _("Yes") if d.late else ""} for d in status.departments]), hide_index=True, key="needs_departments")

if can(user, "training.manage"):
    record, submit = st.tabs([_("Record a need"), _("Submit a department's table")])
    with record:
        search = st.text_input(_("Find the retailer"), key="need_search",
                               placeholder=_("Licence number, shop name or owner"))
        with unit_of_work(user.id) as s:
            found = {r["id"]: r for r in tr.find_retailers(s, actor=user, text=search)} if search.strip() else {}
        own = user.department_id if user.department_id in departments else next(iter(departments), None)
        form_defaults("need_", {"topic": "", "note": "", "department": own})
        with st.form("need_form"):
            retailer = st.selectbox(_("Retailer"), list(found), index=None, key="need_retailer",
                                    format_func=lambda i: f"{found[i]['license_no']} · {found[i]['shop_name']}",
                                    placeholder=_("Search above, then choose"))
            topic = st.text_input(_("Topic requested"), key="need_topic")
            course = st.selectbox(_("Matching course (optional)"), list(courses), index=None, key="need_course",
                                  format_func=courses.get)
            department = st.selectbox(_("Collected by department"), list(departments), format_func=departments.get,
                                      key="need_department")
            note = st.text_input(_("Note"), key="need_note")
            submitted = submit_button(_("Record need"), type="primary", key="need_save")
        if submitted:
            attempt(user, tr.record_need, retailer_id=retailer, topic=topic, month=month, department_id=department,
                    course_id=course, note=note, prefix="need_", done=_("Need recorded."))
    with submit:
        department = st.selectbox(_("Department"), list(departments), format_func=departments.get,
                                  key="needs_submit_department",
                                  index=list(departments).index(user.department_id)
                                  if user.department_id in departments else 0)
        if st.button(_("Submit the needs table"), key="needs_submit", type="primary", icon=":material/send:"):
            attempt(user, tr.submit_needs, month=month, department_id=department,
                    done=lambda n: _("{n} needs submitted.").format(n=n))

if topics:
    st.subheader(_("Requested topics"))
    data_table(pd.DataFrame(topics, columns=[_("Topic"), _("Retailers")]), hide_index=True, key="needs_topics")
head, export = st.columns([3, 1], vertical_alignment="bottom")
head.subheader(_("All needs for {month}").format(month=month_label(month)))
rows = [{_("Department"): departments.get(n["department_id"], ""), _("Licence number"): n["license_no"],
         _("Shop name"): n["shop_name"], _("Topic"): n["topic"], _("Course"): n["course"] or "",
         _("Submitted"): fmt_datetime(n["submitted_at"]) if n["submitted"] else ""} for n in needs]
export.download_button(_("Export {format}").format(format="XLSX"), key="needs_export", on_click="ignore",
                       data=tr.summary_file(rows, "xlsx", _("Training needs")), icon=":material/download:",
                       file_name=f"training-needs-{month.isoformat()[:7]}.xlsx", disabled=not rows)
data_table(pd.DataFrame(rows), hide_index=True, key="needs_list")
