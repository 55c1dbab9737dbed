"""The session page's pieces: the roster with its waiting list, signing retailers up, the notification list,
absentees' follow-up calls."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from db.training_models import NOTIFY_METHODS, SIGN_UP_CHANNELS, TrainingSession
from portal import training as tr
from portal.access.auth import CurrentUser, can
from portal.i18n import _, fmt_datetime, pgettext
from portal.notifications.channels.retailer_status import MessageStatus
from portal.training.labels import CHANNEL_LABELS, NOTIFY_METHOD_LABELS, SIGN_UP_STATE_LABELS
from portal.training.ui.common import attempt
from portal.ui.forms import (
    REFUSED,
    flash,
    forget,
    keep_values,
    retried,
    saved,
    show_input_error,
    submit_button,
)
from portal.ui.tables import data_table
from portal.ui.text import plain


def _state(row: dict) -> str:
    code = row["state"]
    return _("Walk-in") if row.get("walk_in") and code == "signed_up" else _(SIGN_UP_STATE_LABELS[code])


def _place(row: dict) -> str:
    """The waiting-list place, or by when a seat given from it must be confirmed (✓ once it is)."""
    if row["state"] == "waitlisted":
        return f"#{row['waitlist_position']}"
    if row["state"] == "signed_up" and row.get("confirm_by"):
        return "✓" if row["confirmed_at"] else _("confirm by {time}").format(time=fmt_datetime(row["confirm_by"]))
    return ""


def _attended(row: dict) -> str:
    if row["attended"] is None:
        return ""
    if row["attended"]:
        return pgettext("arrival", "Late") if row.get("late") else _("Yes")
    return _("Excused") if row.get("excused") else _("No")


def _method(row: dict) -> str:
    code = row["notified_method"]
    return _(NOTIFY_METHOD_LABELS[code])


Messages = dict[int, MessageStatus] | None  # the text messages to the retailers (None: no gateway set up)


def _message(messages: Messages, row: dict) -> str:
    found = (messages or {}).get(row["retailer_id"])
    return found.text if found else ""


def _frame(rows: list[dict], messages: Messages = None) -> pd.DataFrame:
    columns = ["place", "state", "license_no", "shop", "owner", "phone", "notified", "renotify", "attended"]
    frame = pd.DataFrame([{
        "place": _place(r),
        "state": _state(r), "license_no": r["license_no"], "shop": r["shop_name"],
        "owner": r["owner_name"], "phone": r["phone"] or "",
        "notified": (_method(r) + " " + fmt_datetime(r["notified_at"]))
        if r["notified_at"] else "", "renotify": r["needs_renotify"],
        "attended": _attended(r),
        "message": _message(messages, r),
    } for r in rows], columns=columns[:7] + ["message"] + columns[7:])
    return frame if messages is not None else frame[columns]


def _columns() -> dict:
    return {
        "place": st.column_config.TextColumn(_("Waiting"), width="medium"),  # or by when to confirm the seat
        "state": st.column_config.TextColumn(_("State"), width="small"),
        "license_no": st.column_config.TextColumn(_("Licence number")),
        "shop": st.column_config.TextColumn(_("Shop name")),
        "owner": st.column_config.TextColumn(_("Owner"), width="small"),
        "phone": st.column_config.TextColumn(_("Phone")),
        "notified": st.column_config.TextColumn(_("Notified")),
        "renotify": st.column_config.CheckboxColumn(_("Notify again"), width="small"),
        "attended": st.column_config.TextColumn(_("Attended"), width="small"),
        "message": st.column_config.TextColumn(_("Text message"), width="medium"),
    }


def _table(key: str, rows: list[dict], messages: Messages = None) -> None:
    data_table(_frame(rows, messages), hide_index=True, key=key, column_config=_columns())


def _label(row: dict) -> str:
    state = f"#{row['waitlist_position']}" if row["state"] == "waitlisted" else _state(row)
    return f"{row['shop_name']} · {row['owner_name']} · {row['license_no']} ({state})"


def roster_panel(user: CurrentUser, ts: TrainingSession, rows: list[dict], messages: Messages = None) -> None:
    """Seats and the waiting list in order, with each retailer's text message when a gateway is set up; cancel a
    sign-up with a reason (the first waiting moves up)."""
    if not rows:
        st.caption(_("Nobody is signed up yet."))
        return
    _table("roster_table", rows, messages)
    if not can(user, "training.manage"):
        return
    by_id = {r["id"]: r for r in rows}
    with st.expander(_("Cancel a sign-up"), icon=":material/person_remove:"):
        keep_values("roster_cancel_", ("pick", "reason"))
        picked = st.selectbox(_("Sign-up"), list(by_id), index=None, key="roster_cancel_pick",
                              format_func=lambda i: _label(by_id[i]), placeholder=_("Choose a retailer"))
        reason = st.text_input(_("Reason for cancelling"), key="roster_cancel_reason")
        if st.button(_("Cancel sign-up"), key="roster_cancel", disabled=picked is None):
            attempt(user, tr.cancel_sign_up, sign_up_id=picked, version=by_id[picked]["version"], reason=reason,
                    prefix="roster_cancel_", done=lambda promoted: _("Sign-up cancelled.") + (
                        " " + _("Moved up from the waiting list: {n}.").format(n=len(promoted)) if promoted else ""))
    confirm_panel(user, rows)


def confirm_panel(user: CurrentUser, rows: list[dict]) -> None:
    """Seats given from the waiting list that wait for the retailer's confirmation: record the call that confirmed
    one (otherwise it goes to the next one waiting at its deadline)."""
    waiting = {r["id"]: r for r in rows if r["state"] == "signed_up" and r.get("confirm_by") and not r["confirmed_at"]}
    if not waiting:
        return
    with st.expander(_("Confirm a seat from the waiting list ({n})").format(n=len(waiting)),
                     icon=":material/phone_callback:"):
        st.caption(_("The retailer called or was called and takes the seat. A seat not confirmed by its deadline "
                     "goes to the next one waiting."))
        picked = st.selectbox(_("Sign-up"), list(waiting), index=None, key="roster_confirm_pick",
                              format_func=lambda i: f"{waiting[i]['shop_name']} · {waiting[i]['owner_name']} · "
                                                    + _("confirm by {time}").format(
                                                        time=fmt_datetime(waiting[i]["confirm_by"])),
                              placeholder=_("Choose a retailer"))
        if st.button(_("Seat confirmed"), key="roster_confirm", disabled=picked is None, icon=":material/done:"):
            attempt(user, tr.confirm_seat, sign_up_id=picked, version=waiting[picked]["version"],
                    prefix="roster_confirm_", done=_("Seat confirmed."))


def sign_up_panel(user: CurrentUser, ts: TrainingSession) -> None:
    """Find retailers by licence number, shop or owner and sign several up at once."""
    text = st.text_input(_("Find retailers"), key="signup_search", icon=":material/search:",
                         placeholder=_("Licence number, shop name or owner"))
    with unit_of_work(user.id) as s:
        found = {r["id"]: r for r in tr.find_retailers(s, actor=user, text=text)} if text.strip() else {}
    if text.strip() and not found:
        st.caption(_("No retailer matches."))
    chosen = st.multiselect(_("Retailers to sign up"), list(found), key="signup_pick",
                            format_func=lambda i: f"{found[i]['license_no']} · {found[i]['shop_name']} · "
                                                  f"{found[i]['owner_name']}")
    channel = st.segmented_control(_("Reached by"), SIGN_UP_CHANNELS, default="phone", key="signup_channel",
                                   format_func=lambda c: _(CHANNEL_LABELS[c]))
    show_refusals()
    overflow_question(user)
    if st.button(_("Sign up"), type="primary", key="signup_save", disabled=not chosen, icon=":material/person_add:") \
            or retried("signup_save"):
        sign_up_retailers(user, ts.id, chosen, channel=channel or "phone", prefix="signup_")


def show_refusals() -> None:
    """The refusals of the last sign-up (kept over its redraw), as a warning beside its success message."""
    if refused := st.session_state.pop(REFUSALS_KEY, None):
        st.warning(refused, icon=":material/person_off:")


def sign_up_retailers(user: CurrentUser, session_id: int, retailer_ids: list[int], *, channel: str = "phone",
                      prefix: str = "signup_", anyway: bool = False) -> None:
    """Sign retailers up: what was done is a success (and the page redraws), who was refused and why a warning
    (`show_refusals` on the next run); when nobody could be signed up, an error and the choice stays. When more than
    WAITLIST_WARNING would go on the waiting list, nothing is done yet: `overflow_question` asks (`anyway` goes on)."""
    try:
        with unit_of_work(user.id) as s:
            batch = tr.sign_up_many(s, actor=user, session_id=session_id, retailer_ids=retailer_ids, channel=channel,
                                    waiting_limit=None if anyway else tr.WAITLIST_WARNING)
    except tr.WaitingListOverflow as exc:
        st.session_state[OVERFLOW_KEY] = (session_id, list(retailer_ids), channel, prefix, str(exc))
        st.rerun()
    except REFUSED as exc:
        show_input_error(exc, prefix)
        return
    st.session_state.pop(OVERFLOW_KEY, None)
    if not (batch.signed_up or batch.waitlisted):
        st.error(refusal_message(batch), icon=":material/person_off:")
        return
    if batch.refused:
        st.session_state[REFUSALS_KEY] = refusal_message(batch)
    saved(batch_message(batch), prefix)


REFUSALS_KEY = "training_signup_refused"
OVERFLOW_KEY = "training_signup_overflow"


def overflow_question(user: CurrentUser) -> None:
    """Before a batch puts more than WAITLIST_WARNING on a waiting list: say how many, and sign them up only when
    asked to."""
    if (pending := st.session_state.get(OVERFLOW_KEY)) is None:
        return
    session_id, retailer_ids, channel, prefix, said = pending
    with st.container(border=True, key="signup_overflow"):
        st.warning(plain(said) + " " + _("Sign them all up anyway?"), icon=":material/hourglass_top:")
        with st.container(horizontal=True):
            if st.button(_("Sign up all {n} anyway").format(n=len(retailer_ids)), key="signup_overflow_go",
                         type="primary"):
                sign_up_retailers(user, session_id, retailer_ids, channel=channel, prefix=prefix, anyway=True)
            if st.button(_("Do not sign them up"), key="signup_overflow_stop"):
                st.session_state.pop(OVERFLOW_KEY, None)
                st.rerun()


def batch_message(batch: tr.SignUpBatch) -> str:
    """“3 signed up, 2 on the waiting list.” (what was done; refusals are told apart, see `refusal_message`)."""
    return _("{seats} signed up, {waiting} on the waiting list.").format(seats=len(batch.signed_up),
                                                                         waiting=len(batch.waitlisted))


def refusal_message(batch: tr.SignUpBatch) -> str:
    """“Not signed up: …” with each refused retailer's reason."""
    return _("Not signed up:") + " " + "; ".join(plain(v) for v in batch.refused.values())


