"""The records grid: one page of a view in `st.data_editor` (or a read-only `st.dataframe`), inline edits
saved all together, row selection for bulk changes, "open" buttons and the pager.

While edits are pending the grid keeps showing the rows (and versions) they were made on, so a save
checks against what the user saw; a save that races someone else's is refused and the edits stay. When the
database does not answer, the edits are kept (by record id, with the version seen: `keep_edits`, through
`forms.keep_typed_input`): Streamlit drops an editor's state in a run that does not draw it, and no script can give
it back, so the next run that draws the grid shows them in its rows and saves them with the editor's new ones.
"""
from __future__ import annotations

import functools
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import select

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.i18n import _, fmt_number
from portal.records.editing import GridSaveError, save_edits
from portal.records.fields import Field, FieldType, TableSpec, get_spec
from portal.records.query import Page, fetch_page
from portal.records.validation import Lookups, error_text
from portal.records.view import ViewState
from portal.ui import live, view_layout
from portal.ui.columns import OPEN, SELECT, grid_config, page_frame
from portal.ui.forms import guarded_callback, keep_also, retried, saving_as
from portal.ui.header_sort import EDITOR_HEADER_GUARD, HEADER_ROW, frame_sorting, sort_strip
from portal.ui.record_nav import FROM, from_param, link_pages
from portal.ui.tables import data_editor, data_table
from portal.ui.text import plain
from portal.ui.view_state import cursor, key, remember_cursor, seed, update_view, write_view

FLASH = "grid.flash"
EXITS = "grid.exits"  # {an "open" column's click key: (table, record page, the drawn rows' ids, view)}
KEPT = ".kept"  # editor_key + KEPT: {record id: (version seen, {field: value})}, edits kept through an outage
# Streamlit's own grid tools act on the one page in the browser and know nothing of the portal's view: its search
# finds only that page, its column menu sorts only that page while the sort bar says otherwise, and pins or hides
# columns the export still writes. The portal has all of these for the whole view, so a records grid has none of
# Streamlit's (its CSV download is off everywhere: client.disableDataExport in .streamlit/config.toml).
PORTAL_ONLY_TOOLS = """<style>
.st-key-{key} [data-testid="stElementToolbar"] {{ display: none; }}
[data-testid="stDataFrameColumnMenu"] {{ display: none; }}
</style>"""


def flash(message: str) -> None:
    """Show `message` above the grid on the next run."""
    st.session_state[FLASH] = message


def editor_key(spec: TableSpec) -> str:
    """The key of the grid's data editor now: it changes after a save, and when the view changes while edits or
    ticks are pending (Streamlit keeps a keyed editor's edits across new rows of the same shape: a new key drops
    them). Otherwise it stays, so the browser updates the grid in place instead of building it anew."""
    return key(spec, f"editor.{st.session_state.get(key(spec, 'nonce'), 0)}")


def reset_editor(spec: TableSpec) -> None:
    """Forget pending edits and the rows they were made on (the next run reads fresh rows)."""
    old = editor_key(spec)
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(old + ".")]:
        del st.session_state[k]
    st.session_state[key(spec, "nonce")] = st.session_state.get(key(spec, "nonce"), 0) + 1


def pending_edits(spec: TableSpec) -> dict[int, dict[str, Any]]:
    """The editor's changed cells: row position -> {column: new value}."""
    state = st.session_state.get(editor_key(spec)) or {}
    return {int(pos): dict(changes) for pos, changes in (state.get("edited_rows") or {}).items()}


def kept_edits(spec: TableSpec) -> dict[int, tuple[int, dict[str, Any]]]:
    """Edits kept through an outage, not saved yet: record id -> (version the user saw, {field: value})."""
    return st.session_state.get(editor_key(spec) + KEPT, {})


