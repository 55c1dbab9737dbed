"""My work: complaints I own as first-contact owner (until closed) and those assigned to me or my department,
most urgent first; overdue clocks in red, those due within 4 working hours in amber."""
import streamlit as st

from db.engine import unit_of_work
from portal import complaints as cx
from portal.center.admin import list_categories
from portal.center.reference import localized_name
from portal.complaints.rules import utcnow, work_calendar
from portal.complaints.ui.lists import complaint_table
from portal.i18n import _, current_language, fmt_number
from portal.inputs import MAX_PAGE, int_param
from portal.records.validation import Lookups
from portal.ui.session import page_user

PAGE_SIZE = 50

user = page_user("complaints.work")
head, action = st.columns([3, 1], vertical_alignment="bottom")
head.title(_("My work"))
if "agent" in user.roles or "supervisor" in user.roles:
    action.page_link("pages/complaint_new.py", label=_("Register a complaint"), icon=":material/add:")

page = int_param(st.query_params, "page", high=MAX_PAGE) or 1
now = utcnow()
with unit_of_work(user.id) as s:
    work = cx.my_work(s, actor=user, limit=PAGE_SIZE, offset=(max(page, 1) - 1) * PAGE_SIZE)
    calendar = work_calendar(s)
    categories = {c.id: localized_name(c, current_language()) for c in list_categories(s)}
    lookups = Lookups(s)

if not work.total:
    st.info(_("Nothing on your list: no open complaint is yours, assigned to you or waiting in your department."))
    st.stop()
st.caption(_("{n} complaints on your list, nearest due time first. Times are China time; time left counts "
             "working time only.").format(n=fmt_number(work.total)))
complaint_table(work.complaints, actor=user, now=now, calendar=calendar, categories=categories,
                staff={i: lookups.user_label(i) for i in lookups.users}, key="my_work")
pages = max(1, -(-work.total // PAGE_SIZE))
if pages > 1:
    st.pagination(pages, default=min(page, pages), key=f"my_work.page.{page}",
                  on_change=lambda: st.query_params.update(page=str(st.session_state[f"my_work.page.{page}"])))
