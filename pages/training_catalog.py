"""Training · Course catalog (培训库目录): knowledge and skill courses, who they are for, materials."""
import streamlit as st

from db.engine import unit_of_work
from db.models import BUSINESS_TYPES
from db.training_models import COURSE_KINDS, MAX_MATERIAL_BYTES
from portal import training as tr
from portal.access.auth import CurrentUser, can
from portal.i18n import _
from portal.inputs import int_param
from portal.records.validation import Lookups
from portal.training.labels import KIND_LABELS
from portal.training.reports import business_type_label
from portal.training.ui.common import attempt
from portal.ui import filter_bar, grid
from portal.ui.forms import edit_form, form_defaults, show_flash, submit_button
from portal.ui.page_part import page_part
from portal.ui.session import page_user
from portal.ui.text import plain
from portal.ui.view_state import current_view

PAGE = "pages/training_catalog.py"


def material_bytes(user: CurrentUser, material_id: int) -> bytes:
    with unit_of_work(user.id) as s:
        return tr.material_content(s, actor=user, material_id=material_id).content


def course_changed() -> None:
    picked = st.session_state["catalog_pick"]
    st.query_params["id"] = "" if picked is None else str(picked)


user = page_user("training.view")
st.title(_("Course catalog"))
show_flash()


@page_part("training.view")
def catalog(user: CurrentUser) -> None:
    """The courses grid (a part of the page: a filter, sort, page or inline edit reruns it alone)."""
    view, _ignored = current_view(tr.COURSES, user)
    with unit_of_work(user.id) as s:
        lookups = Lookups(s)
    filter_bar.toolbar(tr.COURSES, user, view, lookups)
    page, _selected = grid.show_grid(tr.COURSES, user, view, lookups, PAGE)
    grid.pager(tr.COURSES, view, page)


catalog()
with unit_of_work(user.id) as s:
    courses = {c.id: c for c in tr.list_courses(s, actor=user, active_only=False)}

manage = can(user, "training.manage")
wanted = int_param(st.query_params, "id")
if wanted in courses:
    st.session_state["catalog_pick"] = wanted
options = ([None] if manage else []) + list(courses)
if not options:
    st.stop()
picked = st.selectbox(_("Course"), options, key="catalog_pick", on_change=course_changed,
                      format_func=lambda i: _("New course…") if i is None else courses[i].title)
course = courses.get(picked)
prefix = "course_new_" if course is None else f"course_{course.id}_"
values = {"title": "", "kind": "knowledge", "duration": 90, "types": [], "stars": [], "description": "",
          "active": True}
if course is None:
    form_defaults(prefix, values)
    seen = None
else:
    seen = edit_form(prefix, course, {"title": course.title, "kind": course.kind, "duration": course.duration_minutes,
                                      "types": list(course.target_business_types),
                                      "stars": list(course.target_star_levels), "description": course.description,
                                      "active": course.active})
with st.form(prefix + "form"):
    left, right = st.columns(2)
    title = left.text_input(_("Title"), key=prefix + "title")
    kind = right.selectbox(_("Kind"), COURSE_KINDS, format_func=lambda k: _(KIND_LABELS[k]), key=prefix + "kind")
    duration = left.number_input(_("Duration (minutes)"), step=15, key=prefix + "duration")  # range: the domain's
    stars = right.multiselect(_("For star levels"), [1, 2, 3, 4, 5], key=prefix + "stars")
    types = st.multiselect(_("For business types"), BUSINESS_TYPES, format_func=business_type_label,
                           key=prefix + "types")
    description = st.text_area(_("Description"), key=prefix + "description", height=90)
    active = st.checkbox(_("Active (offered for new sessions)"), key=prefix + "active", disabled=course is None)
    submitted = submit_button(_("Add course") if course is None else _("Save changes"), type="primary",
                              key=prefix + "save", disabled=not manage)
if submitted:
    fields = dict(title=title, kind=kind, duration_minutes=duration, description=description,
                  target_business_types=types, target_star_levels=stars)
    if course is None:
        attempt(user, tr.create_course, prefix=prefix, **fields,
                done=lambda c: _("Course “{title}” added.").format(title=plain(c.title)))
    else:
        attempt(user, tr.update_course, course_id=course.id, version=seen.version, active=active, prefix=prefix,
                **fields, done=_("Course saved."))

if course is not None:
    st.subheader(_("Materials"))
    with unit_of_work(user.id) as s:
        materials = tr.list_materials(s, actor=user, course_id=course.id)
    if not materials:
        st.caption(_("No materials yet."))
    for m in materials:
        with st.container(horizontal=True, vertical_alignment="center", key=f"material_{m.id}"):
            st.download_button(plain(m.filename), data=lambda m=m: material_bytes(user, m.id), file_name=m.filename,
                               mime=m.content_type, key=f"material_get_{m.id}", icon=":material/download:",
                               on_click="ignore")
            st.caption(_("{kb} KB").format(kb=max(1, m.size_bytes // 1024)))
            if manage and st.button(_("Remove"), key=f"material_remove_{m.id}", type="tertiary"):
                attempt(user, tr.remove_material, material_id=m.id, done=_("Material removed."))
    if manage:
        upload = st.file_uploader(_("Add a handout or slides (PDF, Word, Excel, PowerPoint, JPEG, PNG; at most 20 MB)"),
                                  key=f"material_upload_{course.id}", max_upload_size=MAX_MATERIAL_BYTES // 2**20)
        if upload is not None and st.button(_("Attach"), key="material_attach", icon=":material/attach_file:"):
            attempt(user, tr.add_material, course_id=course.id, filename=upload.name, data=upload.getvalue(),
                    done=_("Material attached."), prefix=f"material_upload_{course.id}")