def _changes(spec: TableSpec, page: Page, edits: dict[int, dict[str, Any]]) -> dict[int, tuple[int, dict[str, Any]]]:
    """All pending edits by record id, with the version each record had when edited (or the one taken over after
    a refused save): those kept through an outage, then the editor's (row position -> values) on top."""
    changes = {rid: (version, dict(values)) for rid, (version, values) in kept_edits(spec).items()}
    for pos, values in edits.items():
        row = page.rows[pos]
        version, before = changes.get(row["id"], (row["version"], {}))
        changes[row["id"]] = (version, {**before, **values})
    rebased = st.session_state.get(editor_key(spec) + ".rebased", {})
    return {rid: (rebased.get(rid, version), values) for rid, (version, values) in changes.items()}


def keep_edits(spec: TableSpec) -> bool:
    """The grid's part of `forms.keep_typed_input`: copy the editor's pending edits aside; says whether any are."""
    page = st.session_state.get(editor_key(spec) + ".rows")
    edits = {pos: {f: v for f, v in changes.items() if f != SELECT} for pos, changes in pending_edits(spec).items()}
    changes = _changes(spec, page, {pos: values for pos, values in edits.items() if values}) if page else {}
    if changes:
        st.session_state[editor_key(spec) + KEPT] = changes
    return bool(changes)


# what the editor sends for a cell (JSON) -> what `page_frame` puts in the column, for types that differ
_CELL = {FieldType.DATETIME: lambda v: pd.to_datetime(v, utc=True), FieldType.DECIMAL: lambda v: Decimal(str(v)),
         FieldType.DATE: lambda v: date.fromisoformat(str(v)[:10])}


def _with_kept(spec: TableSpec, page: Page, fields: list[Field], frame: pd.DataFrame) -> pd.DataFrame:
    """The rows as the editor shows them, with the kept edits typed in (each cell keeps its column's type, so the
    editor stays the same widget)."""
    positions = {row["id"]: pos for pos, row in enumerate(page.rows)}
    cell = {f.name: _CELL.get(f.type, lambda v: v) for f in fields}
    for rid, (_version, values) in kept_edits(spec).items():
        for name, value in values.items():
            if rid in positions and name in frame.columns:
                frame.at[positions[rid], name] = None if value is None else cell[name](value)
    return frame


def open_record(spec: TableSpec, record_page: str, record_id: int, view: ViewState | None = None) -> None:
    """Go to a record's page, remembering the grid's URL for the way back; `view` (the grid's) travels with the
    link, for previous / next within it."""
    st.session_state[key(spec, "back")] = st.query_params.to_dict()
    trail = {FROM: from_param(view)} if view is not None else {}
    st.switch_page(record_page, query_params={"id": str(record_id), **trail})


def exit_on_open(spec: TableSpec, record_page: str, click_key: str, page: Page, view: ViewState | None = None) -> None:
    """Remember that a click on the "open" cells at `click_key` opens, from `view`, the record of the row clicked
    among the rows just drawn, for `leave_if_opened` in the run the click starts."""
    st.session_state.setdefault(EXITS, {})[click_key] = (spec.name, record_page, [r["id"] for r in page.rows], view)


def leave_if_opened() -> None:
    """First in a run of a page's part: a click on an "open" cell goes to its record before anything is read or
    drawn (not after the page it leaves was read and drawn again); the row is the one drawn where it was clicked.
    The grids drawn after this say again where their cells go."""
    for click_key, (table, record_page, ids, view) in st.session_state.pop(EXITS, {}).items():
        click = st.session_state.get(click_key)
        if click is not None and 0 <= int(click["row"]) < len(ids):
            open_record(get_spec(table), record_page, ids[int(click["row"])], view)


