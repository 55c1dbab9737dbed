"""AppTest helpers: start the real entry point and sign in through the form, as a person would."""
from __future__ import annotations

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

from portal.config import ROOT
from portal.i18n import current_language, set_language
from tests.conftest import TEST_PASSWORD


@pytest.fixture(autouse=True)
def english_in_the_test_thread():
    """Widget labels that AppTest formats in this thread (select options) use the test users' language."""
    before = current_language()
    set_language("en")
    yield
    set_language(before)


@pytest.fixture(autouse=True)
def fresh_data_caches():
    """Pages reuse some figures (st.cache_data; training coverage kept while nothing changed): each test counts
    afresh, since every test starts from a clean database."""
    import streamlit as st

    from portal.training.ui.common import forget_coverage

    st.cache_data.clear()
    forget_coverage()
    yield


class _KeptPages(PagesManager):
    """A session's pages as a server keeps them: from the last run that set them (`st.navigation`)."""
    last: dict = {}

    def __init__(self, *args, **kwargs) -> None:
        if "uses_pages_directory" in _KeptPages.__dict__:  # AppTest's reset before every run, meant for the base
            PagesManager.uses_pages_directory = _KeptPages.__dict__["uses_pages_directory"]
            del _KeptPages.uses_pages_directory
        super().__init__(*args, **kwargs)
        if _KeptPages.last:
            self._set_pages(dict(_KeptPages.last))


@pytest.fixture(autouse=True)
def pages_known_to_runs_of_parts(monkeypatch):
    """A server keeps a session's pages from run to run, so a run of a page's part alone (which does not call
    `st.navigation`, e.g. after a callback's `st.rerun(part key)`) still finds the pages it links to. AppTest makes
    a new, empty register for every run; here each run starts with the pages the test's last run registered."""
    real_run = AppTest._run

    def run(self, *args, **kwargs):
        _KeptPages.last = self._registered_pages
        try:
            return real_run(self, *args, **kwargs)
        finally:
            _KeptPages.last = {}

    monkeypatch.setattr(app_test, "PagesManager", _KeptPages)
    monkeypatch.setattr(AppTest, "_run", run)


def open_app() -> AppTest:
    """The portal's entry point, run once (it shows the sign-in page)."""
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30).run()
    assert not at.exception, at.exception
    return at


def submit_sign_in(at: AppTest, login: str, password: str) -> AppTest:
    at.text_input(key="sign_in_login").input(login)
    at.text_input(key="sign_in_password").input(password)
    return at.button(key="sign_in_submit").click().run()


@pytest.fixture
def signed_in(db):
    """`signed_in(login)` -> an AppTest signed in as that user (password TEST_PASSWORD), on the home page.

    After signing in, AppTest stays on the sign-in page's script; running the entry point again does what
    a browser does next: the navigation over the user's pages, landing on home. From there
    `at.switch_page("pages/x.py")` accepts only pages that navigation lists. Note: because the folder is
    called `pages/`, AppTest (like a server's very first request) runs that page script by itself, without
    the entry point, so each page's `page_user` guard is what checks access and sets the language.
    """

    def sign_in(login: str = "admin", password: str = TEST_PASSWORD) -> AppTest:
        at = submit_sign_in(open_app(), login, password)
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        at.switch_page("streamlit_app.py").run()
        assert not at.exception, at.exception
        return at

    return sign_in


def open_page(signed_in, login: str, page: str, params: dict | None = None) -> AppTest:
    """`page` (a script of pages/) as `login` would open it with `params` in its URL; its run raised nothing."""
    at = signed_in(login)
    at.switch_page(page)
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, at.exception
    return at


def grid_references(at: AppTest, page: str, filters) -> list[str]:
    """The references a records grid lists with `filters` in its URL (as a dashboard's link opens it), sorted; `at`
    is a signed-in AppTest. Editors get the selectable grid (a data editor), others a plain table."""
    from portal.records.view import ViewState

    grid = at.switch_page(page)
    for key, value in ViewState(filters=tuple(filters)).to_params().items():
        grid.query_params[key] = value
    grid.run()
    assert not grid.exception and not grid.warning, [w.value for w in grid.warning]
    if not grid.data_editor and not grid.dataframe:  # nothing matches: no grid, the pager says so
        return []
    table = grid.data_editor[0] if grid.data_editor else grid.dataframe[0]
    return sorted(table.value["reference"].tolist())
