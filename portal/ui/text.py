"""Showing text people typed (names, values, file names) in elements that render Markdown, literally."""
from __future__ import annotations

import re

INLINE = re.compile(r"([\\`*_\[\]<>~$|:])")  # emphasis, code, links, HTML, math, tables, :icons: and :red[...]
BLOCK = re.compile(r"^(\s*)([#+\->])", re.MULTILINE)  # headings, lists and quotes at a line's start
ORDERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)  # "1." starting a line


def plain(text: object) -> str:
    """`text` escaped so st.title / st.error / button labels show it as typed (no Markdown, no HTML)."""
    return ORDERED.sub(r"\1\\\2", BLOCK.sub(r"\1\\\2", INLINE.sub(r"\\\1", str(text))))


def shown(markdown: str) -> str:
    """What escaped text reads as once rendered (tests compare messages with it)."""
    return re.sub(r"\\(.)", r"\1", markdown)
