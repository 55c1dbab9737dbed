"""Scale data: `python -m portal seed --retailers N` adds N believable retailers with COPY, in chunks.

Names, districts, routes and weights come from the demo center (portal/tools/demo.py); licence numbers never
clash with existing ones. Each retailer gets one audit row ("created"), and the table is analysed and
vacuumed afterwards so the planner's estimates and index-only scans are right at once.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine, select, text

from db.audit import copy_audit_rows
from db.engine import unit_of_work
from db.models import Department, Retailer, User
from portal.records.bulk import copy_rows, reserve_ids
from portal.retailers.demo import (
    BUSINESS_WEIGHTS,
    DISTRICTS,
    GIVEN_NAMES,
    PHONE_PREFIXES,
    PREFIXES,
    STAR_WEIGHTS,
    SUFFIXES,
    SURNAMES,
)

CHUNK = 20_000
REBUILD_FROM = 50_000  # rows; from here on, rebuilding the indexes beats updating them
COLUMNS = ("id", "license_no", "shop_name", "owner_name", "phone", "address", "district", "route", "manager_id",
           "business_type", "is_key_customer", "star_rating", "integrity_flag", "status")


def _managers(session) -> list[int]:
    """Marketing handlers act as customer managers; any active staff when there are none."""
    marketing = select(User.id).join(Department, Department.id == User.department_id).where(
        User.active, User.roles.contains(["handler"]), Department.code == "marketing")
    ids = list(session.scalars(marketing)) or list(session.scalars(select(User.id).where(User.active)))
    return ids or [None]


class RetailerFactory:
    """Deterministic random retailers whose licence numbers avoid `taken`."""

    def __init__(self, seed: int, taken: set[str], managers: list[int | None]):
        self.rng, self.taken, self.managers = random.Random(seed), taken, managers
        self.districts = list(DISTRICTS)
        self.weights = [v[1] for v in DISTRICTS.values()]
        self.routes = {d: [f"{d[:2]}-{n:02d}" for n in range(1, 9)] for d in DISTRICTS}

    def licence(self, district: str) -> str:
        while True:
            candidate = f"{DISTRICTS[district][0]}{self.rng.randrange(100_000, 1_000_000)}"
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate

    def row(self) -> tuple[Any, ...]:
        rng = self.rng
        district = rng.choices(self.districts, self.weights)[0]
        street = rng.choice(DISTRICTS[district][2])
        btype = rng.choices(list(BUSINESS_WEIGHTS), list(BUSINESS_WEIGHTS.values()))[0]
        key = rng.random() < 0.10
        stars = rng.choices(list(STAR_WEIGHTS), list(STAR_WEIGHTS.values()))[0]
        roll = rng.random()
        return (self.licence(district), rng.choice(PREFIXES) + rng.choice(SUFFIXES[btype]),
                rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
                rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
                f"{district}{street}{rng.randint(1, 999)}号", district, rng.choice(self.routes[district]),
                self.managers[self.districts.index(district) % len(self.managers)], btype, key,
                max(stars, 4) if key else stars,
                rng.random() < 0.95, "active" if roll < 0.94 else "suspended" if roll < 0.98 else "closed")


def seed_retailers(engine: Engine, count: int, *, seed: int = 2026,
                   progress: Callable[[int, int], None] | None = None) -> int:
    """Add `count` retailers in one transaction (COPY in chunks of 20,000); returns how many were added.

    From 50,000 rows on, the secondary indexes are dropped first and built again at the end (several
    times faster than updating them row by row); the retailers table is locked meanwhile.
    """
    with unit_of_work(engine=engine) as s:
        taken = set(s.scalars(select(Retailer.license_no)))
        factory = RetailerFactory(seed + len(taken), taken, _managers(s))
        indexes = list(Retailer.__table__.indexes) if count >= REBUILD_FROM else []
        for index in indexes:
            s.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
        done = 0
        while done < count:
            n = min(CHUNK, count - done)
            ids = reserve_ids(s, "retailers", n)
            copy_rows(s, "retailers", COLUMNS, ((i, *factory.row()) for i in ids))
            copy_audit_rows(s, _created(ids))
            done += n
            if progress:
                progress(done, count)
        s.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for index in indexes:
            index.create(s.connection())
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) retailers"))
    return done


def _created(ids: list[int]) -> Iterator[tuple]:
    return (("retailers", str(i), "insert", None, None, None) for i in ids)
