"""One retailer: every field in the edit form, the history of changes, and linked records."""
import streamlit as st

import portal.complaints.table  # noqa: F401  (registers the retailer's complaint history among the linked records)
import portal.incidents.records  # noqa: F401  (registers supply requests and incident call lists there)
import portal.training  # noqa: F401  (registers the training record card among the linked records)
from db.engine import unit_of_work
from portal.access.auth import can
from portal.i18n import _
from portal.inputs import int_param
from portal.records.query import fetch_record
from portal.records.validation import Lookups
from portal.retailers.table import RETAILERS, STATUS_CHOICES
from portal.training.ui.records import record_card_download
from portal.ui.grid import show_flash
from portal.ui.history_panel import restore_controls
from portal.ui.record_form import record_form
from portal.ui.record_nav import record_nav
from portal.ui.record_view import history_table, linked_records
from portal.ui.session import page_user
from portal.ui.text import plain
from portal.ui.view_state import key

user = page_user("retailers.view")
wanted = st.query_params.get("id", "")
wanted_id = int_param(st.query_params, "id")
if not record_nav(RETAILERS, user, wanted_id, record_page="pages/retailer.py", grid_page="pages/retailers.py",
                  back_label=_("All retailers")):
    back = st.session_state.get(key(RETAILERS, "back"), {})
    st.page_link("pages/retailers.py", label=_("All retailers"), icon=":material/arrow_back:", query_params=back)
with unit_of_work(user.id) as s:
    lookups = Lookups(s)
    record = fetch_record(s, actor=user, spec=RETAILERS, record_id=wanted_id) if wanted_id else None
if record is None and wanted != "new":
    st.error(_("There is no retailer {id}. Open one from the list.").format(id=plain(wanted)))
    st.stop()

if record is None:
    st.title(_("New retailer"))
else:
    st.title(plain(record["shop_name"]))
    status = next((_(c.label) for c in STATUS_CHOICES if c.value == record["status"]), record["status"])
    st.caption(plain(f"{_('Licence number')} {record['license_no']} · {status} · {record['district']}"))
show_flash()

form_side, linked_side = st.columns([3, 2], gap="large")
with form_side:
    saved_id = record_form(RETAILERS, user, record, lookups)
    if saved_id is not None:
        st.query_params["id"] = str(saved_id)
        st.rerun()
with linked_side:
    st.subheader(_("Linked records"))
    if record is not None:
        linked_records(RETAILERS, user, record["id"])
        if can(user, "training.view"):
            record_card_download(user, record["id"])
if record is not None:
    st.subheader(_("History"))
    history_table(RETAILERS, user, record["id"])
    restore_controls(RETAILERS, user, record, lookups)
