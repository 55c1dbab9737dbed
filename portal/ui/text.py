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

INLINE = re.compile(r"([\\`*_\[\]<>~$|:&=!/])")  # emphasis, code, links, images, HTML and entities, math,
# tables, :red[...], "==" highlights, and ":material/" (Streamlit turns it into an icon code before reading escapes)
BLOCK = re.compile(r"^(\s*)([#+\->=])", re.MULTILINE)  # headings, lists, quotes and "===" underlines at a line's start
ORDERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)  # "1." starting a line
# Web and e-mail addresses become links (GitHub-flavored autolinks), and :emoji: and :material_icon: codes icons,
# even when every character is escaped: they are found in the text after escapes are read. In a code span they stay
# text, exactly as typed (a sentence's closing punctuation stays outside).
LITERAL = re.compile(r"(?:https?://|www\.)\S*[^\s.,;:!?)\]}'\"。，；：！？）」』]|[-.\w+]+@[-\w]+(?:\.[-\w]+)+"
                     r"|(?<!\w):[a-z0-9_+-]*[a-z][a-z0-9_+-]*:(?!\w)", re.IGNORECASE)
CODE_SPAN = re.compile(r"(?<![\\`])(`+) ?(.*?) ?(?<!`)\1(?!`)")  # one `_code` made


def _escaped(text: str) -> str:
    return ORDERED.sub(r"\1\\\2", BLOCK.sub(r"\1\\\2", INLINE.sub(r"\\\1", text))).replace("\n", "  \n")


def _code(text: str) -> str:
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def plain(text: object) -> str:
    """`text` escaped so any element that renders Markdown shows it as typed (no link, image, heading, emphasis,
    HTML, directive or icon; web and e-mail addresses and icon codes as code); its line breaks stay line breaks."""
    text, parts, last = str(text).replace("\r\n", "\n"), [], 0
    for literal in LITERAL.finditer(text):
        parts += [_escaped(text[last:literal.start()]), _code(literal.group())]
        last = literal.end()
    return "".join(parts) + _escaped(text[last:])


def shown(markdown: str) -> str:
    """What escaped text reads as once rendered (tests compare messages with it)."""
    spans: list[str] = []

    def keep(match: re.Match) -> str:
        spans.append(match.group(2))
        return f"\0{len(spans) - 1}\0"

    text = re.sub(r"\\(.)", r"\1", CODE_SPAN.sub(keep, markdown).replace("  \n", "\n"))
    return re.sub(r"\0(\d+)\0", lambda m: spans[int(m.group(1))], text)
