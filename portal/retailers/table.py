"""The retailer directory (零售客户): its description for the records layer and the retailer-specific rules."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from db.models import Retailer
from portal.access.auth import CurrentUser
from portal.i18n import N_, NP_, _, fmt_datetime
from portal.records.editing import bulk_update, create_record, update_record
from portal.records.fields import Choice, Field, FieldType, TableSpec, register
from portal.records.history import record_history
from portal.records.linked import LinkedSection, register_linked
from portal.retailers.rollups import current_column

EDIT = "retailers.edit"


def _rollup(name: str) -> Callable[[], Any]:
    """A rollup column as a computed field: read after the rollups' window was moved to today."""
    return lambda: current_column(name)


BUSINESS_TYPE_CHOICES = (
    Choice("convenience", N_("Convenience store"), ("便利店",)),
    Choice("supermarket", N_("Supermarket"), ("超市",)),
    Choice("tobacco_liquor", N_("Tobacco & liquor shop"), ("烟酒店", "烟酒行")),
    Choice("grocery", N_("Grocery"), ("食杂店", "副食店")),
    Choice("other", N_("Other"), ("其他",)),
)
STATUS_CHOICES = (
    Choice("active", NP_("retailer status", "Active"), ("正常", "有效", "在营")),
    Choice("suspended", N_("Suspended"), ("暂停", "停业")),
    Choice("closed", N_("Closed"), ("注销", "歇业", "关闭")),
)

RETAILERS = register(TableSpec(
    name="retailers",
    label=N_("Retailers"),
    record_label=N_("Retailer"),
    model=Retailer,
    title_field="shop_name",
    key_field="license_no",
    view_permission="retailers.view",
    edit_permission=EDIT,
    create_permission=EDIT,
    default_sort=(("license_no", False),),
    fields=(
        Field("license_no", N_("Licence number"), FieldType.TEXT, required=True, max_length=20,
              pattern=r"[0-9A-Za-z]{6,20}", pattern_hint=N_("Use 6–20 letters or digits."), edit_permission=EDIT,
              sortable=True, searchable=True, aliases=("专卖许可证号", "许可证号", "许可证编号", "licence", "license")),
        Field("shop_name", N_("Shop name"), FieldType.TEXT, required=True, max_length=100, edit_permission=EDIT,
              sortable=True, searchable=True, search_index="grams", sort_pinyin=True,
              aliases=("店铺名称", "店名", "商店名称", "客户名称")),
        Field("owner_name", N_("Owner"), FieldType.TEXT, required=True, max_length=50, edit_permission=EDIT,
              sortable=True, searchable=True, search_index="grams", sort_pinyin=True,
              aliases=("负责人", "经营者", "业主", "业主姓名")),
        Field("phone", N_("Phone"), FieldType.PHONE, max_length=20, edit_permission=EDIT,
              view_permission="retailers.view_phone", searchable=True, aliases=("联系电话", "电话", "手机")),
        Field("district", N_("District"), FieldType.TEXT, required=True, max_length=30, edit_permission=EDIT,
              sortable=True, suggest=True, aliases=("区域", "所属区域", "区县")),
        Field("route", N_("Delivery route"), FieldType.TEXT, max_length=30, edit_permission=EDIT, sortable=True,
              bulk_editable=True, suggest=True, aliases=("送货线路", "线路")),
        Field("manager_id", N_("Customer manager"), FieldType.USER, edit_permission=EDIT, sortable=True,
              bulk_editable=True, aliases=("客户经理",)),
        Field("business_type", N_("Business type"), FieldType.SINGLE_SELECT, choices=BUSINESS_TYPE_CHOICES,
              required=True, edit_permission=EDIT, sortable=True, aliases=("业态",)),
        Field("is_key_customer", N_("Key customer"), FieldType.CHECKBOX, edit_permission=EDIT, sortable=True,
              bulk_editable=True, aliases=("重点客户",)),
        Field("star_rating", N_("Star rating"), FieldType.INTEGER, required=True, min_value=1, max_value=5,
              edit_permission=EDIT, sortable=True, aliases=("星级",)),
        Field("status", N_("Status"), FieldType.SINGLE_SELECT, choices=STATUS_CHOICES, required=True,
              edit_permission=EDIT, sortable=True, bulk_editable=True, aliases=("状态", "经营状态")),
        Field("address", N_("Address"), FieldType.TEXT, max_length=200, edit_permission=EDIT, visible=False,
              searchable=True, search_index="grams", aliases=("经营地址", "地址")),
        Field("integrity_flag", N_("Integrity flag"), FieldType.CHECKBOX, edit_permission=EDIT, visible=False,
              help=N_("Honest dealing and marked prices (诚信经营·明码实价); governs emergency supply eligibility."),
              aliases=("诚信经营", "明码实价", "诚信经营·明码实价")),
        Field("updated_at", N_("Last changed"), FieldType.DATETIME, sortable=True, visible=False),
        Field("created_at", N_("Created"), FieldType.DATETIME, visible=False),
        # rollups: counted by triggers into indexed columns (portal/retailers/rollups.py), so they sort and filter
        # (a count, not the complaints: every reader of the directory sees it; masking a number would break the
        # grid's and the form's number columns, which take no "••••")
        Field("complaints_90d", N_("Complaints, last 90 days"), FieldType.INTEGER, sortable=True, visible=False,
              compute=_rollup("complaints_90d"),
              help=N_("Complaints received today and in the 89 days before (center time), whoever handles them.")),
        Field("sessions_attended_year", N_("Sessions attended this year"), FieldType.INTEGER, sortable=True,
              visible=False, compute=_rollup("sessions_attended_year"),
              help=N_("Training sessions of this calendar year (center time) the retailer attended.")),
        Field("open_supply_requests", N_("Open supply requests"), FieldType.INTEGER, sortable=True, visible=False,
              compute=_rollup("open_supply_requests"),
              help=N_("Emergency supply requests awaiting approval.")),
    ),
))


