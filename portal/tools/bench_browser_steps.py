"""The browser bench's interactions (portal/tools/bench_browser.py): each makes, for one tab, a `Steps` whose
`once(i)` does any untimed setting-up, then times one action until its result is on screen.

What is timed is what a person does: a click on the menu, a pill, the pager, a row's "open" cell; typing a search
and Enter; choosing a sort field; typing into a grid cell and Enter (and, where the grid still asks for it, the
"Save changes" click). Where a control does not exist on a server (the "before" of a before/after run has no "go
to page" box), the bench does what that version's user had to do (edit the address) and says so.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, text

from portal.tools.bench_browser_tab import Browser, Sample, first_row_has, first_row_js
from portal.tools.run_timing import FLOOR_PATH

SEARCHES = ("淋湿", "断货", "不耐烦", "重复扣款", "紧俏品牌", "线路07", "防伪标识", "态度")
RETAILER_SEARCHES = ("便利", "超市", "烟酒", "人民路", "王", "张", "商行", "中山")


def expected_first(table: str, user_login: str, params: dict, column: str) -> str:
    """What the first row of `table`'s grid shows in `column` for the view `params` describe (URL form)."""
    import portal.complaints.table  # noqa: F401 (the grids' specs register when their modules load)
    import portal.retailers.table  # noqa: F401
    from db.engine import unit_of_work
    from db.models import User
    from portal.access.auth import CurrentUser
    from portal.records.fields import get_spec
    from portal.records.query import fetch_page
    from portal.records.view import ViewState

    spec = get_spec(table)
    view, _ignored = ViewState.from_params(spec, params)
    with unit_of_work() as s:
        actor = CurrentUser.of(s.scalar(select(User).where(User.login == user_login)))
        page = fetch_page(s, actor=actor, spec=spec, view=view)
    if not page.rows:
        raise RuntimeError(f"The bench's view of {table} is empty: {params}")
    return str(page.rows[0][column])


def url_params(url: str) -> dict:
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(url).query)
    return {k: (v if k == "f" else v[0]) for k, v in query.items()}



GRID_ROW_PX, HEADER_PX, CHECK_PX, OPEN_PX = 35, 35, 40, 40  # the grid's geometry (portal/ui/columns.py widths)


@dataclass
class Steps:
    page: str
    name: str
    tab: Browser
    step: Callable[[int], tuple[Callable[[], None], str]]  # i -> (the action, JS that is true once it shows)
    prepare: Callable[[], None] = lambda: None
    finish: Callable[[], None] = lambda: None
    canvas: bool = False  # a grid drawn or changed: timed on its canvas (CANVAS_WATCH)
    shown: str = ""  # with `canvas`: JS true once the page says what the grid shows (a "saved" message)

    def once(self, i: int) -> Sample:
        act, ready = self.step(i)
        return self.tab.measure(act, ready, canvas=self.canvas, shown_js=self.shown)


def _view(table: str, tab: Browser):
    from portal.complaints.table import COMPLAINTS
    from portal.records.view import ViewState
    from portal.retailers.table import RETAILERS

    spec = {"complaints": COMPLAINTS, "retailers": RETAILERS}[table]
    return spec, ViewState.from_params(spec, url_params(tab.page.url))[0]


def _first(table: str, login: str, view, column: str) -> str:
    return expected_first(table, login, view.to_params(), column)


def menu_link(tab: Browser, page_path: str):
    """The menu's link to `page_path` (by its title in English, the bench user's language)."""
    from portal.i18n import _, set_language
    from portal.ui.nav import PAGES

    set_language("en")
    title = _(next(p.title for p in PAGES if p.path == page_path))
    return tab.page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)


def _canvas(tab: Browser):
    return tab.page.get_by_test_id("stDataFrame").first.locator("canvas").first.bounding_box()


# ---- the floor ---------------------------------------------------------------------------------------------------
def floor(tab: Browser, login: str) -> Steps:
    def step(i: int):
        clicks = int(tab.page.get_by_text("Floor ", exact=False).first.text_content().split()[-1])
        return (lambda: tab.page.get_by_role("button", name="Again").click(),
                f"() => document.body.innerText.includes('Floor {clicks + 1}')")
    return Steps("—", "empty page: a click (floor)", tab, step, prepare=lambda: tab.goto(f"/{FLOOR_PATH}"))


