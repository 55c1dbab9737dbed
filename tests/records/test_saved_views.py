"""Saved views: personal by default, shared only by supervisors, one default per person and per table."""
import pytest

from db.engine import unit_of_work
from portal.records.filters import Filter
from portal.records.validation import RecordInputError
from portal.records.view import ViewState
from portal.records.views import default_view, delete_view, save_view, set_default_view, visible_views
from portal.retailers.table import RETAILERS
from tests.retailers.support import english_fixture  # noqa: F401  (autouse: English messages)

EAST = ViewState(filters=(Filter("district", "is", "城东区"),), sort=(("shop_name", True),), columns=("shop_name",))


def _save(actor, name, **kw):
    with unit_of_work(actor.id) as s:
        return save_view(s, actor=actor, spec=RETAILERS, name=name, state=kw.pop("state", EAST), **kw).id


def _names(actor):
    with unit_of_work(actor.id) as s:
        return [v.name for v in visible_views(s, actor=actor, spec=RETAILERS)]


def _default(actor):
    with unit_of_work(actor.id) as s:
        view = default_view(s, actor=actor, spec=RETAILERS)
        return view.name if view else None


def test_a_personal_view_is_seen_only_by_its_owner_and_keeps_its_state(make_user):
    agent, other = make_user("agent"), make_user("agent")
    _save(agent, "  East   side ")
    assert _names(agent) == ["East side"] and _names(other) == []
    with unit_of_work(agent.id) as s:
        [view] = visible_views(s, actor=agent, spec=RETAILERS)
        assert ViewState.from_json(RETAILERS, view.state) == EAST


def test_only_supervisors_share_and_shared_views_are_seen_by_everyone(make_user):
    agent, supervisor, viewer = make_user("agent"), make_user("supervisor"), make_user("viewer")
    with pytest.raises(RecordInputError) as refused:
        _save(agent, "Mine for all", shared=True)
    assert refused.value.errors[0].field == "shared"
    _save(supervisor, "Key customers", shared=True)
    assert _names(viewer) == ["Key customers"] and _names(agent) == ["Key customers"]


def test_default_is_your_own_else_the_shared_one_and_there_is_one_of_each(make_user):
    agent, supervisor = make_user("agent"), make_user("supervisor")
    assert _default(agent) is None
    _save(supervisor, "Team default", shared=True, is_default=True)
    assert _default(agent) == "Team default"
    _save(supervisor, "New team default", shared=True, is_default=True)
    assert _default(agent) == "New team default"
    mine = _save(agent, "Mine")
    with unit_of_work(agent.id) as s:
        set_default_view(s, actor=agent, spec=RETAILERS, view_id=mine)
    assert _default(agent) == "Mine" and _default(supervisor) == "New team default"
    with unit_of_work(agent.id) as s:
        set_default_view(s, actor=agent, spec=RETAILERS, view_id=None)
    assert _default(agent) == "New team default"


def test_saving_an_existing_name_replaces_it(make_user):
    agent = make_user("agent")
    first = _save(agent, "East")
    again = _save(agent, "East", state=ViewState(search="便利"))
    assert first == again and _names(agent) == ["East"]


def test_only_owners_delete_views_and_supervisors_manage_shared_ones(make_user):
    agent, supervisor, other_supervisor = make_user("agent"), make_user("supervisor"), make_user("supervisor")
    mine, shared = _save(agent, "Mine"), _save(supervisor, "Shared", shared=True)
    for actor, view_id in ((supervisor, mine), (agent, shared)):
        with pytest.raises(RecordInputError), unit_of_work(actor.id) as s:
            delete_view(s, actor=actor, view_id=view_id)
    with unit_of_work(other_supervisor.id) as s:
        delete_view(s, actor=other_supervisor, view_id=shared)
    assert _names(agent) == ["Mine"]


def test_a_view_needs_a_name(make_user):
    agent = make_user("agent")
    with pytest.raises(RecordInputError, match="name"):
        _save(agent, "   ")
