"""Training · Check-in (签到): on a tablet at the door, scan the sign-in sheet's code with the camera or find a
retailer by name or licence number, tap once; seat walk-ins while there is room; note late arrivals and excused
absences (the pieces: portal/training/ui/check_in.py)."""
import streamlit as st

from db.engine import unit_of_work
from portal import training as tr
from portal.errors import InputError
from portal.i18n import _
from portal.training.check_in_codes import scanned_sign_up
from portal.training.check_in_desk import started
from portal.training.ui import check_in as desk
from portal.training.ui.common import pick_session
from portal.ui.forms import show_flash
from portal.ui.session import page_user
from portal.ui.text import plain

SHOWN = 40  # rows under the search box; typing narrows them
st.html(desk.STYLE)

user = page_user("training.manage")
st.title(_("Check-in"))
ts = pick_session(user, key="checkin_session", states=("approved", "held"), days_back=7, days_ahead=14)
if ts is None:
    st.stop()
show_flash()
desk.messages()

if code := st.query_params.get("signup", ""):  # opened from a sign-in sheet's QR code
    try:
        with unit_of_work(user.id) as s:
            scanned = scanned_sign_up(s, actor=user, sign_up_id=code, token=st.query_params.get("t", ""))
    except InputError as exc:
        st.error(plain(exc), icon=":material/qr_code_scanner:")
    else:
        with st.container(border=True, horizontal=True, vertical_alignment="center", key="checkin_scanned"):
            st.markdown(f"**{plain(scanned['shop_name'])}** · {plain(scanned['owner_name'])}  \n"
                        f"{plain(scanned['license_no'])}", width="stretch")
            if scanned["attended"]:
                st.badge(_("Checked in"), icon=":material/check_circle:", color="green")
            else:
                st.button(_("Check in"), key="checkin_scanned_button", type="primary", icon=":material/how_to_reg:",
                          on_click=desk.mark, args=(user, scanned["id"], True, scanned["shop_name"], started(ts)),
                          width=260)

desk.camera(user, ts)
search = desk.search_box()
with unit_of_work(user.id) as s:
    everyone = tr.check_in_list(s, actor=user, session_id=ts.id)
    rows = tr.check_in_list(s, actor=user, session_id=ts.id, search=search) if search.strip() else everyone
present = sum(1 for r in everyone if r["attended"])
st.progress(present / len(everyone) if everyone else 0.0,
            text=_("{present} of {seated} checked in").format(present=present, seated=len(everyone)))
if not rows:
    st.info(_("Nobody on the list matches. Check the spelling, or seat the retailer as a walk-in below."))
is_started = started(ts)
for row in rows[:SHOWN]:
    desk.seated_row(user, ts, row, started=is_started)
if len(rows) > SHOWN:
    st.caption(_("{n} more: type to narrow the list.").format(n=len(rows) - SHOWN))
if search.strip():
    desk.walk_ins(user, ts, search)
desk.excused_absence(user, everyone)
