"""Every page, opened with hostile URL parameters, shows a page (a refusal at most), never an exception.

Each page script runs through AppTest as a user holding every role (so every page opens), with the query
parameters the pages read (ids, paging, grid views, months, dashboard filters) set to hostile values: NUL, "²",
integers past int8, 9999-12-31, Markdown, JSON fragments, unknown codes. A case fails on any uncaught exception
in the AppTest result (`at.exception`).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from portal.config import ROOT
from portal.records.filters import OPERATORS
from tests.conftest import TEST_PASSWORD
from tests.property import hostile
from tests.property.conftest import FUZZ_LOGIN, TALLY
from tests.support.app import open_app, submit_sign_in

PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py") if p.stem != "sign_in")
GRID_PARAMS = ("q", "f", "sort", "cols", "page", "size")
# what a page's helpers read from the URL, by the helper's name in the page's source
HELPER_PARAMS = {"grid.": GRID_PARAMS, "dashboard_filters": ("period", "dept", "district"),
                 "section_tabs": ("section",), "month_picker": ("month",), "pick_session": ("session",)}
EXTRA_PARAMS = {"pages/training_coverage.py": ("year", "district", "business_type")}  # read in a loop
READ = re.compile(r'query_params(?:\.get(?:_all)?\(|\[)"(\w+)"|key="?(\w+)"?, bind="query-params"')


def page_params(page: str) -> tuple[str, ...]:
    """The URL parameters `page` reads: its own `st.query_params` reads and those of the helpers it calls."""
    source = (ROOT / page).read_text(encoding="utf-8")
    names = {a or b for a, b in READ.findall(source)} | set(EXTRA_PARAMS.get(page, ()))
    for helper, params in HELPER_PARAMS.items():
        if helper in source:
            names.update(params)
    return tuple(sorted(names)) or ("id", "page")
SLOW = {"dashboard_complaints", "dashboard_incidents", "dashboard_training", "reports", "training_coverage"}
EXAMPLES, SLOW_EXAMPLES = 4, 1  # generated cases per page, after the 5 explicit ATTACKS


def _field_names() -> list[str]:
    from tests.property.test_domain_fuzz import specs

    return sorted({f.name for spec in specs() for f in spec.fields})


FIELDS = _field_names()
OPS = sorted({op for ops in OPERATORS.values() for op in ops})


@st.composite
def filter_param(draw) -> str:
    value = draw(st.one_of(hostile.url_values(), st.lists(hostile.url_values(), max_size=3).map(
        lambda items: "[" + ",".join(f'"{i}"' for i in items) + "]")))
    return f"{draw(st.sampled_from(FIELDS))}:{draw(st.sampled_from(OPS))}:{value}"


def param_values(name: str) -> st.SearchStrategy:
    if name == "f":
        return st.lists(st.one_of(filter_param(), hostile.url_values()), min_size=1, max_size=3)
    if name in ("sort", "cols"):
        return st.lists(st.sampled_from(FIELDS + ["-" + FIELDS[0], "²", "\x00"]), max_size=3).map(",".join)
    if name == "period":
        return st.sampled_from(["9999-12-31", "0001-01-01", "2026-01-01", "2026-02-30", "²", "\x00",
                                "9999-12-31,0001-01-01", "2026-01-01,9999-12-31", "x,y,z"])
    return hostile.url_values()


ATTACKS = ("²", "\x00", "99999999999999999999", "9999-12-31", "-1")  # each tried in every parameter of every page


def attack(page: str, value: str) -> dict[str, str | list[str]]:
    """Every parameter `page` reads set to `value` (a filter: on fields of each kind)."""
    params: dict[str, str | list[str]] = {name: value for name in page_params(page)}
    if "f" in params:
        params["f"] = [f"{name}:{op}:{value}" for name, op in (("created_at", "is"), ("star_rating", "is"),
                                                               ("received_at", "after"), ("grade", "is"),
                                                               ("shop_name", "contains"), ("event_date", "before"))]
        params["f"].append(f'created_at:between:["{value}","2026-01-01"]')
    return params


@pytest.fixture(scope="module")
def browser(world):
    """One signed-in AppTest for the module (a person opening page after page), with error details shown to
    the test (the portal's config hides them from people)."""
    from streamlit import config

    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    at = submit_sign_in(open_app(), FUZZ_LOGIN, TEST_PASSWORD)
    assert not at.exception, at.exception
    yield at
    config.set_option("client.showErrorDetails", before)


@pytest.mark.parametrize("page", PAGES, ids=[Path(p).stem for p in PAGES])
def test_page_survives_hostile_url_parameters(browser, page):
    unhandled: list[str] = []

    def case(params):
        TALLY.cases += 1
        at = browser.switch_page(page)
        at.query_params.clear()
        for name, value in params.items():
            at.query_params[name] = value
        at.run(timeout=60)
        if at.exception:
            first = at.exception[0]
            cause = " | ".join(line.strip() for line in (first.stack_trace or [first.message])[-3:])
            line = f"{page}: {cause[:300]!r} with {params!r}"[:700]
            unhandled.append(line)
            TALLY.unhandled.append(line)

    generated = given(params=st.dictionaries(st.sampled_from(page_params(page)), st.none(), min_size=1,
                                             max_size=4).flatmap(
        lambda names: st.fixed_dictionaries({n: param_values(n) for n in names})))(case)
    for value in ATTACKS:  # the known attacks first, explicitly: hypothesis then adds its generated cases
        generated = example(params=attack(page, value))(generated)
    settings(max_examples=SLOW_EXAMPLES if Path(page).stem in SLOW else EXAMPLES)(generated)()
    assert not unhandled, "\n".join(dict.fromkeys(unhandled))