# ---- a records grid ----------------------------------------------------------------------------------------------
def _grid_steps(table: str, path: str, column: str, title: str):
    """Interaction makers for one records grid (the table, its address, the column that names a row on screen, the
    field its record page's title shows)."""
    page_label = table

    def open_from_menu(tab: Browser, login: str) -> Steps:
        state = {}

        def prepare():
            tab.goto(path)
            state["expected"] = _first(table, login, _view(table, tab)[1], column)

        def step(i: int):
            tab.goto("/")
            return menu_link(tab, f"pages{path}.py").click, first_row_js(state["expected"])
        return Steps(page_label, "open the grid from the menu", tab, step, prepare, canvas=True)

    def open_by_address(tab: Browser, login: str) -> Steps:
        state = {}

        def prepare():
            tab.goto(path)
            state["expected"] = _first(table, login, _view(table, tab)[1], column)

        def step(i: int):
            return (lambda: tab.page.goto(tab.base_url + path, wait_until="commit")), first_row_js(state["expected"])
        return Steps(page_label, "open the grid cold (a new page load)", tab, step, prepare, canvas=True)

    def quick_filter(tab: Browser, login: str) -> Steps:
        """The complaints grid's one-click "overdue" filter: on, then off again, and so on."""
        from portal.records.filters import Filter

        def step(i: int):
            spec, view = _view(table, tab)
            filters = (Filter("sla", "is", "overdue"),) if i % 2 == 0 else ()
            expected = _first(table, login, view.with_(filters=filters, page=1), column)
            pill = tab.page.get_by_test_id("stButtonGroup").first.locator("button").first
            return pill.click, first_row_js(expected)
        return Steps(page_label, "filter (one click)", tab, step, prepare=lambda: tab.goto(path), canvas=True)

    def search(tab: Browser, login: str) -> Steps:
        words = SEARCHES if table == "complaints" else RETAILER_SEARCHES

        def step(i: int):
            spec, view = _view(table, tab)
            shown = tab.first_row()
            for k in range(len(words)):  # the next word that finds rows, other than the ones shown now
                word = words[(i + k) % len(words)]
                try:
                    expected = _first(table, login, view.with_(search=word, page=1), column)
                except RuntimeError:  # (nothing found)
                    continue
                if expected not in shown:
                    break
            box = tab.page.get_by_role("textbox", name="Search", exact=True).first

            def act():
                box.fill(word)
                box.press("Enter")
            return act, first_row_js(expected)
        return Steps(page_label, "search (Chinese text)", tab, step, prepare=lambda: tab.goto(path), canvas=True)

    def sort(tab: Browser, login: str) -> Steps:
        from portal.i18n import _, set_language

        names = ("next_due_at", "grade") if table == "complaints" else ("shop_name", "star_rating")

        def step(i: int):
            spec, view = _view(table, tab)
            current = list(view.sort or spec.default_sort)
            name = names[i % 2]
            new = ((name, current[0][1]),) + tuple(current[1:2])
            expected = _first(table, login, view.with_(sort=new, page=1), column)
            tab.page.keyboard.press("Escape")
            tab.page.get_by_test_id("stPopover").filter(has_text="Sort").first.locator("button").first.click()
            set_language("en")
            tab.page.get_by_label("Sort by", exact=True).first.click()
            option = tab.page.get_by_role("option", name=_(spec.field(name).label), exact=True)
            return option.click, first_row_js(expected)
        return Steps(page_label, "sort by another field", tab, step, prepare=lambda: tab.goto(path), canvas=True)

    def next_page(tab: Browser, login: str) -> Steps:
        def step(i: int):
            spec, view = _view(table, tab)
            expected = _first(table, login, view.with_(page=view.page + 1), column)
            button = tab.page.locator(f".st-key-{table}-pager [data-testid=stPaginationNext]").first
            return button.click, first_row_js(expected)
        return Steps(page_label, "next page", tab, step, prepare=lambda: tab.goto(path), canvas=True)

    def deep_page(tab: Browser, login: str) -> Steps:
        steps = Steps(page_label, "go to page 400 (…)", tab, lambda i: (lambda: None, "true"), canvas=True)

        def step(i: int):
            spec, view = _view(table, tab)
            target = 400 + i
            expected = _first(table, login, view.with_(page=target), column)
            box = tab.page.get_by_label("Go to page", exact=True).first  # (the last page's may still be there)
            if box.count():
                steps.name, steps.canvas = "go to page 400 (the page box)", True

                def act():
                    box.fill(str(target))
                    box.press("Enter")
            else:
                steps.name, steps.canvas = "go to page 400 (by address)", True  # (a new page load)

                def act():
                    tab.page.goto(f"{tab.base_url}{path}?page={target}", wait_until="commit")
            return act, first_row_js(expected)
        steps.step, steps.prepare = step, lambda: tab.goto(path)
        steps.name = "go to page 400"
        return steps

    def open_record(tab: Browser, login: str) -> Steps:
        def step(i: int):
            tab.goto(f"{path}?page={1 + i}")
            spec, view = _view(table, tab)
            ref = _first(table, login, view, title)
            box = _canvas(tab)
            x = box["x"] + (CHECK_PX if tab.page.locator(".st-key-" + table + "-grid").count() else 0)

            def act():
                tab.page.mouse.click(x + OPEN_PX / 2, box["y"] + HEADER_PX + GRID_ROW_PX / 2)
            return act, f"() => (document.querySelector('h1')?.textContent || '').includes({json.dumps(ref)})"
        return Steps(page_label, "open a record from the grid", tab, step)

    return [open_from_menu, open_by_address, *([quick_filter] if table == "complaints" else []), search, sort,
            next_page, deep_page, open_record]


