"""Every filter operator of every field type, run as SQL on real PostgreSQL against a table of all types."""
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, Text, and_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.center.sla import CENTER_TZ
from portal.records.fields import Choice, Field, FieldType, TableSpec, register
from portal.records.filters import OPERATORS, Filter, FilterError, filter_clause
from portal.retailers.table import RETAILERS
from tests.retailers.support import english_fixture  # noqa: F401  (autouse: English messages)


class SampleBase(DeclarativeBase):
    pass


class Sample(SampleBase):
    __tablename__ = "record_samples"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    qty: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    due: Mapped[date | None] = mapped_column(Date)
    seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str | None] = mapped_column(String(10))
    tags: Mapped[list[str] | None] = mapped_column(ARRAY(String(10)))
    done: Mapped[bool | None] = mapped_column(Boolean)
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(60))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    retailer_id: Mapped[int | None] = mapped_column(Integer)


CHOICES = (Choice("a", "Apple"), Choice("b", "Banana"))
SAMPLES = register(TableSpec(
    name="record_samples", label="Samples", record_label="Sample", model=Sample, title_field="title",
    view_permission="retailers.view", fields=(
        Field("title", "Title", FieldType.TEXT), Field("notes", "Notes", FieldType.LONG_TEXT),
        Field("qty", "Quantity", FieldType.INTEGER), Field("price", "Price", FieldType.DECIMAL),
        Field("due", "Due", FieldType.DATE), Field("seen_at", "Seen", FieldType.DATETIME),
        Field("kind", "Kind", FieldType.SINGLE_SELECT, choices=CHOICES),
        Field("tags", "Tags", FieldType.MULTI_SELECT, choices=CHOICES),
        Field("done", "Done", FieldType.CHECKBOX), Field("phone", "Phone", FieldType.PHONE),
        Field("email", "E-mail", FieldType.EMAIL), Field("owner_id", "Owner", FieldType.USER),
        Field("retailer_id", "Retailer", FieldType.LINK, link_table="retailers"),
    )))


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment on `day` in the center's time zone (date filters cut days at the center's midnight)."""
    return datetime.combine(day, time(hour, minute), tzinfo=CENTER_TZ)


@pytest.fixture(scope="module")
def samples(engine):
    SampleBase.metadata.create_all(engine)
    with unit_of_work(engine=engine) as s:
        s.add_all([
            Sample(title="Alpha shop", notes="50% off_today", qty=1, price=Decimal("9.50"), due=date(2026, 1, 10),
                   seen_at=_local(date(2026, 1, 10), 9), kind="a", tags=["a", "b"], done=True,
                   phone="13812345678", email="a@x.cn", owner_id=1, retailer_id=10),
            Sample(title="Beta 商店", notes="", qty=5, price=Decimal("20.00"), due=date(2026, 2, 1),
                   seen_at=_local(date(2026, 2, 1), 23, 30), kind="b", tags=["b"], done=False,
                   phone="0571-88886666", email="b@y.cn", owner_id=2, retailer_id=11),
            Sample(title="Gamma", tags=[]),
        ])
    yield
    SampleBase.metadata.drop_all(engine)


A, B, C = "Alpha shop", "Beta 商店", "Gamma"
CASES = [
    ("title", "contains", "shop", {A}), ("title", "contains", "商", {B}), ("title", "not_contains", "shop", {B, C}),
    ("title", "is", "Gamma", {C}), ("title", "is_not", "Gamma", {A, B}), ("title", "any_of", (C, B), {B, C}),
    ("title", "empty", None, set()), ("title", "not_empty", None, {A, B, C}),
    ("notes", "contains", "50%", {A}), ("notes", "contains", "_", {A}), ("notes", "not_contains", "%", {B, C}),
    ("notes", "is", "50% off_today", {A}), ("notes", "is_not", "50% off_today", {B, C}),
    ("notes", "any_of", ("50% off_today",), {A}),
    ("notes", "empty", None, {B, C}), ("notes", "not_empty", None, {A}),
    ("qty", "is", "5", {B}), ("qty", "is_not", "5", {A, C}), ("qty", "before", "5", {A}), ("qty", "after", "1", {B}),
    ("qty", "between", ("5", "1"), {A, B}), ("qty", "any_of", ("1", "7"), {A}), ("qty", "empty", None, {C}),
    ("qty", "not_empty", None, {A, B}),
    ("price", "is", "20", {B}), ("price", "is_not", "20", {A, C}), ("price", "before", "10", {A}),
    ("price", "after", "10", {B}), ("price", "between", ("9", "10"), {A}), ("price", "empty", None, {C}),
    ("price", "not_empty", None, {A, B}),
    ("due", "is", "2026-01-10", {A}), ("due", "is_not", "2026-01-10", {B, C}), ("due", "before", "2026-02-01", {A}),
    ("due", "after", "2026-01-10", {B}), ("due", "between", ("2026-01-01", "2026-01-31"), {A}),
    ("due", "empty", None, {C}), ("due", "not_empty", None, {A, B}),
    ("due", "within", "past_3660", {A, B}), ("due", "within", "next_30", set()),  # (more: test_periods.py)
    ("seen_at", "within", "past_3660", {A, B}), ("seen_at", "within", "next_30", set()),
    ("seen_at", "is", "2026-02-01", {B}), ("seen_at", "is_not", "2026-02-01", {A, C}),
    ("seen_at", "before", "2026-02-01", {A}), ("seen_at", "after", "2026-01-10", {B}),
    ("seen_at", "between", ("2026-01-10", "2026-01-10"), {A}), ("seen_at", "empty", None, {C}),
    ("seen_at", "not_empty", None, {A, B}),
    ("kind", "is", "a", {A}), ("kind", "is", "Banana", {B}), ("kind", "is_not", "a", {B, C}),
    ("kind", "any_of", ("a", "b"), {A, B}), ("kind", "empty", None, {C}), ("kind", "not_empty", None, {A, B}),
    ("tags", "contains", "b", {A, B}), ("tags", "not_contains", "a", {B, C}), ("tags", "any_of", ("a",), {A}),
    ("tags", "is", "b", {B}), ("tags", "is", "a,b", {A}), ("tags", "empty", None, {C}),
    ("tags", "not_empty", None, {A, B}),
    ("done", "is", "true", {A}), ("done", "is", "false", {B, C}),
    ("phone", "contains", "8888", {B}), ("phone", "not_contains", "8888", {A, C}), ("phone", "is", "13812345678", {A}),
    ("phone", "is_not", "13812345678", {B, C}), ("phone", "any_of", ("0571-88886666",), {B}),
    ("phone", "empty", None, {C}), ("phone", "not_empty", None, {A, B}),
    ("email", "contains", "@y.", {B}), ("email", "not_contains", "@y.", {A, C}), ("email", "is", "a@x.cn", {A}),
    ("email", "is_not", "a@x.cn", {B, C}), ("email", "any_of", ("a@x.cn",), {A}), ("email", "empty", None, {C}),
    ("email", "not_empty", None, {A, B}),
    ("owner_id", "is", "1", {A}), ("owner_id", "is_not", "1", {B, C}), ("owner_id", "any_of", ("1", "2"), {A, B}),
    ("owner_id", "empty", None, {C}), ("owner_id", "not_empty", None, {A, B}),
    ("retailer_id", "is", "11", {B}), ("retailer_id", "is_not", "11", {A, C}),
    ("retailer_id", "any_of", ("10",), {A}), ("retailer_id", "empty", None, {C}),
    ("retailer_id", "not_empty", None, {A, B}),
]


def _titles(flt: Filter, actor=None) -> set[str]:
    with unit_of_work() as s:
        return set(s.scalars(select(Sample.title).where(and_(filter_clause(SAMPLES, flt, actor)))))


@pytest.mark.parametrize(("name", "op", "value", "expected"), CASES)
def test_filter_selects_the_matching_rows(samples, name, op, value, expected):
    assert _titles(Filter(name, op, value)) == expected


def test_the_cases_cover_every_operator_of_every_type():
    covered = {(SAMPLES.field(name).type, op) for name, op, _v, _e in CASES}
    assert covered == {(t, op) for t, ops in OPERATORS.items() for op in ops}


@pytest.mark.parametrize(("flt", "message"), [
    (Filter("qty", "contains", "1"), "has no operator"),
    (Filter("qty", "is", "many"), "whole number"),
    (Filter("due", "between", ("2026-01-01",)), "two values"),
    (Filter("kind", "is", "cherry"), "not one of"),
    (Filter("nothing", "is", "x"), "no field"),
])
def test_filters_that_cannot_apply_say_why(samples, flt, message):
    with pytest.raises(FilterError, match=message):
        _titles(flt)


def test_viewers_cannot_filter_on_masked_phone_numbers(db):
    viewer = CurrentUser(1, "v", "V", "V1", frozenset({"viewer"}), None, "en")
    with pytest.raises(FilterError, match="cannot be filtered"):
        filter_clause(RETAILERS, Filter("phone", "contains", "138"), viewer)
