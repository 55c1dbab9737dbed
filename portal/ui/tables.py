"""The portal's tables: Streamlit's `st.dataframe` and `st.data_editor`, with an empty cell shown empty.

Streamlit writes "None" (English) in every cell without a value unless told otherwise, on a Chinese screen too, and
on its canvas, where no text check of the page sees it. Every table of the portal is drawn through these two
(tests/test_layering.py checks that no module calls Streamlit's own)."""
from __future__ import annotations

from typing import Any

import streamlit as st


def data_table(data: Any = None, **kwargs: Any) -> Any:
    """`st.dataframe`, with empty cells empty (unless `placeholder` says otherwise)."""
    return st.dataframe(data, **{"placeholder": "", **kwargs})


def data_editor(data: Any, **kwargs: Any) -> Any:
    """`st.data_editor`, with empty cells empty (unless `placeholder` says otherwise)."""
    return st.data_editor(data, **{"placeholder": "", **kwargs})
