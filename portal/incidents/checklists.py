"""Checklists per incident type, from the plan's measures (客户服务应急预案 §3, seed 001 第五篇): the one place the
items are kept. Each incident offers its type's list from the moment it opens; ticking or unticking an item lands
on the timeline with who and when."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.incident_models import INCIDENT_TYPES, IncidentChecklistTick
from db.models import User
from portal.access.auth import CurrentUser, require
from portal.i18n import N_, _
from portal.incidents.rules import (
    VIEW,
    IncidentInputError,
    auto_entry,
    lock_incident,
    require_open,
    require_run,
    utcnow,
)


@dataclass(frozen=True)
class ChecklistItem:
    code: str  # stored on a tick; unique within its type
    text: str  # English source (show with `_(item.text)`)
    clause: str  # where the plan says so ("§3.2.4"); "" when the plan is silent and DOMAIN.md says it


TELL_LOCAL = ChecklistItem("tell_retailers", N_("Tell the affected retailers: broadcast or SMS when district-wide, a "
                                                 "call from their customer manager to each when local"), "§3.2.1–3.2.2")
CASH = ChecklistItem("cash_settlement", N_("Retailers who cannot pay through the bank on their order day: switch them "
                                           "to cash settlement for now"), "§3.2.4")
BACKUP_VEHICLE = ChecklistItem("backup_vehicle", N_("Send the backup delivery vehicle to take over the delivery"),
                               "§3.3.1, §3.2.6")
REPORT_GROUP = ChecklistItem("report_group", N_("Report to the command group's leader at once"), "§2.1.1")

CHECKLISTS: dict[str, tuple[ChecklistItem, ...]] = {
    "system_failure": (
        ChecklistItem("report_info_center", N_("Report the fault to the information center (it calls the vendor: "
                                               "repaired within one working day)"), "§3.1.7–3.1.8"),
        ChecklistItem("phone_ordering", N_("Ordering phone line or computer down: take orders on the backup computer "
                                           "or by telephone from another office"), "§3.1.12"),
        CASH,
        ChecklistItem("network_operator", N_("Network line down: call the telecom and mobile operators"), "§3.1.4"),
        ChecklistItem("restore_backup", N_("Data lost: restore it from the day's backup"), "§3.1.2, §3.1.6"),
        TELL_LOCAL,
    ),
    "severe_weather": (
        ChecklistItem("decide_suspension", N_("The command group decides where and when service is suspended, "
                                              "changed and resumed (record each suspension)"), "§3.2.1–3.2.2"),
        ChecklistItem("announce", N_("District-wide: announce it on television, radio and the mobile platform; "
                                     "local: customer managers call each retailer"), "§3.2.1–3.2.2"),
        CASH,
        ChecklistItem("backup_vehicle_ready", N_("Keep the backup delivery vehicle ready"), "§3.2.6"),
        ChecklistItem("warehouse_flooding", N_("Warehouse taking water: follow the warehouse flooding plan"), "§3.2.3"),
        ChecklistItem("key_customer_top_up", N_("Once it is over: offer the area's key customers a top-up delivery"),
                      "§3.2.5"),
    ),
    "vehicle_breakdown": (
        ChecklistItem("driver_reports", N_("The driver tells the department head exactly where the vehicle stopped "
                                           "and stays reachable"), "§3.3.1"),
        BACKUP_VEHICLE,
        ChecklistItem("nearest_backup", N_("Not enough backup vehicles: borrow the nearest marketing department's"),
                      "§3.3.2"),
        ChecklistItem("repair", N_("Send the broken-down vehicle for repair"), "§3.3.1"),
        TELL_LOCAL,
    ),
    "traffic_accident": (
        ChecklistItem("rescue_first", N_("Casualties: organise the rescue first, then ask the leadership whether to "
                                         "reschedule deliveries"), "§3.3.4"),
        ChecklistItem("handle_accident", N_("Send someone to deal with the accident"), "§3.3.4"),
        ChecklistItem("replacement_vehicle", N_("Send a replacement vehicle (or ask for one under the insurance "
                                                "contract)"), "§3.3.3–3.3.4"),
        ChecklistItem("substitute_driver", N_("Driver cannot go on: a customer manager or inspector who knows the "
                                              "route guides or delivers"), "§3.3.5"),
        TELL_LOCAL,
    ),
    "sudden_demand": (
        ChecklistItem("integrity_retailer", N_("Check the retailer is an integrity retailer (诚信经营·明码实价)"),
                      "§3.4.2"),
        ChecklistItem("ordinary_brands", N_("Ordinary brands only: no scarce or controlled brands"), "§3.4.2"),
        ChecklistItem("supply_request", N_("Fill in the emergency supply request for approval"), "§3.4.3.1"),
        ChecklistItem("order_day", N_("Approved goods join the retailer's next order day"), "§3.4.3.1"),
    ),
    "supply_anomaly": (
        ChecklistItem("market_survey", N_("Survey the market: short overall, ask the province for more; one brand "
                                          "short, adjust the shipment plan"), "§3.5.2.1"),
        ChecklistItem("chase_factory", N_("Late arrival: call the factory's representative and chase the goods"),
                      "§3.5.2.2"),
        ChecklistItem("substitute_brand", N_("A brand cannot arrive in time: ask for more of a substitute brand of the "
                                             "same grade"), "§3.5.2.2"),
        TELL_LOCAL,
    ),
    "safety": (
        ChecklistItem("security_on_site", N_("The security office and the head of the department concerned go to "
                                             "the scene"), "§2.1.2.7"),
        ChecklistItem("safety_plan", N_("Start the safety incident plan and tell the leadership and department "
                                        "heads"), "§2.1.2.7"),
        REPORT_GROUP,
        TELL_LOCAL,
    ),
    "public_opinion": (
        REPORT_GROUP,
        ChecklistItem("gather_facts", N_("Gather the facts and agree one reply"), ""),
        TELL_LOCAL,
    ),
    "major_complaint": (
        REPORT_GROUP,
        ChecklistItem("call_back", N_("Call the complainant back within 24 hours"), ""),
        ChecklistItem("investigate", N_("Investigate: verification, responsibility analysis, corrective action"), ""),
    ),
}
ITEMS: dict[str, ChecklistItem] = {item.code: item for items in CHECKLISTS.values() for item in items}
assert set(CHECKLISTS) == set(INCIDENT_TYPES)
assert all(ITEMS[item.code] == item for items in CHECKLISTS.values() for item in items)  # one text per code


def checklist_item(incident_type: str, code: str) -> ChecklistItem | None:
    """The item `code` of a type's checklist (None when that type has no such item)."""
    return next((item for item in CHECKLISTS.get(incident_type, ()) if item.code == code), None)