def create_retailer(session: Session, *, actor: CurrentUser, values: dict[str, Any]) -> Retailer:
    """Add a retailer to the directory (supervisors and admins)."""
    return create_record(session, actor=actor, spec=RETAILERS, values=values)


def update_retailer(session: Session, *, actor: CurrentUser, retailer_id: int, version: int,
                    values: dict[str, Any]) -> Retailer:
    """Change a retailer; refused when someone saved it after `version` was read."""
    return update_record(session, actor=actor, spec=RETAILERS, record_id=retailer_id, version=version,
                         values=values)


def change_customer_manager(session: Session, *, actor: CurrentUser, retailer_ids: list[int],
                            manager: Any) -> int:
    """Give many retailers a new customer manager (history is kept per retailer); returns how many changed."""
    return bulk_update(session, actor=actor, spec=RETAILERS, record_ids=retailer_ids, field="manager_id",
                       value=manager)


def set_retailer_status(session: Session, *, actor: CurrentUser, retailer_ids: list[int], status: str) -> int:
    """Set the status (active / suspended / closed) of many retailers; returns how many changed."""
    return bulk_update(session, actor=actor, spec=RETAILERS, record_ids=retailer_ids, field="status", value=status)


def manager_history(session: Session, actor: CurrentUser, retailer_id: int) -> list[dict[str, str]]:
    """Every customer-manager change of a retailer, newest first (the audit log keeps them all)."""
    changes = record_history(session, actor=actor, spec=RETAILERS, record_id=retailer_id, fields=("manager_id",))
    return [{_("From"): c.old or "—", _("To"): c.new or "—", _("When"): fmt_datetime(c.at), _("By"): c.actor}
            for c in changes]


register_linked("retailers", LinkedSection("manager_history", N_("Customer manager history"), manager_history,
                                           empty_text=N_("No customer manager recorded yet.")))
