"""Incidents and supply requests as the records layer shows them: searchable, filterable, sortable,
exportable lists. Both are read-only there: they change only through the moves in log.py and supply.py."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, not_, select
from sqlalchemy.orm import Session

import portal.retailers.table  # noqa: F401  (registers the retailers spec that the retailer link names)
from db.incident_models import Incident, IncidentRetailer
from db.supply_models import SupplyRequest
from portal.access.auth import CurrentUser, require
from portal.i18n import N_, _, fmt_date, fmt_datetime
from portal.incidents.labels import (
    SCOPE_LABELS,
    STATUS_LABELS,
    STEP_LABELS,
    SUPPLY_REASON_LABELS,
    SUPPLY_STATE_LABELS,
    TYPE_LABELS,
)
from portal.records.fields import Choice, Field, FieldType, TableSpec, register
from portal.records.filters import ANY_OF, CONTAINS, EMPTY, IS, IS_NOT, NOT_EMPTY, like_pattern
from portal.records.linked import OPENS, LinkedSection, opens, register_linked


def _choices(labels: dict[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(value, label) for value, label in labels.items())


def _districts_text() -> Any:
    """The affected districts as one text (城东区、城西区) for the grid and exports."""
    return func.array_to_string(Incident.affected_districts, "、")


def _district_filter(op: str, value: Any) -> Any:
    """Filters on the affected districts: "is" a district (the incident dashboard's district filter: the list
    includes it), "is any of", "contains" part of a name, "is empty"."""
    col = Incident.affected_districts
    if op in (IS, IS_NOT):
        found = col.contains([value])
        return found if op == IS else not_(found)
    if op == ANY_OF:
        return col.overlap(list(value))
    if op in (EMPTY, NOT_EMPTY):
        empty = func.cardinality(col) == 0
        return empty if op == EMPTY else not_(empty)
    like = _districts_text().ilike(like_pattern(value), escape="\\")
    return like if op == CONTAINS else not_(like)


INCIDENTS = register(TableSpec(
    name="incidents",
    label=N_("Incidents"),
    record_label=N_("Incident"),
    model=Incident,
    title_field="title",
    key_field="reference",
    view_permission="incidents.view",
    default_sort=(("started_at", True),),
    fields=(
        Field("reference", N_("Reference"), FieldType.TEXT, sortable=True, searchable=True),
        Field("title", N_("Title"), FieldType.TEXT, searchable=True, search_index="grams"),
        Field("severity", N_("Severity"), FieldType.INTEGER, min_value=1, max_value=4, sortable=True,
              help=N_("1 critical … 4 minor; 1–2 are major (重大) incidents with a commander.")),
        Field("status", N_("Status"), FieldType.SINGLE_SELECT, choices=_choices(STATUS_LABELS), sortable=True),
        Field("type", N_("Type"), FieldType.SINGLE_SELECT, choices=_choices(TYPE_LABELS), sortable=True),
        Field("scope", N_("Scope"), FieldType.SINGLE_SELECT, choices=_choices(SCOPE_LABELS)),
        Field("started_at", N_("Started"), FieldType.DATETIME, sortable=True),
        Field("commander_id", N_("Commander"), FieldType.USER),
        Field("affected_steps", N_("Affected steps"), FieldType.MULTI_SELECT, choices=_choices(STEP_LABELS)),
        Field("affected_retailers_estimate", N_("Affected retailers"), FieldType.INTEGER),
        Field("affected_districts", N_("Affected districts"), FieldType.TEXT, visible=False,
              compute=_districts_text, condition=_district_filter),
        Field("resolved_at", N_("Resolved"), FieldType.DATETIME, visible=False),
        Field("closed_at", N_("Closed"), FieldType.DATETIME, visible=False),
        Field("updated_at", N_("Last changed"), FieldType.DATETIME, sortable=True, visible=False),
    ),
))

SUPPLY_REQUESTS = register(TableSpec(
    name="supply_requests",
    label=N_("Supply requests"),
    record_label=N_("Supply request"),
    model=SupplyRequest,
    title_field="reference",
    key_field="reference",
    view_permission="incidents.view",
    default_sort=(("requested_at", True),),
    fields=(
        Field("reference", N_("Reference"), FieldType.TEXT, searchable=True),
        Field("retailer_id", N_("Retailer"), FieldType.LINK, link_table="retailers"),
        Field("reason", N_("Reason"), FieldType.SINGLE_SELECT, choices=_choices(SUPPLY_REASON_LABELS)),
        Field("event_date", N_("Event date"), FieldType.DATE, sortable=True),
        Field("total_quantity", N_("Cartons"), FieldType.INTEGER),
        Field("state", N_("State"), FieldType.SINGLE_SELECT, choices=_choices(SUPPLY_STATE_LABELS), sortable=True),
        Field("next_order_date", N_("Order day"), FieldType.DATE),
        Field("requested_by_id", N_("Taken down by"), FieldType.USER),
        Field("decided_by_id", N_("Decided by"), FieldType.USER),
        Field("requested_at", N_("Requested"), FieldType.DATETIME, sortable=True),
        Field("decision_note", N_("Decision note"), FieldType.LONG_TEXT, visible=False),
    ),
))


def retailer_supply_requests(session: Session, actor: CurrentUser, retailer_id: int) -> list[dict[str, Any]]:
    """A retailer's emergency supply requests, newest first (the retailer page's linked records)."""
    require(actor, "incidents.view")
    rows = session.scalars(select(SupplyRequest).where(SupplyRequest.retailer_id == retailer_id)
                           .order_by(SupplyRequest.requested_at.desc()).limit(50))
    return [{_("Reference"): r.reference, _("Reason"): _(SUPPLY_REASON_LABELS[r.reason]),
             _("Event date"): fmt_date(r.event_date), _("Cartons"): str(r.total_quantity),
             _("State"): _(SUPPLY_STATE_LABELS[r.state]), OPENS: {"q": r.reference}} for r in rows]


def retailer_incidents(session: Session, actor: CurrentUser, retailer_id: int) -> list[dict[str, Any]]:
    """Incidents whose call list has the retailer, newest first."""
    require(actor, "incidents.view")
    rows = session.execute(select(Incident, IncidentRetailer.called)
                           .join(IncidentRetailer, IncidentRetailer.incident_id == Incident.id)
                           .where(IncidentRetailer.retailer_id == retailer_id)
                           .order_by(Incident.started_at.desc()).limit(50))
    return [{_("Reference"): i.reference, _("Title"): i.title, _("Started"): fmt_datetime(i.started_at),
             _("Status"): _(STATUS_LABELS[i.status]), _("Called"): _("Yes") if called else _("No"), **opens(i.id)}
            for i, called in rows]


register_linked("retailers", LinkedSection("supply_requests", N_("Emergency supply requests"),
                                           retailer_supply_requests, permission="incidents.view",
                                           empty_text=N_("No emergency supply requests."),
                                           record_page="pages/supply_requests.py"))  # (its list, found by reference)
register_linked("retailers", LinkedSection("incidents", N_("Incident call lists"), retailer_incidents,
                                           permission="incidents.view",
                                           empty_text=N_("Not on any incident's call list."),
                                           record_page="pages/incident.py"))
