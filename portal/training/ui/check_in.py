"""The check-in desk's pieces (pages/training_check_in.py), for a tablet at the door: the camera that reads the
sign-in sheet's codes, the seated retailers' rows (check in, late, on time, undo), walk-ins, an excused absence.
After each check-in the search box is emptied and takes the focus again, ready for the next name."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from db.engine import unit_of_work
from db.training_models import TrainingSession
from portal import training as tr
from portal.access.auth import CurrentUser
from portal.errors import InputError
from portal.i18n import _, pgettext
from portal.training import check_in_desk as desk
from portal.training.ui.common import forget_coverage
from portal.ui.forms import guarded_callback
from portal.ui.text import plain

SEARCH = "checkin_search"
PROBLEM = "checkin_problem"
DONE = "checkin_done"  # what the last tap did: said at the top, and the search box takes the focus again
FOCUS_TURN, FOCUS_NOW = "checkin_focus_turn", "checkin_focus_now"
CAMERA_TURN = "checkin_camera_turn"  # a new camera widget after each photo: ready for the next code
# Big touch targets, and a layout that fits a tablet held either way (1024×768, 768×1024).
STYLE = """<style>
.st-key-checkin_search input { font-size: 1.5rem; min-height: 3.2rem; }
[class*="st-key-checkin_row_"], [class*="st-key-checkin_walk_"] { padding: 0.35rem 0.6rem; gap: 0.5rem; }
[class*="st-key-checkin_row_"] button, [class*="st-key-checkin_walk_"] button { min-height: 3rem; font-size: 1.1rem; }
[class*="st-key-checkin_row_"] p, [class*="st-key-checkin_walk_"] p { font-size: 1.1rem; margin-bottom: 0; }
@media (max-width: 1100px) { .block-container { padding: 3.5rem 1rem 2rem; } h1 { font-size: 1.8rem; } }
</style>"""
FOCUS = """<script>/*{turn}*/
setTimeout(() => {{
  const box = window.parent.document.querySelector('.st-key-checkin_search input')
           || document.querySelector('.st-key-checkin_search input');
  if (box) {{ box.focus(); }}
}}, 50);
</script>"""


def _done(message: str) -> None:
    """After a tap that did its job: say so, empty the search box and give it the focus on the next run."""
    forget_coverage()
    st.session_state[DONE] = message
    st.session_state[SEARCH] = ""


def _tap(user: CurrentUser, fn: Callable, message: str, **kw) -> None:
    try:
        with unit_of_work(user.id) as s:
            fn(s, actor=user, **kw)
    except InputError as exc:
        st.session_state[PROBLEM] = str(exc)
        return
    _done(message)


@guarded_callback
def mark(user: CurrentUser, sign_up_id: int, attended: bool, shop: str, late: bool = False) -> None:
    """A tap on a row: check in (late, or on time), or undo it."""
    said = (_("{shop} checked in late.") if late else _("{shop} checked in.")) if attended else \
        _("{shop}: check-in undone.")
    _tap(user, tr.mark_attendance, said.format(shop=shop), sign_up_id=sign_up_id, attended=attended, late=late)


@guarded_callback
def seat(user: CurrentUser, session_id: int, retailer_id: int, shop: str) -> None:
    """A walk-in seated and checked in."""
    _tap(user, desk.seat_walk_in, _("{shop} seated as a walk-in and checked in.").format(shop=shop),
         session_id=session_id, retailer_id=retailer_id)


@guarded_callback
def photo_taken(user: CurrentUser, session_id: int, key: str) -> None:
    """The camera's photo: read its code and check that retailer in; the next photo gets a fresh camera."""
    photo = st.session_state.get(key)
    st.session_state[CAMERA_TURN] = st.session_state.get(CAMERA_TURN, 0) + 1
    if photo is None:
        return
    try:
        with unit_of_work(user.id) as s:
            row = desk.check_in_photo(s, actor=user, session_id=session_id, image=photo.getvalue())
    except InputError as exc:
        st.session_state[PROBLEM] = str(exc)
        return
    said = _("{shop} was already checked in.") if row["already"] else \
        _("{shop} checked in late.") if row["late"] else _("{shop} checked in.")
    _done(said.format(shop=row["shop_name"]))


def messages() -> None:
    """What the last tap did (or why it was refused), at the top of the desk."""
    if done := st.session_state.pop(DONE, None):
        st.success(plain(done), icon=":material/check_circle:")
        st.session_state[FOCUS_TURN] = st.session_state.get(FOCUS_TURN, 0) + 1
        st.session_state[FOCUS_NOW] = True
    if problem := st.session_state.pop(PROBLEM, None):
        st.error(plain(problem), icon=":material/error:")


def camera(user: CurrentUser, ts: TrainingSession) -> None:
    """The tablet's camera, switched on at the desk: each photo of a sign-in sheet code checks that retailer in."""
    if not st.toggle(_("Scan codes with the camera"), key="checkin_camera_on"):
        return
    key = f"checkin_camera_{st.session_state.get(CAMERA_TURN, 0)}"
    st.camera_input(_("Hold the code on the sign-in sheet up to the camera and take the photo"), key=key,
                    on_change=photo_taken, args=(user, ts.id, key), width=420)


