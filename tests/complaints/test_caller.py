"""The call-centre screen pop's lookup: the retailer with the caller's phone, their open complaints and the last
twelve months, as the agent may see them; an address's "phone" that is not one is refused."""
from __future__ import annotations

from datetime import timedelta

import pytest

from db.engine import unit_of_work
from portal.access.auth import PermissionDenied
from portal.complaints.caller import caller_history, caller_phone
from tests.complaints.support import FRIDAY_3PM, center_fixture  # noqa: F401  (the `center` fixture)


def _history(center, actor, phone="13812345678", now=FRIDAY_3PM + timedelta(days=3)):
    with unit_of_work(engine=center.engine) as s:
        return caller_history(s, actor=actor, phone=phone, now=now)


@pytest.mark.parametrize(("given", "phone"), [("13812345678", "13812345678"), (" 0571-8888 6666 ", "057188886666"),
                                              ("+8613812345678", "+8613812345678"), ("", None), ("abc", None),
                                              ("138\x0012345678", None), ("1" * 21, None), ("１３８", None),
                                              ("**13812345678**", None), ("²", None)])
def test_only_a_phone_number_pops(given, phone):
    assert caller_phone(given) == phone


def test_the_caller_their_open_complaints_and_recent_history(center):
    open_one = center.register().complaint_id
    closed = center.register(description="上周的价格问题，已经处理好了。", now=FRIDAY_3PM - timedelta(days=20))
    center.advance(closed.complaint_id, "closed", start=FRIDAY_3PM - timedelta(days=20))
    old = center.register(now=FRIDAY_3PM - timedelta(days=400))  # over a year: not "recent"
    center.advance(old.complaint_id, "closed", start=FRIDAY_3PM - timedelta(days=400))
    by_retailer = center.register(complainant_phone="13900000000").complaint_id  # the shop, another phone
    elsewhere = center.register(complainant_phone="13700000000", retailer_id=None).complaint_id

    caller = _history(center, center.agent)
    assert [(r.id, r.shop_name) for r in caller.retailers] == [(center.retailer_id, "金叶便利店")]
    assert {c.id for c in caller.open} == {open_one, by_retailer} and elsewhere not in {c.id for c in caller.open}
    assert [c.id for c in caller.recent] == [closed.complaint_id]
    assert caller.recent[0].excerpt.startswith("上周的价格问题")

    stranger = _history(center, center.agent, phone="13600000000")
    assert not stranger.known and stranger.retailers == []


def test_an_agent_sees_only_what_the_grid_shows_them_and_a_viewer_cannot_pop(center):
    center.register(center.outsider)  # another department's agent took it
    assert _history(center, center.agent).open == []  # not theirs, not their department's
    assert len(_history(center, center.supervisor).open) == 1
    with pytest.raises(PermissionDenied):
        _history(center, center.viewer)