def _page(spec: TableSpec, user: CurrentUser, view: ViewState) -> Page:
    """The rows to show: the remembered ones while edits are pending, else a fresh read of the page."""
    shown = view.signature() + f"#{view.page}"
    if st.session_state.get(key(spec, "shown")) != shown:
        if st.session_state.get(key(spec, "shown")) is not None and (pending_edits(spec) or kept_edits(spec)):
            reset_editor(spec)  # edits (or ticks) made on other rows: a new editor; else the same one, not re-mounted
        st.session_state[key(spec, "shown")] = shown
    remembered = editor_key(spec) + ".rows"
    if remembered in st.session_state and (pending_edits(spec) or kept_edits(spec)):
        return st.session_state[remembered]
    after, before = cursor(spec, view)
    with unit_of_work(user.id) as s:
        page = fetch_page(s, actor=user, spec=spec, view=view, after=after, before=before)
    remember_cursor(spec, view, page.first_key, page.last_key)
    st.session_state[remembered] = page
    return page


def _problem_lines(spec: TableSpec, page: Page, exc: GridSaveError) -> list[str]:
    titles = {r["id"]: r.get(spec.title_field) or f"#{r['id']}" for r in page.rows}
    lines = []
    for problem in exc.problems:
        if problem.stale:
            lines.append(str(problem.stale))
        title = titles.get(problem.record_id, f"#{problem.record_id}")
        lines += [f"{title} — {error_text(spec, e)}" for e in problem.errors]
    return lines


def _save(spec: TableSpec, user: CurrentUser, page: Page, edits: dict[int, dict[str, Any]]) -> bool:
    """Save the pending edits (all or nothing); a refusal is kept to show, with the edits. Says whether it saved."""
    changes = _changes(spec, page, edits)
    try:
        with unit_of_work(user.id) as s:
            saved = save_edits(s, actor=user, spec=spec, edits=changes)
    except GridSaveError as exc:
        st.session_state[editor_key(spec) + ".problems"] = exc
        st.session_state[editor_key(spec) + ".refused"] = changes
        return False
    reset_editor(spec)
    flash(_("Saved changes to {n} records.").format(n=saved))
    return True


def saves_at_once(spec: TableSpec) -> bool:
    """Whether a changed cell is saved as soon as it is left (the default), or edits wait for "Save changes"."""
    return st.session_state.get(key(spec, "at_once"), True)  # (not the toggle's own state: a run that does not
    # draw the toggle, such as one the database did not answer, would drop it)


def _at_once_changed(spec: TableSpec) -> None:
    st.session_state[key(spec, "at_once")] = st.session_state[key(spec, "save_at_once")]


def _save_at_once(spec: TableSpec, user: CurrentUser, page: Page) -> bool:
    """One step: the run the cell's change starts saves it (before the grid is drawn, so the same run shows the
    saved rows); so does the first run that reaches the database after one that did not, for the edits kept then.
    Not again for edits a save refused (they wait for the user's next change). Says whether it saved."""
    edits = {pos: {f: v for f, v in changes.items() if f != SELECT} for pos, changes in pending_edits(spec).items()}
    edits = {pos: values for pos, values in edits.items() if values}
    retried(key(spec, "save"))  # (a Retry of this save needs nothing more: the kept edits are saved below)
    if not (edits or kept_edits(spec)) or \
            _changes(spec, page, edits) == st.session_state.get(editor_key(spec) + ".refused"):
        return False
    st.session_state.pop(editor_key(spec) + ".problems", None)
    return _save(spec, user, page, edits)


@guarded_callback
def _rebase(spec: TableSpec, user: CurrentUser) -> None:
    """After a refused save, take the current versions of the rows others changed: the next save overwrites."""
    problems: GridSaveError = st.session_state.pop(editor_key(spec) + ".problems")
    stale_ids = [p.record_id for p in problems.problems if p.stale]
    with unit_of_work(user.id) as s:
        versions = dict(s.execute(select(spec.id_column, spec.column("version"))
                                  .where(spec.id_column.in_(stale_ids))).all())
    st.session_state.setdefault(editor_key(spec) + ".rebased", {}).update(versions)
    st.session_state[editor_key(spec) + ".save_now"] = True


