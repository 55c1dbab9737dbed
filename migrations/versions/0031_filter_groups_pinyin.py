"""records: filter groups in saved views (AND/OR, one level), and pinyin order for names

Saved views' `state.filters` was a list of conditions, AND-ed; it becomes {"match": "all", "items": [...]}, where
an item is a condition or a group {"match": "all" | "any", "items": [conditions]}. Downgrading writes the list back
where it says the same (ALL of conditions and ALL groups); a view that needs OR keeps the AND of all its conditions
(never more rows than it showed) and its groups under "filters_v2", which the next upgrade restores.

portal_pinyin(text) is a name's sort key in pinyin order: its GB18030 bytes (the common characters, GB2312 level 1,
are in pinyin order; the embedded PostgreSQL has no ICU collation). Retailers' shop and owner names get a sort
index on it ending in id, for keyset paging.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 16:20:00
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

PINYIN_INDEXES = ("shop_name", "owner_name")
PINYIN_FUNCTION = """
CREATE FUNCTION portal_pinyin(t text) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT convert_to(t, 'GB18030')
$$
"""


def _old_form(tree: dict) -> list | None:
    """The former list of AND-ed conditions saying the same as `tree`; None when it needs OR."""
    items = tree.get("items") or []
    if tree.get("match") == "any" and len(items) > 1:
        return None
    flat = []
    for item in items:
        if isinstance(item, dict):
            inner = item.get("items") or []
            if item.get("match") == "any" and len(inner) > 1:
                return None
            flat += inner
        else:
            flat.append(item)
    return flat


def _all_conditions(tree: dict) -> list:
    return [c for item in tree.get("items") or []
            for c in (item.get("items") or [] if isinstance(item, dict) else [item])]


def views_up(bind) -> None:
    """Saved views' filters in the new spelling (and groups a downgrade kept, back)."""
    bind.execute(sa.text("""
        UPDATE saved_views SET state = (state - 'filters_v2') || jsonb_build_object('filters', state -> 'filters_v2')
        WHERE state ? 'filters_v2'
    """))
    bind.execute(sa.text("""
        UPDATE saved_views
        SET state = jsonb_set(state, '{filters}', jsonb_build_object('match', 'all', 'items', state -> 'filters'))
        WHERE jsonb_typeof(state -> 'filters') = 'array'
    """))
    bind.execute(sa.text("""
        UPDATE saved_views SET state = state || '{"filters": {"match": "all", "items": []}}'::jsonb
        WHERE NOT state ? 'filters' OR jsonb_typeof(state -> 'filters') <> 'object'
    """))


def views_down(bind) -> None:
    """Saved views' filters in the former spelling where it says the same; otherwise the AND of all conditions,
    with the groups kept aside."""
    rows = bind.execute(sa.text("SELECT id, state FROM saved_views WHERE jsonb_typeof(state -> 'filters') = 'object'"))
    for view_id, state in rows.all():
        tree = state["filters"]
        old = _old_form(tree)
        state = {k: v for k, v in state.items() if k != "filters"}
        if old is None:
            state["filters"], state["filters_v2"] = _all_conditions(tree), tree
        else:
            state["filters"] = old
        bind.execute(sa.text("UPDATE saved_views SET state = cast(:state AS jsonb) WHERE id = :id"),
                     {"state": json.dumps(state, ensure_ascii=False), "id": view_id})


def upgrade() -> None:
    op.execute(PINYIN_FUNCTION)
    for column in PINYIN_INDEXES:
        op.create_index(f"ix_retailers_{column}_pinyin", "retailers", [sa.text(f"portal_pinyin({column})"), "id"])
    views_up(op.get_bind())


def downgrade() -> None:
    views_down(op.get_bind())
    for column in PINYIN_INDEXES:
        op.drop_index(f"ix_retailers_{column}_pinyin", table_name="retailers")
    op.execute("DROP FUNCTION portal_pinyin(text)")
