"""Training · Check-in (签到): on a tablet at the door, find a retailer by name or licence number, tap once."""
import streamlit as st

from db.engine import unit_of_work
from portal import training as tr
from portal.access.auth import CurrentUser
from portal.errors import InputError
from portal.i18n import _
from portal.training.check_in_codes import scanned_sign_up
from portal.training.ui.common import forget_coverage, pick_session
from portal.ui.forms import guarded_callback, show_flash
from portal.ui.session import page_user
from portal.ui.text import plain

SHOWN = 40  # rows under the search box; typing narrows them
# Big touch targets: a large search box and full-width buttons.
st.html("""<style>
.st-key-checkin_search input { font-size: 1.6rem; min-height: 3.6rem; }
[class*="st-key-checkin_row_"] button { min-height: 3.2rem; font-size: 1.2rem; }
[class*="st-key-checkin_row_"] p { font-size: 1.15rem; }
</style>""")


@guarded_callback
def mark(user: CurrentUser, sign_up_id: int, attended: bool, shop: str) -> None:
    """A tap: check in (or undo) in its own unit of work; the result shows at the top of the next run."""
    try:
        with unit_of_work(user.id) as s:
            tr.mark_attendance(s, actor=user, sign_up_id=sign_up_id, attended=attended)
    except InputError as exc:
        st.session_state["checkin_problem"] = str(exc)
        return
    forget_coverage()
    st.session_state["_flash"] = (_("{shop} checked in.") if attended else _("{shop}: check-in undone.")).format(
        shop=shop)


user = page_user("training.manage")
st.title(_("Check-in"))
ts = pick_session(user, key="checkin_session", states=("approved", "held"), days_back=7, days_ahead=14)
if ts is None:
    st.stop()
show_flash()
if problem := st.session_state.pop("checkin_problem", None):
    st.error(plain(problem), icon=":material/error:")

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
                          on_click=mark, args=(user, scanned["id"], True, scanned["shop_name"]), width=260)

search = st.text_input(_("Name or licence number"), key="checkin_search", icon=":material/search:",
                       placeholder=_("Type part of the shop name, owner or licence number"))
with unit_of_work(user.id) as s:
    everyone = tr.check_in_list(s, actor=user, session_id=ts.id)
    rows = tr.check_in_list(s, actor=user, session_id=ts.id, search=search) if search.strip() else everyone
present = sum(1 for r in everyone if r["attended"])
st.progress(present / len(everyone) if everyone else 0.0,
            text=_("{present} of {seated} checked in").format(present=present, seated=len(everyone)))
if not rows:
    st.info(_("Nobody on the list matches. Check the spelling, or look the retailer up on the roster."))
for row in rows[:SHOWN]:
    with st.container(border=True, horizontal=True, vertical_alignment="center", key=f"checkin_row_{row['id']}"):
        st.markdown(f"**{plain(row['shop_name'])}** · {plain(row['owner_name'])}  \n{plain(row['license_no'])}",
                    width="stretch")
        if row["attended"]:
            st.button(_("Checked in · undo"), key=f"checkin_undo_{row['id']}", icon=":material/check_circle:",
                      on_click=mark, args=(user, row["id"], False, row["shop_name"]), width=260)
        else:
            st.button(_("Check in"), key=f"checkin_{row['id']}", type="primary", icon=":material/how_to_reg:",
                      on_click=mark, args=(user, row["id"], True, row["shop_name"]), width=260)
if len(rows) > SHOWN:
    st.caption(_("{n} more: type to narrow the list.").format(n=len(rows) - SHOWN))
