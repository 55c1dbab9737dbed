"""`seed --scale`: every stage in order into an empty database, each with progress; a second run is refused."""
import pytest
from sqlalchemy import func, select

from db.complaint_models import Complaint
from db.engine import unit_of_work
from db.incident_models import Incident
from db.models import Retailer
from db.training_models import SignUp
from portal.tools.scale import NotEmpty, Scale, seed_scale


def _count(model) -> int:
    with unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_scale_fills_every_area_and_refuses_to_double_it(db, owner_db):
    lines: list[str] = []
    timings = seed_scale(owner_db, Scale(retailers=1_200, complaints=300, training_registrations=200, incidents=20),
                         say=lines.append)
    assert list(timings) == ["demo center", "retailers", "complaints", "training sign-ups", "incidents", "total"]
    demo_retailers = 300
    assert _count(Retailer) == demo_retailers + 1_200
    assert _count(Complaint) >= 300 and _count(Incident) >= 20
    assert _count(SignUp) >= 200
    assert any(line.startswith("  complaints: 300 / 300") for line in lines)
    with pytest.raises(NotEmpty, match="already has 1,500 retailers"):
        seed_scale(owner_db, Scale(retailers=10, complaints=0, training_registrations=0, incidents=0), say=lines.append)
