"""The training record card's print button (on the retailer's page)."""
from __future__ import annotations

import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _
from portal.training.records import record_card_html


def record_card_download(user: CurrentUser, retailer_id: int) -> None:
    """The retailer's training record card (培训记录卡) to print, made on the click."""
    def card() -> bytes:
        with unit_of_work(user.id) as s:
            return record_card_html(s, actor=user, retailer_id=retailer_id).encode("utf-8")

    st.download_button(_("Print the training record card"), data=card, mime="text/html", icon=":material/print:",
                       file_name=f"training-record-{retailer_id}.html", key="training_record_card_download",
                       on_click="ignore")
