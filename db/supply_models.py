"""Emergency supply requests (plan §3.4.3): the brands, who approves by post and up to how much, each delivery
route's order day, and the requests with their lines (an incident may be their reason)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Audited, Base, Versioned, one_of

SUPPLY_REASONS = ("wedding", "funeral", "group_consumption", "meeting", "other")
SUPPLY_STATES = ("requested", "approved", "refused")
# the plan's approvers (§3.4.3.1 报客户服务部主任或营销部副经理批准, 不同职级设置数量权限): posts, not portal roles
SUPPLY_POSTS = ("customer_service_head", "marketing_deputy_manager")


class Brand(Audited, Versioned, Base):
    """A cigarette brand (规格); scarce or controlled brands (紧俏/调控品牌) are never supplied on request."""

    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    scarce_or_controlled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")

    __table_args__ = (CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),)


class SupplyApprover(Audited, Versioned, Base):
    """A post that approves emergency supply requests, who holds it, and the largest request (total cartons, 条) it
    may approve; set by admins."""

    __tablename__ = "supply_approvers"

    post: Mapped[str] = mapped_column(String(30), primary_key=True)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    max_quantity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        CheckConstraint(one_of("post", SUPPLY_POSTS), name="post"),
        CheckConstraint("max_quantity between 0 and 100000", name="max_quantity"),
    )


class RouteOrderDay(Audited, Versioned, Base):
    """The weekday (ISO: 1 Monday … 7 Sunday) a delivery route's retailers order (订货日); an approved supply
    request joins its retailer's next one."""

    __tablename__ = "route_order_days"

    route: Mapped[str] = mapped_column(String(30), primary_key=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)

    __table_args__ = (CheckConstraint("weekday between 1 and 7", name="weekday"),)


class SupplyRequest(Audited, Versioned, Base):
    """An emergency supply request (客户应急货源报批表) of one retailer for one event."""

    __tablename__ = "supply_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # HY-2026-0007
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"))
    reason: Mapped[str] = mapped_column(String(20))
    event_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    total_quantity: Mapped[int] = mapped_column(Integer)  # the sum of the lines: what the approval limit covers
    state: Mapped[str] = mapped_column(String(10), default="requested", server_default="requested")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    next_order_date: Mapped[date | None] = mapped_column(Date)  # the order day the approved goods join
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))

    __table_args__ = (
        CheckConstraint(r"reference ~ '^HY-\d{4}-\d{4,}$'", name="reference_format"),
        CheckConstraint(one_of("reason", SUPPLY_REASONS), name="reason"),
        CheckConstraint(one_of("state", SUPPLY_STATES), name="state"),
        CheckConstraint("total_quantity > 0", name="total_quantity"),
        CheckConstraint("(state = 'requested') = (decided_at is null)", name="decided_at"),
        CheckConstraint("(state = 'approved') = (next_order_date is not null)", name="next_order_date"),
        Index("ix_supply_requests_state_id", "state", "id"),
        Index("ix_supply_requests_reference_trgm", "reference", postgresql_using="gin",
              postgresql_ops={"reference": "gin_trgm_ops"}),
        Index("ix_supply_requests_retailer_id", "retailer_id"),
        Index("ix_supply_requests_event_date_id", "event_date", "id"),
        Index("ix_supply_requests_requested_at_id", "requested_at", "id"),
        Index("ix_supply_requests_order_day", "next_order_date", postgresql_where=sql_text("state = 'approved'")),
        Index("ix_supply_requests_open_retailer", "retailer_id", postgresql_where=sql_text("state = 'requested'")),
    )


class SupplyRequestLine(Audited, Base):
    """One brand and quantity (cartons) of a supply request."""

    __tablename__ = "supply_request_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("supply_requests.id"))
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    quantity: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("request_id", "brand_id", name="uq_supply_request_lines_request_brand"),
        CheckConstraint("quantity between 1 and 10000", name="quantity"),
    )