# ---- an inline edit ----------------------------------------------------------------------------------------------
SAVED_SHOWN = "document.body.innerText.includes('Saved changes to 1')"  # the grid's message after a save

def edit_cell(tab: Browser, login: str, leave: str = "Enter") -> Steps:
    """Type a new owner name into the first retailer's cell and leave it (`leave`: "Enter", or "click" on the page's
    title); on screen when the grid says it saved and its canvas shows the row again (after a save the grid is drawn
    anew), whichever is later (the "before" grid also needs its "Save changes" click, done as soon as the button is
    there). The name is put back after.

    Streamlit's grid sends an edit left by a key 150 ms after it (it waits for more edits, e.g. a paste's), and one
    left by a click elsewhere at once: the two ways are timed apart."""
    from db.engine import unit_of_work

    state: dict = {}

    def prepare():
        tab.goto("/retailers")
        state["license"] = _first("retailers", login, _view("retailers", tab)[1], "license_no")
        with unit_of_work() as s:
            state["owner"] = s.scalar(text("select owner_name from retailers where license_no = :l"),
                                      {"l": state["license"]})
        state["shown"] = state["owner"]

    def step(i: int):
        if tab.page.get_by_text("Saved changes to").count():  # the last save's message: gone after a rerun
            tab.page.evaluate("() => document.activeElement && document.activeElement.blur()")
            tab.page.keyboard.press("r")  # (Streamlit's rerun key; with the grid focused it would type an "r")
            tab.idle(200)
        value = f"{state['owner'][:40]}{i}"
        box = _canvas(tab)
        first_field_x = box["x"] + CHECK_PX + OPEN_PX + 20
        tab.page.mouse.click(first_field_x, box["y"] + HEADER_PX + GRID_ROW_PX / 2)
        tab.page.wait_for_function(  # the keys go to the grid only once it has the focus
            "() => document.activeElement && document.activeElement.closest('[data-testid=stDataFrame]')")
        tab.page.keyboard.press("ArrowRight")
        tab.page.keyboard.press("ArrowRight")  # licence number → shop name → owner

        tab.page.keyboard.press("Enter")  # the cell's editor opens with its text
        editor = tab.page.locator("textarea.gdg-input, input.gdg-input").first
        editor.wait_for()
        if (opened := editor.input_value()) != state["shown"]:  # another cell: stop before writing anything there
            tab.page.keyboard.press("Escape")
            raise RuntimeError(f"The edit opened a cell holding {opened!r}, not the owner {state['shown']!r}: the "
                               "grid's columns are not where the bench expects them")

        at_once = tab.page.get_by_label("Save each change at once", exact=True)
        batch = not (at_once.count() and at_once.is_checked())  # (the "before" grid has no such switch)

        def act():
            editor.fill(value)
            if leave == "click":
                tab.page.locator("h1").first.click()
            else:
                editor.press(leave)
            state["shown"] = value
            if batch:  # the second round trip: "Save changes", pressed as soon as it is there
                tab.page.get_by_role("button", name="Save changes").click()
        return act, f"() => {SAVED_SHOWN} && {first_row_has(value)}"

    def finish():
        with unit_of_work() as s:
            s.execute(text("update retailers set owner_name = :o where license_no = :l"),
                      {"o": state["owner"], "l": state["license"]})
    name = "edit one cell and save" + (" (leave it by a click)" if leave == "click" else "")
    return Steps("retailers", name, tab, step, prepare, finish, canvas=True, shown=f"() => {SAVED_SHOWN}")


def edit_cell_by_click(tab: Browser, login: str) -> Steps:
    return edit_cell(tab, login, leave="click")


# ---- the incident board ------------------------------------------------------------------------------------------
def _board_first(login: str) -> str:
    from db.engine import unit_of_work
    from db.models import User
    from portal.access.auth import CurrentUser
    from portal.incidents.queries import board

    with unit_of_work() as s:
        rows = board(s, actor=CurrentUser.of(s.scalar(select(User).where(User.login == login))))
    if not rows:
        raise RuntimeError("The incident board is empty: nothing to time")
    return rows[0].reference


def board_open(tab: Browser, login: str) -> Steps:
    def step(i: int):
        tab.goto("/")
        ref = _board_first(login)
        shown = f"() => document.body.innerText.includes({json.dumps(ref)})"
        return menu_link(tab, "pages/incident_board.py").click, shown
    return Steps("incidents", "open the board from the menu", tab, step)


def board_record(tab: Browser, login: str) -> Steps:
    def step(i: int):
        tab.goto("/incident_board")
        ref = _board_first(login)
        link = tab.page.locator("[class*=st-key-board_] a").first
        return link.click, f"() => (document.querySelector('h1')?.textContent || '').includes({json.dumps(ref)})"
    return Steps("incidents", "open an incident from the board", tab, step)


INTERACTIONS: list[Callable[[Browser, str], Steps]] = [
    floor,
    *_grid_steps("complaints", "/complaints", "reference", "reference"),
    *_grid_steps("retailers", "/retailers", "license_no", "shop_name"),
    edit_cell,
    edit_cell_by_click,
    board_open,
    board_record,
]
