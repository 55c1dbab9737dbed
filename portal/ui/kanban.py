"""The kanban layout of a records view: a column per state with the cards that fit and how many more; each card
shows the view's fields, opens its record, and moves through a "Move to" list (keyboard-usable: Tab to it, arrows,
Enter). A move is the area's domain function (portal/records/kanban.py): one that needs input first asks for it in
a small form; a refused one says why, and the card stays where it was (the board is read again).
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser, PermissionDenied
from portal.errors import STALE, InputError
from portal.i18n import _, fmt_datetime, fmt_labelled, fmt_number
from portal.records.exporting import cell_value
from portal.records.fields import Field, FieldType, TableSpec
from portal.records.filters import IS, Filter
from portal.records.kanban import Board, BoardColumn, CardMove, board_of, move_card, read_board
from portal.records.validation import Lookups
from portal.records.view import GRID, ViewState
from portal.ui.forms import REFUSED, forget, form_defaults, show_input_error, submit_button
from portal.ui.grid import open_record
from portal.ui.session import refuse
from portal.ui.text import plain
from portal.ui.view_state import key, read_view, write_view

CARD_FIELDS = 4  # fields a card shows besides its title (the view's columns, in order)
_DONE = "kanban.done"

# Columns keep a readable width (a card's reference, fields and "Move to…" on one line each) and the board scrolls
# sideways when they do not all fit, instead of squeezing eight states into the page's width.
SIDEWAYS = """<style>
.st-key-{key} > [data-testid="stLayoutWrapper"] > [data-testid="stHorizontalBlock"] {{
  overflow-x: auto; flex-wrap: nowrap; padding-bottom: 0.5rem; }}
