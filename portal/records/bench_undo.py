"""Bench interactions of undo and restore (RECORD_BENCHES): restoring one version of a retailer.

A retailer from the middle of the table gets one edit (its shop name, marked "·bench"); each timed step then
restores the version before the current one, so every step is a real restore (a write; the history grows by one)
and the steps flip the name back and forth. The retailer ends with the name it had. Timed twice: the domain call
alone (`restore_version` in its own transaction, with the version list it needs), and on the record page: choosing
the version (the page shows what it would put back) and the click on "Restore" (the restore plus the page drawn
again, as the user waits for it).
"""
from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import Any

from sqlalchemy import func, select

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.records.editing import update_record
from portal.records.fields import TableSpec, get_spec
from portal.records.restore import record_versions, restore_version

MARK = "·bench"
RECORD_PAGE = "pages/retailer.py"


def _run(at: Any) -> None:
    at.run()
    if at.exception:
        raise SystemExit(f"The retailer page failed in the undo bench: {at.exception[0].value}")


def _sample(spec: TableSpec) -> int:
    """A retailer from the middle of the table."""
    with unit_of_work() as s:
        top = s.scalar(select(func.max(spec.id_column))) or 0
        return s.scalar(select(spec.id_column).where(spec.id_column >= top // 2).order_by(spec.id_column).limit(1))


def _previous(spec: TableSpec, actor: CurrentUser, record_id: int) -> int:
    with unit_of_work(actor.id) as s:
        return record_versions(s, actor=actor, spec=spec, record_id=record_id)[-2].number


def _restore_previous(spec: TableSpec, actor: CurrentUser, record_id: int) -> None:
    with unit_of_work(actor.id) as s:
        number = record_versions(s, actor=actor, spec=spec, record_id=record_id)[-2].number
        restore_version(s, actor=actor, spec=spec, record_id=record_id, number=number,
                        version_seen=s.get(spec.model, record_id).version)


def _marked(spec: TableSpec, record_id: int) -> bool:
    with unit_of_work() as s:
        return s.get(spec.model, record_id).shop_name.endswith(MARK)


def restore_interactions(at: Any, repeat: int, time: Callable) -> dict[str, list[float]]:
    """Restoring one version of a retailer: the domain call, and the click on the record page."""
    actor: CurrentUser = at.session_state["user"]
    at.switch_page(RECORD_PAGE)
    at.query_params.clear()
    _run(at)  # (without an id: loads the page's modules, which register the retailers table)
    spec = get_spec("retailers")
    record_id = _sample(spec)
    if not _marked(spec, record_id):  # one edit to restore around (an interrupted run may have left it)
        with unit_of_work(actor.id) as s:
            obj = s.get(spec.model, record_id)
            update_record(s, actor=actor, spec=spec, record_id=record_id, version=obj.version,
                          values={"shop_name": obj.shop_name[:100 - len(MARK)] + MARK})
    results = {"restore one version (domain)": time(repeat, lambda i: _restore_previous(spec, actor, record_id))}
    at.query_params["id"] = str(record_id)
    _run(at)
    k = f"retailers.restore.{record_id}"
    chosen, restored = [], []
    for i in range(repeat + 1):  # the first is a warm-up, as `time` does
        started = perf_counter()
        at.selectbox(key=k + ".number").set_value(_previous(spec, actor, record_id))
        _run(at)  # the page shows what that version would put back
        between = perf_counter()
        at.button(key=k + ".apply").click()
        _run(at)
        if i:
            chosen.append((between - started) * 1000)
            restored.append((perf_counter() - between) * 1000)
    results["retailer page: choose a version"] = chosen
    results["retailer page: restore one version"] = restored
    if _marked(spec, record_id):
        _restore_previous(spec, actor, record_id)
    return results