def notification_panel(user: CurrentUser, ts: TrainingSession, messages: Messages = None) -> None:
    """Who still has to be told (new sign-ups, promotions, a moved or cancelled session), with the text message each
    was sent (a gateway set up); mark them notified."""
    with unit_of_work(user.id) as s:
        rows = tr.notification_list(s, actor=user, session_id=ts.id)
    if not rows:
        st.success(_("Everyone signed up has been notified."), icon=":material/done_all:")
        return
    _table("notify_table", rows, messages)
    if not can(user, "training.manage"):
        return
    by_id = {r["id"]: r for r in rows}
    picked = st.multiselect(_("Notified"), list(by_id), key="notify_pick", format_func=lambda i: _label(by_id[i]),
                            placeholder=_("Choose the retailers you reached"))
    method = st.segmented_control(_("Notified by"), NOTIFY_METHODS, default="phone", key="notify_method",
                                  format_func=lambda m: _(NOTIFY_METHOD_LABELS[m]))
    if st.button(_("Mark {n} as notified").format(n=len(picked)), key="notify_save", icon=":material/call:",
                 disabled=not picked):
        try:
            with unit_of_work(user.id) as s:
                for sign_up_id in picked:
                    tr.mark_notified(s, actor=user, sign_up_id=sign_up_id, version=by_id[sign_up_id]["version"],
                                     method=method or "phone")
        except REFUSED as exc:
            show_input_error(exc, "notify_")
            return
        forget("notify_")
        flash(_("{n} marked as notified.").format(n=len(picked)))
        st.rerun()


