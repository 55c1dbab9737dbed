"""My account's "Notifications by e-mail and text message" form: channels, daily digest, quiet hours (the forms
pattern: starting values from `form_defaults`, refusals next to the form, typed input kept through an outage)."""
from __future__ import annotations

from datetime import time

import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _
from portal.notifications.channels.log import channel_setup
from portal.notifications.channels.preferences import own_preferences, save_own_preferences
from portal.ui.forms import REFUSED, edit_form, saved, show_flash, show_input_error, submit_button
from portal.ui.text import plain

P = "notify_prefs_"
HOURS = list(range(24))


def _hour(h: int) -> str:
    return f"{h:02d}:00"


def notification_settings(user: CurrentUser) -> None:
    with unit_of_work(user.id) as s:
        prefs, email, mobile = own_preferences(s, actor=user)
    setup = channel_setup()
    st.subheader(_("Notifications by e-mail and text message"))
    show_flash()
    st.caption(_("Notifications always appear in the portal (the bell). Urgent ones (grade 1 complaints, severity 1–2 "
                 "incidents) are sent in quiet hours too."))
    st.caption(_("Your e-mail address: {email} · your mobile number: {mobile} (an admin sets them).").format(
        email=plain(email) if email else _("none"), mobile=plain(mobile) if mobile else _("none")))
    read = edit_form(P, prefs, {"email": prefs.email and bool(email), "gateway": prefs.gateway, "digest": prefs.digest,
                                "digest_hour": prefs.digest_hour, "quiet": prefs.quiet_from is not None,
                                "quiet_from": (prefs.quiet_from or time(22)).hour,
                                "quiet_until": (prefs.quiet_until or time(7)).hour})
    with st.form(P + "form"):
        left, right = st.columns(2)
        by_email = left.checkbox(_("By e-mail"), key=P + "email", disabled=setup["email"] is None,
                                 help=None if setup["email"] else _("E-mail is not set up in this portal."))
        by_gateway = right.checkbox(_("By text message"), key=P + "gateway", disabled=setup["gateway"] is None,
                                    help=None if setup["gateway"] else
                                    _("No message gateway is set up in this portal."))
        digest = left.checkbox(_("One e-mail a day (a digest) instead of one per notification"), key=P + "digest")
        digest_hour = right.selectbox(_("Digest at"), HOURS, format_func=_hour, key=P + "digest_hour")
        quiet = left.checkbox(_("Quiet hours (the center's time)"), key=P + "quiet")
        start, end = right.columns(2)
        quiet_from = start.selectbox(_("From"), HOURS, format_func=_hour, key=P + "quiet_from")
        quiet_until = end.selectbox(_("Until"), HOURS, format_func=_hour, key=P + "quiet_until")
        pressed = submit_button(_("Save notification settings"), key=P + "save")
    if pressed:
        try:
            with unit_of_work(user.id) as s:
                save_own_preferences(s, actor=user, version=read.version,
                                     email=by_email if setup["email"] else prefs.email and bool(email),
                                     gateway=by_gateway and setup["gateway"] is not None, digest=digest,
                                     digest_hour=digest_hour,
                                     quiet_from=time(quiet_from) if quiet else None,
                                     quiet_until=time(quiet_until) if quiet else None)
        except REFUSED as exc:
            show_input_error(exc, P)
        else:
            saved(_("Notification settings saved."), P)