def save_bar(spec: TableSpec, user: CurrentUser, page: Page, edits: dict[int, dict[str, Any]]) -> None:
    """Pending edits: save them all, or discard them; a refused save says why and keeps the edits."""
    if st.session_state.pop(editor_key(spec) + ".save_now", False) and _save(spec, user, page, edits):
        st.rerun()
    kept = sum(len(values) for _version, values in kept_edits(spec).values())
    if kept:
        st.info(_("{n} unsaved changes kept from before the outage: save or discard them.").format(n=kept),
                icon=":material/cloud_done:")
    with st.container(horizontal=True, vertical_alignment="center", key=key(spec, "save_bar")):
        st.caption(_("{n} rows changed, not saved yet.").format(n=len(_changes(spec, page, edits))))
        if (st.button(_("Save changes"), type="primary", icon=":material/save:", key=key(spec, "save"))
                or retried(key(spec, "save"))) and _save(spec, user, page, edits):  # (Retry after an outage)
            st.rerun()
        st.button(_("Discard changes"), key=key(spec, "discard"), on_click=reset_editor, args=(spec,))
    problems: GridSaveError | None = st.session_state.get(editor_key(spec) + ".problems")
    if problems is not None:
        st.error(_("Nothing was saved:") + "\n\n" + "\n\n".join(f"- {plain(line)}" for line in
                                                                 _problem_lines(spec, page, problems)))
        if any(p.stale for p in problems.problems):
            st.button(_("Save my edits over their changes"), key=key(spec, "rebase"), on_click=_rebase,
                      args=(spec, user), icon=":material/published_with_changes:")


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(plain(message), icon=":material/check_circle:")


def pager(spec: TableSpec, view: ViewState, page: Page) -> None:
    """“Rows 51–100 of about 200,000” and the page buttons."""
    first = (page.page - 1) * page.page_size + 1
    last = first + len(page.rows) - 1
    total = fmt_number(page.total)
    with st.container(horizontal=True, vertical_alignment="center", key=key(spec, "pager")):
        if not page.rows:
            st.caption(_("No {records} match.").format(records=_(spec.label).lower()))
        elif page.exact:
            st.caption(_("Rows {first}–{last} of {total}").format(first=fmt_number(first), last=fmt_number(last),
                                                                 total=total))
        else:
            st.caption(_("Rows {first}–{last} of about {total}").format(first=fmt_number(first),
                                                                       last=fmt_number(last), total=total))
        shown = min(view.page, page.page_count)  # one widget per page shown: the URL, not the widget, holds it
        st.pagination(page.page_count, default=shown, key=key(spec, f"page.{shown}"), on_change=_go_to_page,
                      args=(spec, shown))
        if page.page_count > 7:  # beyond what the page buttons reach: type the page (1 to the last)
            st.number_input(_("Go to page"), min_value=1, max_value=page.page_count, value=None, step=1,
                            key=key(spec, f"goto.{shown}"), on_change=_go_to_typed_page, args=(spec, shown),
                            placeholder=_("Go to page"), label_visibility="collapsed", width=170)


def _go_to_page(spec: TableSpec, shown: int) -> None:
    update_view(spec, page=st.session_state[key(spec, f"page.{shown}")])


def _go_to_typed_page(spec: TableSpec, shown: int) -> None:
    typed = st.session_state.get(key(spec, f"goto.{shown}"))
    if typed:
        update_view(spec, page=int(typed))


