"""`python -m portal seed --scale province`: a province's ten years in an empty database, by bulk loading.

The stages run in order, each with its own progress lines: the demo center (staff, departments, categories,
calendar, courses — the people who work the generated records), 200,000 retailers, 1,000,000 complaints with
timelines and follow-ups, 300,000 training sign-ups over ~3,000 sessions, 50,000 incidents with ~1,000,000
timeline entries; every record gets its audit ("history") rows. Each stage is one transaction, so a stage that
fails leaves nothing half-written behind it.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from db.engine import unit_of_work
from db.models import Retailer

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Scale:
    retailers: int
    complaints: int
    training_registrations: int
    incidents: int


SCALES = {
    "province": Scale(retailers=200_000, complaints=1_000_000, training_registrations=300_000, incidents=50_000),
    "town": Scale(retailers=2_000, complaints=5_000, training_registrations=3_000, incidents=200),  # quick check
}
EMPTY_UP_TO = 1_000  # retailers: the demo center's few hundred are fine, a scale seed's are not


class NotEmpty(RuntimeError):
    """The database already holds scale data; seeding again would double it."""


def _stage(name: str, say: Progress) -> Callable[[int, int], None]:
    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - last[0] >= 5:  # a line every 5 s at most, and the last one
            last[0] = now
            tail = "; building indexes and statistics…" if done == total else ""
            say(f"  {name}: {done:,} / {total:,} ({done / total:.0%}, {now - started:.0f} s){tail}")
    return progress


def seed_scale(engine: Engine, scale: Scale, say: Progress = print) -> dict[str, float]:
    """Fill an empty database at `scale`; returns the seconds each stage took (and "total")."""
    from portal.bootstrap import seed_demo_once
    from portal.complaints.scale import seed_complaints
    from portal.incidents.scale import seed_incidents
    from portal.retailers.scale import seed_retailers
    from portal.training.scale import seed_training

    with unit_of_work(engine=engine) as s:
        retailers = s.scalar(select(func.count()).select_from(Retailer)) or 0
    if retailers > EMPTY_UP_TO:
        raise NotEmpty(f"the database already has {retailers:,} retailers: seed a scale into an empty database "
                       "(a new PORTAL_DATA_DIR, or an empty DATABASE_URL)")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    stages: list[tuple[str, Callable[[], object]]] = [
        ("demo center", lambda: seed_demo_once(engine)),
        ("retailers", lambda: seed_retailers(engine, scale.retailers, progress=_stage("retailers", say))),
        ("complaints", lambda: seed_complaints(engine, scale.complaints, progress=_stage("complaints", say))),
        ("training sign-ups", lambda: seed_training(engine, scale.training_registrations,
                                                    progress=_stage("training sign-ups", say))),
        ("incidents", lambda: seed_incidents(engine, scale.incidents, progress=_stage("incidents", say))),
    ]
    for name, run in stages:
        at = time.perf_counter()
        say(f"{name}…")
        run()
        timings[name] = time.perf_counter() - at
        say(f"{name}: done in {timings[name]:.0f} s")
    timings["total"] = time.perf_counter() - started
    return timings
