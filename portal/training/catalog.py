"""The course catalog (培训库目录): knowledge and skill courses, who they are for, and their materials."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from db.models import BUSINESS_TYPES
from db.training_models import COURSE_KINDS, MATERIAL_TYPES, MAX_MATERIAL_BYTES, CourseMaterial, TrainingCourse
from portal.access.auth import CurrentUser, require
from portal.complaints.attachments import content_type_of
from portal.errors import STALE
from portal.i18n import _
from portal.training.rules import MANAGE, VIEW, TrainingInputError, optional_text, require_text

TITLE_MAX = 120
DESCRIPTION_MAX = 5000


def _course_values(title: str, kind: str, duration_minutes: int | None, description: str,
                   target_business_types: Iterable[str], target_star_levels: Iterable[int]) -> dict:
    """Checked course fields; TrainingInputError names the first wrong one."""
    title = require_text("title", title, _("Title: enter the course title."), limit=TITLE_MAX)
    if kind not in COURSE_KINDS:
        raise TrainingInputError("kind", _("Kind: choose knowledge or skill training."))
    if duration_minutes is None or not 15 <= int(duration_minutes) <= 480:
        raise TrainingInputError("duration_minutes", _("Duration: between 15 and 480 minutes."))
    types = sorted(set(target_business_types))
    if any(t not in BUSINESS_TYPES for t in types):
        raise TrainingInputError("target_business_types", _("Business types: choose from the list."))
    stars = sorted({int(s) for s in target_star_levels})
    if any(not 1 <= s <= 5 for s in stars):
        raise TrainingInputError("target_star_levels", _("Star levels: between 1 and 5."))
    return {"title": title, "kind": kind, "duration_minutes": int(duration_minutes),
            "description": optional_text("description", description, label=_("Description"), limit=DESCRIPTION_MAX),
            "target_business_types": types, "target_star_levels": stars}


def create_course(session: Session, *, actor: CurrentUser, title: str, kind: str, duration_minutes: int | None,
                  description: str = "", target_business_types: Iterable[str] = (),
                  target_star_levels: Iterable[int] = ()) -> TrainingCourse:
    """Add a course to the catalog."""
    require(actor, MANAGE)
    course = TrainingCourse(**_course_values(title, kind, duration_minutes, description, target_business_types,
                                             target_star_levels))
    session.add(course)
    session.flush()
    return course


def _course(session: Session, course_id: int, version: int | None) -> TrainingCourse:
    course = session.get(TrainingCourse, course_id, with_for_update=True, populate_existing=True)
    if course is None:
        raise TrainingInputError("course", _("That course does not exist."))
    if version is not None and course.version != version:
        raise TrainingInputError(STALE, _("Someone else changed course “{title}” after you opened it. Nothing was "
                                          "saved; your input is kept.").format(title=course.title))
    return course


def update_course(session: Session, *, actor: CurrentUser, course_id: int, version: int | None, title: str,
                  kind: str, duration_minutes: int | None, description: str = "",
                  target_business_types: Iterable[str] = (), target_star_levels: Iterable[int] = (),
                  active: bool = True) -> TrainingCourse:
    """Change a course; refused when someone saved it after `version` was read."""
    require(actor, MANAGE)
    course = _course(session, course_id, version)
    values = _course_values(title, kind, duration_minutes, description, target_business_types, target_star_levels)
    for name, value in {**values, "active": bool(active)}.items():
        if getattr(course, name) != value:
            setattr(course, name, value)
    session.flush()
    return course


def list_courses(session: Session, *, actor: CurrentUser, active_only: bool = True) -> list[TrainingCourse]:
    """The catalog, by title."""
    require(actor, VIEW)
    stmt = select(TrainingCourse).order_by(TrainingCourse.title, TrainingCourse.id)
    if active_only:
        stmt = stmt.where(TrainingCourse.active)
    return list(session.scalars(stmt))


def add_material(session: Session, *, actor: CurrentUser, course_id: int, filename: str,
                 data: bytes) -> CourseMaterial:
    """Attach a handout or slides (PDF, Office, JPEG/PNG; at most 20 MB) to a course."""
    require(actor, MANAGE)
    name = PurePath((filename or "").replace("\\", "/")).name.strip()[:255]
    if not name or not data:
        raise TrainingInputError("material", _("Material: the file is empty or has no name."))
    if len(data) > MAX_MATERIAL_BYTES:
        raise TrainingInputError("material", _("Material: {name} is larger than 20 MB.").format(name=name))
    ctype = content_type_of(name, data)
    if ctype not in MATERIAL_TYPES:
        raise TrainingInputError("material", _("Material: {name} is not a PDF, Office document or JPEG/PNG "
                                               "image.").format(name=name))
    _course(session, course_id, None)
    material = CourseMaterial(course_id=course_id, filename=name, content_type=ctype, size_bytes=len(data),
                              sha256=hashlib.sha256(data).hexdigest(), content=data, uploaded_by_id=actor.id)
    session.add(material)
    session.flush()
    return material


def list_materials(session: Session, *, actor: CurrentUser, course_id: int) -> list[CourseMaterial]:
    """A course's materials (without their bytes), oldest first."""
    require(actor, VIEW)
    return list(session.scalars(select(CourseMaterial).where(CourseMaterial.course_id == course_id,
                                                             CourseMaterial.removed.is_(False))
                                .order_by(CourseMaterial.uploaded_at, CourseMaterial.id)))


def material_content(session: Session, *, actor: CurrentUser, material_id: int) -> CourseMaterial:
    """One material with its bytes loaded."""
    require(actor, VIEW)
    material = session.get(CourseMaterial, material_id, options=[undefer(CourseMaterial.content)])
    if material is None or material.removed:
        raise TrainingInputError("material", _("That material does not exist."))
    return material


def remove_material(session: Session, *, actor: CurrentUser, material_id: int) -> None:
    """Hide a material from the course (kept in the database, as everything is)."""
    require(actor, MANAGE)
    material = session.get(CourseMaterial, material_id)
    if material is None:
        raise TrainingInputError("material", _("That material does not exist."))
    material.removed = True
    session.flush()
