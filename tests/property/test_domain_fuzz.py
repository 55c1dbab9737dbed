"""Every domain entry point, called with hostile input, either works or refuses clearly.

The entry points are found, not listed: every public function with keyword-only parameters in the domain
modules (complaints, training, incidents, records, retailers, admin, users, home, workdays). Arguments are drawn
by parameter name (an id of an existing record, or a hostile number) and annotation (hostile text, dates like
9999-12-31, integers past int8, Markdown, NUL). A case fails on any exception but the clear refusals in
REFUSALS. Each call runs in a transaction that is flushed (so the database sees the values) and rolled back.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import traceback

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from portal.access.auth import PermissionDenied, SignInError
from portal.errors import InputError
from portal.records.editing import GridSaveError, StaleRecordError
from portal.records.filters import OPERATORS, Filter, FilterError
from portal.records.import_write import ImportRefused
from portal.records.tabular import ImportFileError, Sheet
from portal.records.validation import RecordInputError
from portal.records.view import ViewState
from tests.property import hostile
from tests.property.conftest import TALLY

# The portal's deliberate refusals: each carries a message for people (InputError also names the field).
REFUSALS = (InputError, PermissionDenied, SignInError, RecordInputError, FilterError, StaleRecordError,
            GridSaveError, ImportRefused, ImportFileError)
PACKAGES = ("portal.complaints", "portal.training", "portal.incidents", "portal.records")
MODULES = ("portal.retailers.table", "portal.center.admin", "portal.access.users", "portal.home",
           "portal.center.workdays")
# Internal helpers with keyword-only parameters that no page hands user input to directly (called by the entry
# points above with checked values) and bulk/maintenance tools.
NOT_ENTRY_POINTS = {
    "portal.complaints.rules": {"add_event", "set_state", "resume_clock", "require_text"},
    "portal.complaints.queries": {"sla_condition"},
    "portal.incidents.rules": {"require_text", "optional_text", "past_moment", "lock_incident", "auto_entry"},
    "portal.training.rules": {"require_text", "optional_text"},
    "portal.training.plan": {"plan_timing"},
    "portal.records.bulk": {"rebuilt_after"},
    "portal.complaints.table": {"ensure_shared_views"},
}
NOT_DOMAIN = {"ui", "dashboard", "cohort", "day_figures", "charts", "clicks", "monthly", "demo", "scale",
              "scale_lives", "bench"}  # an area's screens, figures and tooling, not its moves
EXAMPLES = 12  # generated cases per entry point (139 entry points)


def entry_points() -> list[tuple[str, object]]:
    names = list(MODULES)
    for package in PACKAGES:
        names += [f"{package}.{m.name}" for m in pkgutil.iter_modules(importlib.import_module(package).__path__)
                  if m.name not in NOT_DOMAIN]
    found = []
    for name in names:
        module = importlib.import_module(name)
        for fname, fn in vars(module).items():
            if (fname.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != name
                    or fname in NOT_ENTRY_POINTS.get(name, ())):
                continue
            params = inspect.signature(fn).parameters
            if "actor" in params and params["actor"].kind is inspect.Parameter.KEYWORD_ONLY or (
                    any(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
                    and next(iter(params), "") == "session"):
                found.append((f"{name}.{fname}", fn))
    return found


ID_KINDS = {"complaint_id": "complaint", "original_id": "complaint", "duplicate_of_id": "complaint",
            "exclude_id": "complaint", "incident_id": "incident", "retailer_id": "retailer", "record_id": "retailer",
            "user_id": "user", "commander_id": "user", "owner_id": "user", "handler_id": "user",
            "manager_id": "user", "trainer_id": "user", "department_id": "department",
            "default_department_id": "department", "category_id": "category", "session_id": "session",
            "sign_up_id": "sign_up", "course_id": "course", "need_id": "need", "material_id": "material",
            "entry_id": "entry", "corrects_entry_id": "entry", "action_id": "action", "call_id": "call",
            "suspension_id": "suspension", "request_id": "request", "brand_id": "brand",
            "attachment_id": "attachment", "view_id": "view"}


def id_of(world, kind: str) -> st.SearchStrategy[int]:
    known = world.ids.get(kind) or [1]
    return st.one_of(st.sampled_from(known), st.sampled_from(known), hostile.ints)


def specs() -> list:
    import portal.retailers.table  # noqa: F401  (registers the retailers table)
    from portal.records.fields import _REGISTRY

    # the portal's own tables: a test module may register a table of its own (tests/records/test_filters.py)
    return [spec for spec in _REGISTRY.values() if spec.model.__module__.startswith(("db.", "portal."))]


def view_states(spec) -> st.SearchStrategy[ViewState]:
    filterable = [f for f in spec.fields if f.filterable]

    @st.composite
    def build(draw):
        filters = []
        for _ in range(draw(st.integers(0, 3))):
            f = draw(st.sampled_from(filterable))
            op = draw(st.sampled_from(OPERATORS[f.type]))
            value = draw(st.one_of(hostile.texts, st.lists(hostile.texts, max_size=3).map(tuple), st.none()))
            filters.append(Filter(f.name, op, value))
        sort = tuple((f.name, draw(st.booleans())) for f in draw(st.lists(st.sampled_from(spec.fields), max_size=2)))
        return ViewState(search=draw(hostile.texts), filters=tuple(filters), sort=sort,
                         page=draw(st.one_of(hostile.ints, st.integers(1, 3))),
                         page_size=draw(st.sampled_from([50, 100, 200])))

    return build()


def strategy_for(world, fn, name: str, annotation: str, spec_box: list) -> st.SearchStrategy | None:
    """What to pass as parameter `name`; None: leave the default."""

    from portal.training.plan import SessionInput
    from portal.training.reports import RetailerFilter

    if name in ("now", "lookups", "progress", "cleaners", "calendar", "check_in_base"):
        return None
    if name in ID_KINDS and annotation.startswith("str"):  # an id as scanned or typed
        return st.one_of(id_of(world, ID_KINDS[name]).map(str), hostile.texts)
    if name in ID_KINDS:
        return st.one_of(id_of(world, ID_KINDS[name]), st.none()) if "None" in annotation else id_of(
            world, ID_KINDS[name])
    if name == "spec" and "plan" in inspect.signature(fn).parameters:
        from portal.retailers.table import RETAILERS

        return st.just(RETAILERS)
    if name == "spec" and "board" in inspect.signature(fn).parameters:  # a table with a board (the kanban's pages)
        from portal.records.kanban import board_of

        return st.sampled_from([s for s in specs() if board_of(s)]).map(lambda s: spec_box.append(s) or s)
    if name == "spec" and "CalendarFields" in str(inspect.signature(fn).parameters.get("fields", "")):
        from portal.ui.calendar_view import CALENDARS

        return st.sampled_from([s for s in specs() if s.name in CALENDARS]).map(lambda s: spec_box.append(s) or s)
    if name == "spec":
        return st.sampled_from(specs()).map(lambda s: spec_box.append(s) or s)
    if name == "board":  # the board a page draws: its table's, or any for a move (a card names its own)
        from portal.records.kanban import _BOARDS, board_of

        return st.just(board_of(spec_box[-1])) if spec_box else st.sampled_from(list(_BOARDS.values()))
    if name == "fields" and "CalendarFields" in annotation:
        from portal.ui.calendar_view import CALENDARS

        return st.just(CALENDARS[spec_box[-1].name])
    if name == "seen":  # the rows a grid drew: their ids and versions
        return st.dictionaries(id_of(world, "retailer"), st.one_of(st.integers(0, 5), hostile.ints), max_size=3)
    if name == "keys" and fn.__name__ == "fetch_group_rows":  # a group's keys as the grouped grid read them
        return st.lists(st.one_of(st.none(), hostile.texts, hostile.ints, hostile.dates()), max_size=2).map(tuple)
    if name in ("values",):
        return st.dictionaries(st.sampled_from(_field_names(spec_box)), hostile.texts, max_size=6)
    if name in ("view", "state"):  # a view of the table the call names
        return view_states(spec_box[-1]) if spec_box else st.sampled_from(specs()).flatmap(view_states)
    if name == "data" and "SessionInput" in annotation:
        return st.builds(SessionInput, course_id=id_of(world, "course"), starts_at=hostile.datetimes(aware=True),
                         ends_at=hostile.datetimes(aware=True), place=hostile.texts, format=hostile.texts,
                         trainer_id=id_of(world, "user"), capacity=hostile.ints, audience=hostile.texts,
                         content=hostile.texts, title=hostile.texts)
    if name == "flt":
        return st.builds(RetailerFilter, district=hostile.texts, business_type=hostile.texts,
                         manager_id=hostile.ints, star_rating=hostile.ints, search=hostile.texts)
    if name == "sheet":
        return st.builds(lambda rows: Sheet(headers=["shop_name", "license_no", "phone", "district"],
                                            rows=[(i + 2, r) for i, r in enumerate(rows)]),
                         st.lists(st.lists(hostile.texts, min_size=4, max_size=4), min_size=1, max_size=3))
    if name == "mapping" and "list" in annotation:
        return st.just(["shop_name", "license_no", "phone", "district"])
    if name in ("versions",):
        return st.dictionaries(id_of(world, "complaint"), st.one_of(st.none(), hostile.ints), max_size=3)
    if name == "edits":
        return st.dictionaries(id_of(world, "retailer"), st.tuples(hostile.ints, st.dictionaries(
            st.sampled_from(["shop_name", "phone", "district", "star_rating", "opened_on"]), hostile.texts,
            max_size=3)), max_size=2)
    if name == "scores":
        return st.dictionaries(st.sampled_from(hostile.VOCABULARY), st.one_of(st.none(), hostile.ints), max_size=4)
    if name == "lines":
        return st.dictionaries(id_of(world, "brand"), hostile.ints, max_size=3)
    if name == "field" and spec_box:  # a field of the table (pages offer its fields in a select)
        return st.sampled_from(_field_names(spec_box))
    if name in ("value", "manager"):
        return st.one_of(hostile.texts, hostile.ints.map(str), st.none())
    if name in ("record_ids", "retailer_ids"):
        return st.lists(id_of(world, "retailer"), max_size=3)
    if name == "fields" and "tuple" in annotation:
        return st.none()
    if name == "data" and "bytes" in annotation:
        return st.sampled_from([b"", b"\x00" * 16, b"%PDF-1.4\n", b"PK\x03\x04" + b"\x00" * 40, b"x" * 70_000])
    if name == "plan":
        return None
    if name in ("limit", "offset", "batch", "known_total"):  # set by the pages' code; offsets from a page number
        return st.integers(0, 10_000)                        # that portal.inputs.MAX_PAGE bounds
    if name == "version":
        return st.one_of(st.none(), st.sampled_from([1, 2]), hostile.ints)
    ann = annotation.replace(" ", "")
    if ann.startswith(("Iterable[int]", "list[int]", "Sequence[int]")):
        return st.lists(hostile.ints, max_size=3)
    if ann.startswith(("Iterable[str]", "list[str]", "tuple[str")):
        return st.lists(st.one_of(st.sampled_from(hostile.VOCABULARY), hostile.texts), max_size=3)
    if ann.startswith("bool"):
        return st.booleans()
    if ann.startswith("int"):
        return st.one_of(hostile.ints, st.integers(0, 5), st.none()) if "None" in ann else st.one_of(
            hostile.ints, st.integers(0, 5))
    if ann.startswith("datetime"):
        return st.one_of(hostile.datetimes(), st.none()) if "None" in ann else hostile.datetimes()
    if ann.startswith("date"):
        return st.one_of(hostile.dates(), st.none()) if "None" in ann else hostile.dates()
    if ann.startswith("str"):
        return st.one_of(hostile.texts, st.none()) if "None" in ann else hostile.texts
    if ann.startswith(("dict[str,Any]", "Mapping[str,Any]")):
        return st.dictionaries(hostile.texts, hostile.texts, max_size=3)
    return None


def _field_names(spec_box: list) -> list[str]:
    from portal.retailers.table import RETAILERS

    spec = spec_box[-1] if spec_box else RETAILERS
    return [f.name for f in spec.fields]


ENTRY_POINTS = entry_points()


@pytest.mark.parametrize("name,fn", ENTRY_POINTS, ids=[n.removeprefix("portal.") for n, _ in ENTRY_POINTS])
def test_domain_entry_point_refuses_clearly(world, name, fn):
    params = inspect.signature(fn).parameters
    unhandled: list[str] = []

    @settings(max_examples=EXAMPLES)
    @given(data=st.data())
    def case(data):
        spec_box: list = []
        kwargs = {}
        for pname, p in params.items():
            if pname == "session":
                continue
            if pname == "actor":
                kwargs[pname] = world.actor
                continue
            if p.kind is inspect.Parameter.VAR_KEYWORD:
                if name.endswith("record_investigation"):
                    kwargs.update(data.draw(st.dictionaries(st.sampled_from(
                        ["verification_result", "root_cause", "responsible_person"]), hostile.texts, max_size=2)))
                continue
            strategy = strategy_for(world, fn, pname, str(p.annotation), spec_box)
            if strategy is None:
                if p.default is inspect.Parameter.empty:
                    kwargs[pname] = _required_default(world, pname)
                continue
            kwargs[pname] = data.draw(strategy, label=pname)
        TALLY.cases += 1
        session = Session(world.engine, expire_on_commit=False)
        session.info["actor_id"] = world.actor.id
        try:
            with session.begin():
                if "plan" in params:
                    kwargs["plan"] = _import_plan(session, world, data.draw(hostile.texts, label="cell"))
                result = fn(session, **kwargs)
                if inspect.isgenerator(result):
                    list(result)
                elif isinstance(result, tuple) and len(result) == 2 and inspect.isgenerator(result[1]):
                    list(result[1])
                session.flush()
                session.rollback()
        except REFUSALS:
            pass
        except Exception as exc:  # noqa: BLE001 - the point of the suite: count and show every other one
            where = traceback.extract_tb(exc.__traceback__)[-1]
            line = (f"{name}: {type(exc).__name__} at {where.filename.rsplit('/', 2)[-1]}:{where.lineno}: "
                    f"{str(exc)[:160]!r} with {_short(kwargs)}")
            unhandled.append(line)
            TALLY.unhandled.append(line)
        finally:
            session.close()

    case()
    assert not unhandled, "\n".join(dict.fromkeys(unhandled))


def _required_default(world, name: str):
    from db.engine import unit_of_work
    from portal.complaints.rules import utcnow, work_calendar

    if name == "now":
        return utcnow()
    if name == "calendar":
        with unit_of_work(engine=world.engine) as s:
            return work_calendar(s)
    if name == "mapping":
        return ["shop_name", "license_no", "phone", "district"]
    return None


def _import_plan(session, world, cell: str):
    """An import plan of the retailers table whose rows hold `cell` (checked first, as the import page does)."""
    from portal.records.importing import check_import
    from portal.retailers.table import RETAILERS

    sheet = Sheet(headers=["shop_name", "license_no", "owner_name", "district"],
                  rows=[(2, [cell, "330102999999", cell, "城东区"]), (3, ["Shop", cell, "Li", cell])])
    return check_import(session, actor=world.actor, spec=RETAILERS, sheet=sheet,
                        mapping=["shop_name", "license_no", "owner_name", "district"])


def _short(kwargs: dict) -> str:
    def one(v):
        r = repr(v)
        return r if len(r) < 60 else r[:40] + f"…({len(r)} chars)"

    return "{" + ", ".join(f"{k}={one(v)}" for k, v in kwargs.items() if k != "actor") + "}"
