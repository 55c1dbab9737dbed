"""Prepare the database once per server process; show a clear message instead of a traceback."""
from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from db.embedded import DatabaseStartError
from portal.config import StartupRefused
from portal.i18n import _


@st.cache_resource(show_spinner=False)
def _prepared_engine() -> Engine:
    from portal.bootstrap import prepare

    return prepare()


def ready_engine() -> Engine:
    """The migrated engine, or stop the page with what went wrong and what to do."""
    try:
        return _prepared_engine()
    except DatabaseStartError as exc:
        st.error(_("The portal cannot reach its database.") + f"\n\n{exc}")
        st.stop()
    except StartupRefused as exc:  # (the console said it too, for `python -m portal run`)
        st.error(_("The portal cannot start with its settings.") + f"\n\n{exc}")
        st.stop()
