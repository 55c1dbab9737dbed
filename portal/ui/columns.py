"""Grid columns derived from field specs: a DataFrame of a page and the column config for each field type."""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from portal.config import get_settings
from portal.i18n import _
from portal.records.fields import Field, FieldType, sort_note
from portal.records.validation import Lookups

SELECT, OPEN = "_selected", "_open"


def choice_label(field: Field, value: Any) -> Any:
    """A stored choice as people read it (in their language); unknown values as they are."""
    return _(c.label) if isinstance(value, str) and (c := field.choice(value)) else value


def page_frame(fields: list[Field], rows: list[dict[str, Any]], *, editable: set[str],
               selectable: bool) -> pd.DataFrame:
    """One page as a DataFrame: editable user fields keep ids (a selectbox shows names), others show labels;
    editable single choices hold their labels as text (see `column_config`)."""
    data: dict[str, Any] = {}
    if selectable:
        data[SELECT] = pd.Series([False] * len(rows), dtype="bool")
    data[OPEN] = pd.Series([":material/open_in_new:"] * len(rows), dtype="object")
    for f in fields:
        if f.type in (FieldType.USER, FieldType.LINK) and f.name not in editable:
            data[f.name] = pd.Series([r.get(f"{f.name}__label") for r in rows], dtype="object")
        elif f.type is FieldType.USER:
            data[f.name] = pd.Series([r.get(f.name) for r in rows], dtype="Int64")
        elif f.type is FieldType.DATETIME:
            data[f.name] = pd.to_datetime(pd.Series([r.get(f.name) for r in rows], dtype="object"), utc=True)
        elif f.type is FieldType.INTEGER:
            data[f.name] = pd.Series([r.get(f.name) for r in rows], dtype="Int64")
        elif f.type is FieldType.CHECKBOX:
            data[f.name] = pd.Series([r.get(f.name) for r in rows], dtype="boolean")
        elif f.type is FieldType.SINGLE_SELECT and f.name in editable:
            data[f.name] = pd.Series([choice_label(f, r.get(f.name)) for r in rows], dtype="object")
        elif chips(f):  # a one-value list: the chip column's cell (no pandas Styler: it renders every cell twice)
            data[f.name] = pd.Series([[r[f.name]] if r.get(f.name) else [] for r in rows], dtype="object")
        else:
            data[f.name] = pd.Series([r.get(f.name) for r in rows], dtype="object")
    return pd.DataFrame(data)


def chips(field: Field) -> bool:
    """Whether a grid shows `field` as coloured chips (a single choice whose choices have colours)."""
    return field.type is FieldType.SINGLE_SELECT and any(c.color for c in field.choices)


def _label(field: Field, editable: bool) -> str:
    return _(field.label) + (" *" if field.required and editable else "")


def column_config(field: Field, *, editable: bool, lookups: Lookups, link_key: str | None = None) -> Any:
    """The `st.column_config` entry of one field; a link field with `link_key` is a button that opens the linked
    record (its click lands in session state under that key)."""
    help_text = " ".join(_(t) for t in (field.help, sort_note(field)) if t) or None  # (says how it sorts)
    label, disabled = _label(field, editable), not editable
    common = {"disabled": disabled, "help": help_text}
    if field.type is FieldType.LINK and not editable and link_key is not None:
        return st.column_config.ButtonColumn(label, key=link_key, type="tertiary", alignment="left",
                                             help=help_text or _("Open the linked record"))
    if field.type in (FieldType.USER, FieldType.LINK) and not editable:
        return st.column_config.TextColumn(label, **common)
    if field.type is FieldType.USER:
        options = sorted(lookups.users, key=lookups.user_label)
        return st.column_config.SelectboxColumn(label, options=options, format_func=lookups.user_label, **common)
    if field.type is FieldType.SINGLE_SELECT and editable:
        # a text cell: Streamlit's selectbox cell drops pasted text that is not an option's stored value, so a
        # pasted label or import spelling (暂停) vanished; the save parses every spelling and names refusals
        choices = _("One of: {choices}.").format(choices=", ".join(_(c.label) for c in field.choices))
        return st.column_config.TextColumn(label, required=field.required, disabled=False,
                                           help=f"{help_text} {choices}" if help_text else choices)
    if chips(field):
        return st.column_config.MultiselectColumn(label, options=[c.value for c in field.choices],
                                                  color=[c.color or "gray" for c in field.choices],
                                                  format_func=lambda v: _(c.label) if (c := field.choice(v)) else v,
                                                  **common)
    if field.type is FieldType.SINGLE_SELECT:
        return st.column_config.SelectboxColumn(label, options=[c.value for c in field.choices],
                                                format_func=lambda v: _(c.label) if (c := field.choice(v)) else v,
                                                required=field.required, **common)
    if field.type is FieldType.MULTI_SELECT:
        return st.column_config.MultiselectColumn(label, options=[c.value for c in field.choices],
                                                  format_func=lambda v: _(c.label) if (c := field.choice(v)) else v,
                                                  accept_new_options=editable, **common)  # (pasted labels)
    if field.type is FieldType.CHECKBOX:
        return st.column_config.CheckboxColumn(label, **common)
    if field.type in (FieldType.INTEGER, FieldType.DECIMAL):
        return st.column_config.NumberColumn(label, min_value=field.min_value, max_value=field.max_value,
                                             step=1 if field.type is FieldType.INTEGER else None,
                                             format="%d" if field.type is FieldType.INTEGER else None,
                                             required=field.required, **common)
    if field.type is FieldType.DATE:
        return st.column_config.DateColumn(label, format="YYYY-MM-DD", **common)
    if field.type is FieldType.DATETIME:
        return st.column_config.DatetimeColumn(label, format="YYYY-MM-DD HH:mm", timezone=get_settings().timezone,
                                               **common)
    width = "large" if field.type is FieldType.LONG_TEXT else None
    return st.column_config.TextColumn(label, max_chars=field.max_length, required=field.required, width=width,
                                       **common)


def grid_config(fields: list[Field], *, editable: set[str], lookups: Lookups, open_key: str,
                selectable: bool, link_keys: dict[str, str] | None = None) -> dict[str, Any]:
    """Column config for the whole grid: selection and "open" columns first, then the fields (`link_keys`: the link
    fields whose cells open the linked record, with their click keys)."""
    config: dict[str, Any] = {OPEN: st.column_config.ButtonColumn("", key=open_key, type="tertiary", width=40,
                                                                  help=_("Open the record"))}
    if selectable:
        config[SELECT] = st.column_config.CheckboxColumn("✓", width=40, help=_("Select for a bulk change"))
    for f in fields:
        config[f.name] = column_config(f, editable=f.name in editable, lookups=lookups,
                                       link_key=(link_keys or {}).get(f.name))
    return config
