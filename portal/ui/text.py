"""Showing text people typed (names, titles, descriptions, values, file names) literally: the one rule for user
text on a page.

Streamlit renders Markdown (and its own directives such as :red[…] and :material/icon:) in st.markdown,
st.title/header/caption, alerts, toasts, metric labels and values, and the labels and help of buttons, tabs,
expanders, page links and widgets. A title typed as "[x](https://…)" would show a live link there, and
"![i](https://…)" would load an outside image in every reader's browser. So every user-typed value that reaches
such an element goes through `plain` (escape the value, never the translated template around it:
`_("Resolution: {text}").format(text=plain(value))`), or is shown with an element that does not render
Markdown (st.text, st.code, a dataframe cell, a select option).
"""
from __future__ import annotations

import re

INLINE = re.compile(r"([\\`*_\[\]<>~$|:&@=!])")  # emphasis, code, links, images, HTML and entities, math, tables,
# :icons: and :red[...], e-mail autolinks and "==" highlights
BLOCK = re.compile(r"^(\s*)([#+\->=])", re.MULTILINE)  # headings, lists, quotes and "===" underlines at a line's start
ORDERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)  # "1." starting a line
WWW = re.compile(r"(www)\.", re.IGNORECASE)  # "www.example.com" would become a link (GitHub-flavored autolink)


def plain(text: object) -> str:
    """`text` escaped so any element that renders Markdown shows it as typed (no link, image, heading, emphasis,
    HTML or directive); its line breaks stay line breaks."""
    escaped = WWW.sub(r"\1\\.", ORDERED.sub(r"\1\\\2", BLOCK.sub(r"\1\\\2", INLINE.sub(r"\\\1", str(text)))))
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")


def shown(markdown: str) -> str:
    """What escaped text reads as once rendered (tests compare messages with it)."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("  \n", "\n"))
