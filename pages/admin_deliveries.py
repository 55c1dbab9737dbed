"""Admin · Delivery log: every e-mail and gateway message (sent, queued, retrying, failed and why, skipped), filtered
by status, channel, recipient and day; a test message per channel."""
import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from db.notification_models import DELIVERY_CHANNELS, DELIVERY_STATUSES
from portal.center_time import today, wall_clock
from portal.i18n import _, fmt_number, pgettext
from portal.notifications.channels.log import (
    CHANNEL_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    await_outcome,
    channel_setup,
    list_deliveries,
    outcome_text,
    send_test_message,
)
from portal.ui.forms import REFUSED, form_defaults, show_input_error, submit_button
from portal.ui.session import page_user
from portal.ui.tables import data_table
from portal.ui.text import plain

user = page_user("admin.manage")
st.title(_("Delivery log"))
setup = channel_setup()
for channel in DELIVERY_CHANNELS:
    where = setup[channel]
    label = _(CHANNEL_LABELS[channel])
    st.caption(_("{channel}: {where}").format(channel=label, where=plain(where)) if where else
               _("{channel}: not set up (see .env.example).").format(channel=label))

status_col, channel_col, who_col, days_col = st.columns([1, 1, 1, 2])
status = status_col.selectbox(_("Status"), DELIVERY_STATUSES, index=None, placeholder=_("All"),
                              format_func=lambda s: _(STATUS_LABELS[s]), key="deliveries_status")
CHANNEL = pgettext("message delivery", "Channel")
channel = channel_col.selectbox(CHANNEL, DELIVERY_CHANNELS, index=None, placeholder=_("All"),
                                format_func=lambda c: _(CHANNEL_LABELS[c]), key="deliveries_channel")
recipient = who_col.text_input(_("Recipient"), key="deliveries_recipient", max_chars=100,
                               placeholder=_("Name or address"))
days = days_col.date_input(_("Days"), value=(), max_value=today(), key="deliveries_days", format="YYYY-MM-DD")
since = days[0] if len(days) > 0 else None
until = days[1] if len(days) > 1 else since

with unit_of_work(user.id) as s:
    rows = list_deliveries(s, actor=user, status=status, channel=channel, recipient=recipient, since=since,
                           until=until)
if not rows:
    st.info(_("No deliveries match."))
else:
    st.caption(_("The newest {n} deliveries that match.").format(n=fmt_number(len(rows))))
    data_table(
        pd.DataFrame([{"at": wall_clock(r.created_at), "channel": _(CHANNEL_LABELS[r.channel]),
                       "kind": _(KIND_LABELS[r.kind]), "recipient": r.recipient, "address": r.address or "",
                       "status": _(STATUS_LABELS[r.status]), "attempts": r.attempts, "reason": r.reason or "",
                       "last_attempt": wall_clock(r.last_attempt_at), "sent": wall_clock(r.sent_at),
                       "not_before": wall_clock(r.not_before)} for r in rows]),
        hide_index=True, key="deliveries_table", placeholder="—",
        column_config={
            "at": st.column_config.DatetimeColumn(_("Queued at"), format="YYYY-MM-DD HH:mm:ss"),
            "channel": st.column_config.TextColumn(CHANNEL),
            "kind": st.column_config.TextColumn(_("Kind")),
            "recipient": st.column_config.TextColumn(_("Recipient")),
            "address": st.column_config.TextColumn(_("Address")),
            "status": st.column_config.TextColumn(_("Status")),
            "attempts": st.column_config.NumberColumn(_("Attempts")),
            "reason": st.column_config.TextColumn(_("Why it failed"), width="large"),
            "last_attempt": st.column_config.DatetimeColumn(_("Last attempt"), format="YYYY-MM-DD HH:mm:ss"),
            "sent": st.column_config.DatetimeColumn(_("Sent at"), format="YYYY-MM-DD HH:mm:ss"),
            "not_before": st.column_config.DatetimeColumn(_("Held until"), format="YYYY-MM-DD HH:mm"),
        })

st.subheader(_("Send a test message"))
for channel, column in zip(DELIVERY_CHANNELS, st.columns(len(DELIVERY_CHANNELS)), strict=True):
    prefix = f"delivery_test_{channel}_"
    form_defaults(prefix, {"address": ""})
    with column.form(prefix + "form"):
        st.markdown(f"**{_(CHANNEL_LABELS[channel])}**")
        address = st.text_input(_("E-mail address") if channel == "email" else _("Mobile number"),
                                key=prefix + "address", placeholder=_("Empty: to yourself"))
        pressed = submit_button(_("Send a test message"), key=prefix + "send", disabled=setup[channel] is None)
    if pressed:
        try:
            with unit_of_work(user.id) as s:
                delivery_id = send_test_message(s, actor=user, channel=channel, address=address)
        except REFUSED as exc:
            with column:
                show_input_error(exc, prefix)
        else:
            with column, st.spinner(_("Sending…")):
                outcome = await_outcome(user, delivery_id)
            if outcome is not None:
                kind, said = outcome_text(outcome)
                getattr(column, kind)(plain(said))
