"""The reviewed side exits on screen: the agent's closure says it waits, the supervisors' grid says how many wait and
lists them in one click, and the supervisor sends one back to work from the complaint page with a reason."""
from __future__ import annotations

from portal import complaints as cx
from portal.complaints.rules import utcnow
from portal.ui.text import shown
from tests.complaints.test_pages import GRID, PAGE, _open, _recent, desk  # noqa: F401


def _closed_by_agent(desk) -> int:  # noqa: F811
    cid = _recent(desk)
    desk.run(desk.agent, cx.mark_invalid, complaint_id=cid, reason="非本中心业务", now=utcnow())
    return cid


def test_the_grid_says_how_many_closures_wait_and_lists_them(signed_in, desk):  # noqa: F811
    waiting = _closed_by_agent(desk)
    still_open = _recent(desk)
    at = _open(signed_in, "zhanghua", GRID)
    assert any("1 closures as invalid or duplicate by agents await" in w.value for w in at.warning)
    at.button(key=next(b.key for b in at.button if b.key and b.key.endswith("waiting_exits"))).click().run()
    assert not at.exception, at.exception
    listed = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert desk.get(waiting).reference in listed and desk.get(still_open).reference not in listed
    agent = _open(signed_in, "wangli", GRID)
    assert not any("await" in w.value for w in agent.warning)  # supervisors only


def test_a_supervisor_sends_an_agents_closure_back_to_work_with_a_reason(signed_in, desk):  # noqa: F811
    cid = _closed_by_agent(desk)
    agent = _open(signed_in, "wangli", PAGE, id=cid)
    assert any("awaits a supervisor's confirmation" in w.value for w in agent.warning)
    at = _open(signed_in, "zhanghua", PAGE, id=cid)
    at.radio(key=f"complaint.{cid}.move").set_value("send_back_exit").run()
    p = f"complaint.{cid}.send_back_exit."
    at.button(key=f"FormSubmitter:{p}form-Send it back to work").click().run()
    assert any("say why the complaint goes back to work" in e.value for e in at.error)  # refused without a reason
    at.text_area(key=p + "reason").input("客户确有送货问题")
    at.button(key=f"FormSubmitter:{p}form-Send it back to work").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value.endswith("Registered") and desk.get(cid).state == "registered"
    timeline = shown(" ".join(m.value for m in at.markdown))
    assert "Supervisor's review" in timeline and "Closure sent back: Invalid complaint" in timeline
    assert "客户确有送货问题" in timeline