def show_grid(spec: TableSpec, user: CurrentUser, view: ViewState, lookups: Lookups,
              record_page: str, *, selectable: bool | None = None) -> tuple[Page, set[int]]:
    """Draw the page of `view`; returns it and the selected row positions.

    Rows are selectable when the user may edit a field (bulk changes), or when `selectable` says so (a table
    whose bulk actions are the domain's own, e.g. assigning complaints).
    """
    leave_if_opened()  # (done already where the grid is in a page's part)
    page = _page(spec, user, view)
    fields = spec.visible_fields(view.columns)
    editable = {f.name for f in fields if f.may_edit(user)}
    if editable:
        keep_also(key(spec, "edits"), functools.partial(keep_edits, spec))  # (before a save that may fail)
        if saves_at_once(spec) and saving_as(key(spec, "save"), lambda: _save_at_once(spec, user, page)):
            show_flash()  # said as soon as it is saved, before the rows are read afresh
            page = _page(spec, user, view)
    show_flash()
    if not page.rows and view.page > 1 and page.total:
        write_view(view.with_(page=page.page_count))
        st.rerun()
    for problem in page.problems:
        st.warning(plain(_("A filter was ignored: {problem}").format(problem=problem)))
    if not page.rows:  # the pager says nothing matches; an empty grid would add Streamlit's own English "empty"
        return page, set()  # (no records grid adds rows: an editor is only ever for the rows shown)
    selectable = bool(editable) if selectable is None else selectable
    frame = _with_kept(spec, page, fields, page_frame(fields, page.rows, editable=editable, selectable=selectable))
    frame = live.mark_changed(spec, page.rows, frame)  # rows someone changed, after a refresh of the notice below
    links = {name: target for name, target in link_pages(fields, user).items() if name not in editable}
    link_keys = {name: f"{editor_key(spec)}.link.{name}" for name in links}
    config = grid_config(fields, editable=editable, lookups=lookups, open_key=editor_key(spec) + ".open",
                         selectable=selectable, link_keys=link_keys)
    config, row_height = view_layout.apply(config, view), view_layout.row_height(view)  # widths, pins: the view's
    order = [c for c in (SELECT, OPEN) if c in frame.columns] + [f.name for f in fields]
    grid_class = re.sub(r"[^a-zA-Z0-9_-]", "-", key(spec, "grid"))  # (Streamlit's class for the container key)
    st.html(PORTAL_ONLY_TOOLS.format(key=grid_class))
    if editable or selectable:  # a header click cannot reach the server: sort from the strip (header_sort.py)
        st.html(EDITOR_HEADER_GUARD.format(key=grid_class, height=HEADER_ROW))
        sort_strip(spec, user, view)
    with st.container(key=key(spec, "grid")):
        if editable or selectable:
            data_editor(frame, key=editor_key(spec), column_config=config, column_order=order, hide_index=True,
                        disabled=[f.name for f in fields if f.name not in editable] + [OPEN],
                        alt=_(spec.label), height="auto" if len(page.rows) <= 20 else 600, row_height=row_height)
        else:  # a header click sorts the whole view on the server
            data_table(frame, column_config=config, column_order=order, hide_index=True, alt=_(spec.label),
                      height="auto" if len(page.rows) <= 20 else 600, row_height=row_height,
                      **frame_sorting(spec, user))
    live.changed_rows(spec, user, [{"id": r["id"], "version": r["version"], spec.title_field: r.get(spec.title_field)}
                                   for r in page.rows])  # rows others changed since drawn, checked every few seconds
    if editable:  # batching: several edits checked and saved together, or none (e.g. a row's related fields)
        seed(key(spec, "save_at_once"), saves_at_once(spec))
        st.toggle(_("Save each change at once"), key=key(spec, "save_at_once"), on_change=_at_once_changed,
                  args=(spec,),
                  help=_("Off: changes wait until you press “Save changes”, and are saved together or not at all."))
    exit_on_open(spec, record_page, editor_key(spec) + ".open", page, view)
    for name, target in links.items():  # a link cell: the linked record's own page
        link_click = st.session_state.get(link_keys[name])
        if link_click is not None and page.rows[int(link_click["row"])].get(name) is not None:
            st.switch_page(target, query_params={"id": str(page.rows[int(link_click["row"])][name])})
    edits = pending_edits(spec)
    selected = {pos for pos, changes in edits.items() if changes.pop(SELECT, False)}
    field_edits = {pos: changes for pos, changes in edits.items() if changes}
    if field_edits or kept_edits(spec):
        save_bar(spec, user, page, field_edits)
    return page, selected