def item_by_code(code: str) -> ChecklistItem | None:
    """Any type's item `code` (its timeline entry says it again in the reader's language)."""
    return ITEMS.get(code)


@dataclass(frozen=True)
class ChecklistRow:
    """An item of an incident's checklist as shown: ticked (by whom, when) or not."""

    item: ChecklistItem
    ticked_by: str | None
    ticked_at: datetime | None

    @property
    def done(self) -> bool:
        return self.ticked_at is not None


def checklist(session: Session, *, actor: CurrentUser, incident_id: int, incident_type: str) -> list[ChecklistRow]:
    """The checklist of an incident of `incident_type`, in the plan's order, with each tick — one query."""
    require(actor, VIEW)
    ticks = {t.item: (name, t.ticked_at) for t, name in session.execute(
        select(IncidentChecklistTick, User.name).join(User, User.id == IncidentChecklistTick.ticked_by_id)
        .where(IncidentChecklistTick.incident_id == incident_id))}
    return [ChecklistRow(item, *ticks.get(item.code, (None, None))) for item in CHECKLISTS.get(incident_type, ())]


def tick_item(session: Session, *, actor: CurrentUser, incident_id: int, item: str, done: bool = True,
              now: datetime | None = None) -> None:
    """Tick an item of the incident's checklist (or untick one ticked by mistake); on the timeline either way."""
    require_run(actor)
    now = now or utcnow()
    incident = lock_incident(session, incident_id)
    require_open(incident)
    found = checklist_item(incident.type, item)
    if found is None:
        raise IncidentInputError("item", _("Checklist: that item is not on this incident's checklist."))
    tick = session.scalar(select(IncidentChecklistTick).where(IncidentChecklistTick.incident_id == incident.id,
                                                              IncidentChecklistTick.item == item))
    if done and tick is not None:
        who = session.get(User, tick.ticked_by_id).name
        raise IncidentInputError("item", _("Checklist: {name} ticked this item already.").format(name=who))
    if not done and tick is None:
        raise IncidentInputError("item", _("Checklist: this item is not ticked."))
    if done:
        session.add(IncidentChecklistTick(incident_id=incident.id, item=item, ticked_by_id=actor.id, ticked_at=now))
    else:
        session.delete(tick)
    text = (_("Checklist: ✓ {item}") if done else _("Checklist: unticked {item}")).format(item=_(found.text))
    auto_entry(session, incident, actor, now, "checklist", text, {"item": item, "done": done})
    session.flush()