.st-key-{key} > [data-testid="stLayoutWrapper"] > [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {{
  flex: 0 0 15rem; min-width: 15rem; }}
</style>"""


def card_text(fld: Field, row: dict[str, Any]) -> str | None:
    """A card's value of `fld` as people read it (names for users and links, labels for choices)."""
    value = row.get(fld.name)
    if value is None or value == "" or value == []:
        return None
    if fld.type is FieldType.DATETIME and isinstance(value, datetime):
        return fmt_datetime(value)
    return str(cell_value(fld, row))


def _pending_key(spec: TableSpec) -> str:
    return key(spec, "kanban.pending")


def _nonce(spec: TableSpec) -> int:
    return st.session_state.get(key(spec, "kanban.nonce"), 0)


def _chosen(spec: TableSpec, widget: str, record_id: int, version: int, title: str) -> None:
    """A "Move to" choice: remember the card and move (the next run makes it, or asks for its input first)."""
    move = st.session_state.get(widget)
    if move:
        st.session_state[_pending_key(spec)] = {"id": record_id, "version": version, "move": move, "title": title}


def _clear(spec: TableSpec) -> None:
    st.session_state.pop(_pending_key(spec), None)
    st.session_state[key(spec, "kanban.nonce")] = _nonce(spec) + 1  # every "Move to" list shows none again


def _make(spec: TableSpec, user: CurrentUser, board: Board, pending: dict[str, Any], inputs: dict[str, Any],
          prefix: str) -> bool:
    """Make the pending move; says whether it was made (a refusal is shown, and nothing changed)."""
    chosen = board.move(pending["move"])
    try:
        with unit_of_work(user.id) as s:
            move_card(s, actor=user, board=board, move=chosen.name, record_id=pending["id"],
                      version=pending["version"], inputs=inputs)
    except PermissionDenied as denied:
        refuse(user, f"action:{denied.args[0] if denied.args else chosen.name}",
               _("You may not make this move on {title}.").format(title=plain(pending["title"])))
        _clear(spec)
        return False
    except REFUSED as exc:
        if isinstance(exc, InputError) and (not chosen.inputs or exc.field == STALE):
            st.error(plain(exc), icon=":material/block:")  # nothing typed to keep, or typed on an old card:
            forget(prefix)  # the card is read again where it is
            _clear(spec)
        else:
            show_input_error(exc, prefix)
        return False
    forget(prefix)
    _clear(spec)
    st.session_state[_DONE] = _("{title}: {move}, done.").format(title=pending["title"], move=_(chosen.label))
    return True


def _input_widget(inp: Any, prefix: str) -> None:
    label = _(inp.label) + (" *" if inp.required else "")
    if inp.kind == "select":
        options = [c.value for c in inp.choices]
        labels = {c.value: _(c.label) for c in inp.choices}
        st.selectbox(label, options, key=prefix + inp.name, format_func=labels.get, placeholder=_("Choose…"))
    elif inp.kind == "checkbox":
        st.checkbox(label, key=prefix + inp.name)
    elif inp.kind == "long_text":
        st.text_area(label, key=prefix + inp.name, height=90)
    else:
        st.text_input(label, key=prefix + inp.name)


def move_form(spec: TableSpec, user: CurrentUser, board: Board, pending: dict[str, Any], chosen: CardMove) -> bool:
    """The small form of a move that needs input; says whether the move was made."""
    prefix = key(spec, f"kanban.form.{pending['id']}.{chosen.name}.")
    form_defaults(prefix, {i.name: (False if i.kind == "checkbox" else None if i.kind == "select" else "")
                           for i in chosen.inputs})
    with st.container(border=True, key=key(spec, "kanban.move_form")):
        st.markdown("**" + plain(_("{move}: {title}").format(move=_(chosen.label), title=pending["title"])) + "**")
        with st.form(prefix + "form", border=False, enter_to_submit=False):
            for inp in chosen.inputs:
                _input_widget(inp, prefix)
            with st.container(horizontal=True):
                made = submit_button(_("Move"), key=prefix + "submit", type="primary", icon=":material/east:")
                cancelled = st.form_submit_button(_("Keep it where it is"), key=prefix + "cancel")
        if cancelled:
            forget(prefix)
            _clear(spec)
            return True
        if made:
            values = {i.name: st.session_state.get(prefix + i.name) for i in chosen.inputs}
            return _make(spec, user, board, pending, {k: ("" if v is None else v) for k, v in values.items()},
                         prefix)
    return False


def _card(spec: TableSpec, user: CurrentUser, board: Board, column: BoardColumn, row: dict[str, Any],
          fields: list[Field], record_page: str) -> None:
    title = str(row.get(spec.title_field) or f"#{row['id']}")
    with st.container(border=True, key=key(spec, f"kanban.card.{row['id']}")):
        if st.button(title, key=key(spec, f"kanban.open.{row['id']}"), type="tertiary", icon=":material/open_in_new:",
                     help=_("Open")):
            open_record(spec, record_page, row["id"])
        lines = [fmt_labelled(_(f.label), text) for f in fields if (text := card_text(f, row)) is not None]
        if lines:
            st.caption("  \n".join(plain(line) for line in lines))
        moves = {m.name: m for m in board.moves_from(column.value, user)}
        if moves:
            targets = {c.value: c.label for c in spec.field(board.field).choices}
            widget = key(spec, f"kanban.move.{row['id']}.{_nonce(spec)}")
            st.selectbox(_("Move to"), list(moves), index=None, key=widget, label_visibility="collapsed",
                         placeholder=_("Move to…"), on_change=_chosen,
                         args=(spec, widget, row["id"], row["version"], title),
                         format_func=lambda n: _("→ {column} ({move})").format(
                             column=_(targets.get(moves[n].to, moves[n].to)), move=_(moves[n].label)))


def _as_grid(spec: TableSpec, board: Board, value: str) -> None:
    view, _ignored = read_view(spec)
    write_view(view.narrowed(Filter(board.field, IS, value)).with_(layout=GRID))


def _column(spec: TableSpec, user: CurrentUser, board: Board, column: BoardColumn, fields: list[Field],
            record_page: str) -> None:
    count = (fmt_number(column.count) if column.exact else
             _("more than {n}").format(n=fmt_number(column.count)) if column.at_least else
             _("about {n}").format(n=fmt_number(column.count)))
    st.markdown(f"**{plain(_(column.label))}** · {count}")
    for row in column.cards:
        _card(spec, user, board, column, row, fields, record_page)
    if column.more:  # the whole column as a grid (the view's filters and this state)
        more = _("and {n} more") if column.exact else _("and more than {n} more") if column.at_least else \
            _("and about {n} more")
        st.button(more.format(n=fmt_number(column.more)),
                  key=key(spec, f"kanban.more.{column.value}"), type="tertiary", icon=":material/table_rows:",
                  on_click=_as_grid, args=(spec, board, column.value))
    elif not column.count:
        st.caption(_("None"))


def show_board(spec: TableSpec, user: CurrentUser, view: ViewState, lookups: Lookups, record_page: str) -> None:
    """Draw `view` as a board (same filters, search, sort and rows as the grid); make a chosen move first."""
    board = board_of(spec)
    if board is None:
        st.warning(_("This list has no kanban board."))
        return
    pending = st.session_state.get(_pending_key(spec))
    if pending is not None and pending["move"] not in {m.name for m in board.moves}:
        _clear(spec)
        pending = None
    if pending is not None:
        chosen = board.move(pending["move"])
        if chosen.inputs:
            if move_form(spec, user, board, pending, chosen):
                st.rerun()  # (the form goes; the board is read again)
        else:
            _make(spec, user, board, pending, {}, key(spec, "kanban.quick."))
    done = st.session_state.pop(_DONE, None)
    if done:
        st.success(plain(done), icon=":material/check_circle:")
    with unit_of_work(user.id) as s:
        columns = read_board(s, actor=user, spec=spec, board=board, view=view)
    shown = [f for f in spec.visible_fields(view.columns) if f.name not in (spec.title_field, board.field)]
    fields = shown[:CARD_FIELDS]
    st.html(SIDEWAYS.format(key=re.sub(r"[^a-zA-Z0-9_-]", "-", key(spec, "kanban"))))  # (Streamlit's class)
    with st.container(key=key(spec, "kanban")):
        for place, column in zip(st.columns(len(columns)), columns, strict=True):
            with place, st.container(key=key(spec, f"kanban.column.{column.value}")):
                _column(spec, user, board, column, fields, record_page)

