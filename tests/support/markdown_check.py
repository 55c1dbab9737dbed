"""Marked-up text for every user-typed field, and a check of what a page renders as Markdown: the user's markup must
show as text (no link, image, heading, emphasis, HTML or Streamlit directive made from it)."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from markdown_it import MarkdownIt
from sqlalchemy import Engine, text

# One per column width: each holds a link, emphasis and a heading; the longer ones an image, HTML and directives.
LONG = ("# Zh [Zl](https://evil.example) ![Zi](https://evil.example/i.png) *Ze* __Zs__ <b>Zb</b> :red[Zr] "
        ":material/home: www.evil.example zm@evil.example")
MID = "# Zh [Zl](https://evil.example) ![Zi](//evil.example/i.png) *Ze*"
SHORT = "# [Zl](//ev.il) *Ze*"
MARKS = {"long": LONG, "mid": MID, "short": SHORT}

# (table, column): every column a person types into, on every kind of record
TYPED = {
    "departments": ("name_en", "name_zh"),
    "users": ("name",),
    "complaint_categories": ("name_en", "name_zh"),
    "calendar_days": ("name",),
    "retailers": ("shop_name", "owner_name", "address", "district", "route"),
    "saved_views": ("name",),
    "complaints": ("complainant_name", "description", "remedy_sought", "verification_result",
                   "responsibility_analysis", "root_cause", "corrective_action", "responsible_person", "reply_text",
                   "invalid_reason"),
    "complaint_follow_ups": ("result",),
    "complaint_attachments": ("filename",),
    "incidents": ("title", "situation", "reporter", "resolution", "root_cause", "review_note", "affected_districts",
                  "affected_routes"),
    "incident_retailers": ("call_note",),
    "incident_suspensions": ("area",),
    "incident_notices": ("text", "audience"),
    "incident_actions": ("text",),
    "brands": ("name",),
    "supply_requests": ("note", "decision_note"),
    "training_courses": ("title", "description"),
    "training_course_materials": ("filename",),
    "training_needs": ("topic", "note"),
    "training_sessions": ("title", "place", "audience", "content", "cancel_reason", "return_note"),
    "training_sign_ups": ("absence_reason", "cancel_reason"),
    "training_evaluations": ("comments",),
}
APPEND_ONLY = {"complaint_events": "note", "incident_timeline_entries": "text"}  # add marked-up rows, never edit


def _marked(width: int | None, value: str) -> str:
    """`value` behind the widest mark that fits a column of `width` characters (binds :long, :mid, :short)."""
    mark = "long" if width is None or width >= 150 else "mid" if width >= 90 else "short"
    return f"left(:{mark} || ' ' || coalesce({value}, ''), {width or 100000})"


def mark_up_everything(engine: Engine) -> None:
    """Put marked-up text before the value of every user-typed column of every row (empty ones stay empty: a value
    there may not fit the record's state), and a marked-up copy of every timeline entry and complaint event."""
    with engine.begin() as conn:
        for table, columns in TYPED.items():
            for column in columns:
                width, kind = conn.execute(text(
                    "SELECT character_maximum_length, data_type FROM information_schema.columns "
                    "WHERE table_name = :t AND column_name = :c"), {"t": table, "c": column}).one()
                if kind == "ARRAY":
                    width = 30
                    value = f"array(SELECT {_marked(width, 'x')} FROM unnest({column}) x)"
                else:
                    value = _marked(width, column)
                conn.execute(text(f"UPDATE {table} SET {column} = {value} WHERE {column} IS NOT NULL"), MARKS)
        for table, column in APPEND_ONLY.items():
            names = [r[0] for r in conn.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = :t AND column_name <> 'id' "
                "ORDER BY ordinal_position"), {"t": table})]
            picked = ", ".join(_marked(None, column) if n == column else n for n in names)
            conn.execute(text(f"INSERT INTO {table} ({', '.join(names)}) SELECT {picked} FROM {table}"), MARKS)


# --- what renders as Markdown -----------------------------------------------------------------------------------

MARKDOWN_FIELDS = {"body", "label", "help", "delta", "delta_description", "captions", "content", "tooltip"}


