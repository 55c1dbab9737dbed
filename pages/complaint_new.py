"""Register a complaint while the caller is on the line: the receiver becomes its first-contact owner (首问负责人)
and reads out the reference, their staff ID and the promised times."""

import streamlit as st

from db.complaint_models import CHANNELS, MAX_ATTACHMENT_BYTES, WRITTEN_CHANNELS
from db.engine import unit_of_work
from portal import complaints as cx
from portal.center.admin import list_categories
from portal.center.reference import localized_name
from portal.center_time import now as center_now
from portal.complaints.labels import CHANNEL_LABELS, GRADE_LABELS
from portal.complaints.ui.intake import P, confirmation, duplicate_choice, form_token, retailer_picker, screen_pop
from portal.i18n import _, current_language
from portal.inputs import MOMENT_BOUNDS
from portal.ui.forms import REFUSED, form_defaults, retried, show_input_error
from portal.ui.session import page_user

user = page_user("complaints.register")
st.title(_("Register a complaint"))
if (done := st.session_state.get(P + "done")) is not None:
    confirmation(user, done)
    st.stop()

with unit_of_work(user.id) as s:
    categories = {c.id: localized_name(c, current_language()) for c in list_categories(s) if c.active}
token = form_token()
screen_pop(user)  # ?phone=… from the hotline system
opened = st.session_state.setdefault(P + "opened", center_now().replace(second=0, microsecond=0, tzinfo=None))
form_defaults(P, {"channel": CHANNELS[0], "received": opened, "name": "", "phone": "", "email": "", "address": "",
                  "category": None, "grade": 3, "description": "", "remedy": ""})  # kept through an outage (ui.forms)

left, right = st.columns(2)
channel = left.selectbox(_("Received via") + " *", CHANNELS, key=P + "channel",
                         format_func=lambda v: _(CHANNEL_LABELS[v]))
received = right.datetime_input(_("Received (China time)") + " *", key=P + "received",
                                format="YYYY-MM-DD", step=60, **MOMENT_BOUNDS)
left, right = st.columns(2)
name = left.text_input(_("Complainant") + " *", key=P + "name", max_chars=50)
phone = right.text_input(_("Phone") + (" *" if channel == "hotline" else ""), key=P + "phone", max_chars=20,
                         placeholder=_("e.g. 13812345678"))
email = address = ""
if channel in WRITTEN_CHANNELS:  # where the written answer goes
    left, right = st.columns(2)
    email = left.text_input(_("E-mail") + (" *" if channel == "email" else ""), key=P + "email", max_chars=254,
                            placeholder=_("e.g. name@example.com"))
    address = right.text_input(_("Postal address"), key=P + "address", max_chars=300,
                               placeholder=_("Where a posted answer goes (empty for an anonymous letter)"))
retailer_id = retailer_picker(user)
left, right = st.columns(2)
category_id = left.selectbox(_("Category") + " *", list(categories), format_func=categories.get, key=P + "category",
                             index=None, placeholder=_("Choose…"))
grade = right.segmented_control(_("Grade") + " *", list(GRADE_LABELS), key=P + "grade",
                                format_func=lambda g: _(GRADE_LABELS[g]),
                                help=_("1 major: group complaint, media or mass impact (reported at once) · "
                                       "2 serious · 3 general · 4 simple (the center closes it itself)"))
description = st.text_area(_("Description") + " *", key=P + "description", height=110,
                           placeholder=_("What happened, where and when, in the caller's words"))
remedy = st.text_area(_("Remedy sought"), key=P + "remedy", height=70, max_chars=2000,
                      placeholder=_("What the complainant wants"))
files = st.file_uploader(_("Attachments (photos, PDF, Office documents; at most 10 MB each)"), key=P + "files",
                         accept_multiple_files=True, max_upload_size=MAX_ATTACHMENT_BYTES // 2**20)
duplicate_of = duplicate_choice(user, phone=phone, retailer_id=retailer_id, category_id=category_id)

if st.button(_("Save the complaint"), type="primary", key=P + "save", icon=":material/save:") or retried(P + "save"):
    try:
        with unit_of_work(user.id) as s:
            reg = cx.register_complaint(
                s, actor=user, channel=channel, received_at=received, complainant_name=name,
                complainant_phone=phone.strip() or None, retailer_id=retailer_id, category_id=category_id,
                grade=grade, description=description, remedy_sought=remedy, client_token=token,
                duplicate_of_id=duplicate_of, complainant_email=email or None, complainant_address=address or None)
            for file in files if reg.created else []:
                cx.add_attachment(s, actor=user, complaint_id=reg.complaint_id, filename=file.name,
                                  data=file.getvalue())
    except REFUSED as exc:  # the message names the field (or says the database did not answer); input stays
        show_input_error(exc, P)
    else:
        st.session_state[P + "done"] = reg
        st.rerun()