def search_box() -> str:
    """The search box; it takes the focus again after each check-in (a script drawn on that run only)."""
    text = st.text_input(_("Name or licence number"), key=SEARCH, icon=":material/search:",
                         placeholder=_("Type part of the shop name, owner or licence number"))
    if st.session_state.pop(FOCUS_NOW, False):  # this run only: typing must not move the cursor
        st.html(FOCUS.format(turn=st.session_state[FOCUS_TURN]), unsafe_allow_javascript=True, width="content")
    return text


def _status(row: dict) -> str:
    marks = [_("walk-in")] if row["walk_in"] else []
    if row["late"]:
        marks.append(_("late"))
    return f" · *{' · '.join(marks)}*" if marks else ""


def seated_row(user: CurrentUser, ts: TrainingSession, row: dict, *, started: bool) -> None:
    """One seated retailer: before the start "Check in"; after it "Late" (and "On time" for one who came on time);
    once checked in, "undo"."""
    with st.container(border=True, horizontal=True, vertical_alignment="center", key=f"checkin_row_{row['id']}"):
        excused = "  \n:orange[" + _("Excused") + "]" if row["excused"] else ""
        st.markdown(f"**{plain(row['shop_name'])}** · {plain(row['owner_name'])}{_status(row)}  \n"
                    f"{plain(row['license_no'])}{excused}", width="stretch")
        args = (user, row["id"])
        if row["attended"]:
            st.button(_("Checked in · undo"), key=f"checkin_undo_{row['id']}", icon=":material/check_circle:",
                      on_click=mark, args=(*args, False, row["shop_name"]), width=220)
        elif started:
            st.button(pgettext("arrival", "On time"), key=f"checkin_ontime_{row['id']}", type="tertiary",
                      on_click=mark, args=(*args, True, row["shop_name"]))
            st.button(pgettext("arrival", "Late"), key=f"checkin_late_{row['id']}", type="primary",
                      icon=":material/schedule:", on_click=mark, args=(*args, True, row["shop_name"], True), width=220)
        else:
            st.button(_("Check in"), key=f"checkin_{row['id']}", type="primary", icon=":material/how_to_reg:",
                      on_click=mark, args=(*args, True, row["shop_name"]), width=220)


def walk_ins(user: CurrentUser, ts: TrainingSession, search: str) -> None:
    """Retailers matching the search who have no seat: seat one as a walk-in while there is room."""
    with unit_of_work(user.id) as s:
        found = desk.walk_in_candidates(s, actor=user, session_id=ts.id, search=search)
        room = desk.room_left(s, ts)
    if not found:
        return
    st.markdown("**" + _("Walk-ins") + "** · " + _("{n} seats free").format(n=room))
    for r in found:
        waiting = " · " + _("Waiting list") + f" #{r['waiting']}" if r["waiting"] else ""
        with st.container(border=True, horizontal=True, vertical_alignment="center", key=f"checkin_walk_{r['id']}"):
            st.markdown(f"**{plain(r['shop_name'])}** · {plain(r['owner_name'])}{waiting}  \n"
                        f"{plain(r['license_no'])}", width="stretch")
            st.button(_("Seat as walk-in"), key=f"checkin_seat_{r['id']}", icon=":material/person_add:",
                      disabled=room <= 0, on_click=seat, args=(user, ts.id, r["id"], r["shop_name"]), width=220)


@guarded_callback
def excuse(user: CurrentUser, version_of: dict[int, int]) -> None:
    picked, reason = st.session_state.get("checkin_excuse_pick"), st.session_state.get("checkin_excuse_reason", "")
    if picked is None:
        return
    _tap(user, desk.excuse_absence, _("Absence excused."), sign_up_id=picked, version=version_of.get(picked),
         reason=reason)
    if PROBLEM not in st.session_state:
        st.session_state["checkin_excuse_reason"] = ""
        st.session_state["checkin_excuse_pick"] = None


def excused_absence(user: CurrentUser, rows: list[dict]) -> None:
    """A seated retailer who said they cannot come (请假): excused, with the reason; no absentee call for them."""
    absent = {r["id"]: r for r in rows if not r["attended"] and not r["excused"]}
    if not absent:
        return
    with st.expander(_("Excused absence"), icon=":material/event_busy:"):
        st.selectbox(_("Retailer"), list(absent), index=None, key="checkin_excuse_pick",
                     format_func=lambda i: f"{absent[i]['shop_name']} · {absent[i]['owner_name']}",
                     placeholder=_("Choose a retailer"))
        st.text_input(_("Reason given"), key="checkin_excuse_reason")
        st.button(_("Excuse the absence"), key="checkin_excuse_save", on_click=excuse,
                  args=(user, {i: r["version"] for i, r in absent.items()}))