def markdown_texts(message, kind: str | None = None) -> Iterator[str]:
    """Every string of a protobuf element that Streamlit renders as Markdown (bodies, labels, help, options of
    radios and button groups, column help in tables); the bodies of st.html come back as "<html>…"."""
    kind = kind or type(message).__name__
    for field, value in message.ListFields():
        name = field.name
        if field.type == field.TYPE_MESSAGE:
            for item in [value] if hasattr(value, "ListFields") else value:
                if hasattr(item, "ListFields"):
                    yield from markdown_texts(item, kind if type(item).__name__ == "Option" else None)
            continue
        strings = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] \
            if isinstance(value, Iterable) and not isinstance(value, bytes) else []
        if kind == "Html" and name == "body":
            yield from ("<html>" + s for s in strings)
        elif name == "columns" and kind in ("Arrow", "Dataframe"):  # column_config JSON: its help renders Markdown
            for s in strings:
                try:
                    config = json.loads(s)
                except ValueError:
                    continue
                yield from (c["help"] for c in config.values() if isinstance(c, dict) and c.get("help"))
        elif kind in ("Code", "Text", "Json", "Exception"):  # shown as typed
            continue
        elif name in MARKDOWN_FIELDS or (name == "options" and kind == "Radio"):
            yield from strings


def tree_markdown(at) -> Iterator[str]:
    """Every Markdown string an AppTest run holds, in the main area, the sidebar and toasts."""
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            yield from markdown_texts(proto)


_md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
GFM_AUTOLINK = re.compile(r"(https?://|www(?=\.))[-.\w]+|[-.\w+]+@[-\w]+(\.[-\w]+)+", re.IGNORECASE)
USER_MARK = re.compile(r"Z[hlisebr]")  # the words inside the marks above


def _inline_text(token) -> str:
    return "".join(c.content for c in (token.children or []) if c.type in ("text", "code_inline"))


def markup_from_user(source: str) -> list[str]:
    """What in `source` renders as markup made from the user's text (empty when it all shows as typed)."""
    found = []
    if source.startswith("<html>"):  # raw HTML: user text in it must be HTML-escaped
        return ["HTML"] if "<b>Zb" in source else []
    if re.search(r"(?<!\\):red\[Z", source):  # a directive is Markdown syntax (icons are found in the text below)
        found.append("directive")
    tokens = _md.parse(source.replace(":material/", ":material_"))  # as Streamlit does before parsing
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and re.match(r"^\s*(Zh|\[Zl\])", tokens[i + 1].content):
            found.append(f"heading: {tokens[i + 1].content[:40]}")
        if tok.type == "html_block" and "<b>Zb" in tok.content:
            found.append("HTML")
        for child in tok.children or []:
            if child.type in ("link_open", "image") and re.search(r"evil|ev\.il", child.attrGet("href") or
                                                                  child.attrGet("src") or ""):
                found.append(f"{child.type}: {child.attrGet('href') or child.attrGet('src')}")
            if child.type == "html_inline" and child.content == "<b>":
                found.append("HTML")
        if tok.type == "inline":
            children = tok.children or []
            # GitHub-flavored autolinks are found in the text itself once escapes are read (not in code spans)
            found += [f"autolink: {m.group()}" for c in children if c.type == "text"
                      for m in GFM_AUTOLINK.finditer(c.content) if re.search(r"evil|ev\.il", m.group())]
            found += [f"icon: {c.content}" for c in children if c.type == "text" and ":material_home:" in c.content]
            for j, child in enumerate(children):
                if child.type in ("em_open", "strong_open") and j + 1 < len(children) \
                        and children[j + 1].type == "text" and children[j + 1].content in ("Ze", "Zs"):
                    found.append(f"{child.type}: {children[j + 1].content}")
    return found


def violations(at) -> list[tuple[str, list[str]]]:
    """(Markdown source, what renders from the user's markup) for every offending string of a run."""
    return [(s[:160], bad) for s in tree_markdown(at) if USER_MARK.search(s) and (bad := markup_from_user(s))]