def absentee_panel(user: CurrentUser, ts: TrainingSession, messages: Messages = None) -> None:
    """Absentees and the reason each gave on the follow-up call (未参加培训的客户实施电话拜访), with the text message
    each was sent (a gateway set up: was the reminder delivered?)."""
    with unit_of_work(user.id) as s:
        rows = tr.absentees(s, actor=user, session_id=ts.id)
    if not rows:
        st.caption(_("No absentees recorded."))
        return
    data_table(pd.DataFrame([{_("Licence number"): r["license_no"], _("Shop name"): r["shop_name"],
                             _("Owner"): r["owner_name"],
                             pgettext("absence", "Reason"): (_("Excused") + ": " if r["excused"] else "")
                             + (r["absence_reason"] or ""),
                             pgettext("follow-up call", "Called"): fmt_datetime(r["follow_up_at"])}
                            | ({} if messages is None else {_("Text message"): _message(messages, r)})
                            for r in rows]),
              hide_index=True, key="absentee_table")
    if not can(user, "training.manage"):
        return
    absentee = {r["id"]: r for r in rows}
    keep_values("absence_", ("pick", "reason"))
    with st.form("absence_form"):
        picked = st.selectbox(_("Absentee"), list(absentee), key="absence_pick",
                              format_func=lambda i: f"{absentee[i]['shop_name']} · {absentee[i]['owner_name']}")
        reason = st.text_input(_("Reason given on the call"), key="absence_reason")
        submitted = submit_button(_("Save the follow-up call"), key="absence_save")
    if submitted:
        attempt(user, tr.record_absence_follow_up, sign_up_id=picked, version=absentee[picked]["version"],
                reason=reason, prefix="absence_", done=_("Follow-up call recorded."))
