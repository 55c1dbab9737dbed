"""Streamlit's own screen texts (placeholders, upload hints, input hints, dialogs, tooltips) in the user's language.

Streamlit's frontend writes these in English and has no locale setting (streamlit/streamlit#1353), and most have no
parameter. So one small script, sent once per script run, keeps them translated in the browser: a MutationObserver
replaces each known English text (text nodes and the placeholder / aria-label / title attributes) by its translation
from the gettext catalog, and remembers the original so a switch back to English restores it. Texts a page passes
itself (labels, its own placeholders) never go through it. tests/ui/test_builtin_text.py checks that every text
below still occurs in the installed Streamlit, so an upgrade that rewords one fails a test instead of showing English.
"""
from __future__ import annotations

import json

import streamlit as st

from portal.i18n import N_, _, current_language

# Exact texts, as Streamlit writes them.
EXACT: tuple[str, ...] = (
    # select boxes and multiselects
    N_("Choose an option"), N_("Choose options"), N_("Choose or add an option"), N_("Choose or add options"),
    N_("Add an option"), N_("Add options"), N_("No options to select"), N_("No results"), N_("Select all"),
    N_("Clear all"), N_("Clear value"), N_("Selected values"), N_("Open"),
    # hints under text inputs and text areas
    N_("Press Enter to submit form"), N_("Press Enter to apply"), N_("Press Ctrl+Enter to submit form"),
    N_("Press Ctrl+Enter to apply"), N_("Press ⌘+Enter to submit form"), N_("Press ⌘+Enter to apply"),
    N_("Show password"), N_("Hide password"), N_("Clear entry"),
    # file uploader
    N_("Upload"), N_("Add files"), N_("Drag and drop a file here"), N_("Drag and drop files here"),
    N_("Error uploading file"), N_("Error deleting file"), N_("file upload"),
    # the camera (the training check-in desk)
    N_("Take Photo"), N_("Clear photo"), N_("Switch camera"), N_("This app would like to use your camera."),
    N_("Learn how to allow access."), N_("Uploading..."),
    # numbers and dates
    N_("Decrement"), N_("Increment"), N_("Number is outside the allowed range."),
    N_("Number is above the allowed range."), N_("Number is below the allowed range."),
    N_("Choose date"), N_("Choose date range"), N_("Choose date and time"),
    N_("Clear date"), N_("Clear dates"), N_("Clear date and time"),
    N_("yyyy"), N_("mm"), N_("dd"),  # an empty date field's parts (Streamlit fixes its date fields to en-US)
    # tables, charts and pagination
    N_("Show/hide columns"), N_("Download as CSV"), N_("Search"), N_("Fullscreen"), N_("Close fullscreen"),
    N_("Show data"), N_("Download as PNG"), N_("Copy Vega-Lite spec"), N_("Pagination"), N_("Previous page"),
    N_("Next page"),
    # the page around the app
    N_("Skip to main content"), N_("Sidebar"), N_("Collapse sidebar"), N_("Expand sidebar"), N_("App pages"),
    N_("Link to heading"), N_("Help"), N_("Error"), N_("Close"), N_("Dismiss"), N_("Copy"), N_("progress"),
    N_("Running..."), N_("Stop"), N_("Stopping..."), N_("Rerun"), N_("Please wait..."), N_("Connecting"),
    N_("Connection error"),
    N_("Connection lost. Please wait for the app to reconnect, then try again."), N_("Reconnected to server."),
    N_("Page not found"),
    N_("The page that you have requested does not seem to exist. Running the app's main page."),
    # the box of an uncaught exception (client.showErrorDetails = "none"): streamlit.elements.exception
    N_("This app has encountered an error. The original error message is redacted to prevent data leaks. Full error "
       "details have been recorded in the logs (if you're on Streamlit Cloud, click on 'Manage app' in the lower "
       "right of your app)."),
)

# Texts with a variable part: (JavaScript pattern with named groups, English source with the same names).
PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^Help for (?<label>[\s\S]+)$", N_("Help for {label}")),
    (r"^(?<size>\d[\d.]*\s?[KMGT]?B) per file$", N_("{size} per file")),
    (r"^Number is outside the allowed range\. Please enter a value between (?<low>\S+) and (?<high>\S+)\.$",
     N_("Number is outside the allowed range. Please enter a value between {low} and {high}.")),
    (r"^Number is above the allowed range\. Please enter a value less than or equal to (?<high>\S+)\.$",
     N_("Number is above the allowed range. Please enter a value less than or equal to {high}.")),
    (r"^Number is below the allowed range\. Please enter a value greater than or equal to (?<low>\S+)\.$",
     N_("Number is below the allowed range. Please enter a value greater than or equal to {low}.")),
    # a date box's tooltip after a day beyond its bounds ("**Error**: …": the head goes through the colon rule)
    (r"^Date set outside allowed range\. Please select a date on or before (?<high>[\s\S]+)\.$",
     N_("Date set outside allowed range. Please select a date on or before {high}.")),
    (r"^Date set outside allowed range\. Please select a date on or after (?<low>[\s\S]+)\.$",
     N_("Date set outside allowed range. Please select a date on or after {low}.")),
    (r"^Date set outside allowed range\. Please select a date between (?<low>[\s\S]+) and (?<high>[\s\S]+)\.$",
     N_("Date set outside allowed range. Please select a date between {low} and {high}.")),
    (r"^Date and time set outside allowed range\. Please select a date and time on or before (?<high>[\s\S]+)\.$",
     N_("Date and time set outside allowed range. Please select a date and time on or before {high}.")),
    (r"^Date and time set outside allowed range\. Please select a date and time on or after (?<low>[\s\S]+)\.$",
     N_("Date and time set outside allowed range. Please select a date and time on or after {low}.")),
    (r"^Date and time set outside allowed range\. Please select a date and time between (?<low>[\s\S]+) and "
     r"(?<high>[\s\S]+)\.$",
     N_("Date and time set outside allowed range. Please select a date and time between {low} and {high}.")),
    (r"^Remove (?<option>[\s\S]+)$", N_("Remove {option}")),
    (r"^Select (?<count>\d+) matches$", N_("Select {count} matches")),
    (r"^Page (?<page>\d+)$", N_("Page {page}")),
    # what a select box announces to screen readers (a visually hidden live region)
    (r"^(?<count>\d+) options? available\.$", N_("{count} options available.")),
    (r"^(?<option>[\s\S]+), selected$", N_("{option}, selected")),
    (r"^(?<label>[\s\S]+) start date$", N_("{label} start date")),
    (r"^(?<label>[\s\S]+) end date$", N_("{label} end date")),
    (r"^You have requested page /(?<page>[\s\S]*), but no corresponding file was found in the app's pages/ "
     r"directory\. Running the app's main page\.$",
     N_("You have requested page /{page}, but no corresponding file was found in the app's pages/ directory. "
        "Running the app's main page.")),
)

# Tooltip and screen-reader labels only: never applied to page text, where a user's own words could match them.
LABEL_ONLY = frozenset({"Help for {label}", "Remove {option}", "{label} start date", "{label} end date"})

# Runs in the browser. Re-sent when the language changes (the body differs, so Streamlit runs it again); the observer
# is installed once per tab and only its dictionary is swapped.
_SCRIPT = """
<style>.stElementContainer:has(#portal-builtin-text){display:none}</style>
<span id="portal-builtin-text"></span>
<script>
(() => {
  const texts = __TEXTS__;
  const t = window.portalBuiltinText ||= {original: new WeakMap(), attrs: ["placeholder", "aria-label", "title"]};
  t.exact = new Map(Object.entries(texts.exact));
  t.patterns = texts.patterns.map(([source, target, labelOnly]) => [new RegExp(source), target, labelOnly]);
  const translate = (text, isLabel) => {
    const core = text.trim();
    if (!core) return null;
    let done = t.exact.get(core);
    if (done === undefined) {
      for (const [pattern, target, labelOnly] of t.patterns) {
        const m = labelOnly && !isLabel ? null : core.match(pattern);
        if (m) { done = target.replace(/\\{(\\w+)\\}/g, (_, name) => m.groups[name]); break; }
      }
    }
    // "Download as CSV: Complaints", "Error: Number is ...", "Choose date, 2999年12月": a known text, a colon or a
    // comma, more
    for (const [sep, shown] of [[": ", "："], [", ", "，"]]) {
      if (done !== undefined) break;
      const cut = core.indexOf(sep);
      const head = cut > 0 ? t.exact.get(core.slice(0, cut)) : undefined;
      const rest = core.slice(cut + 2);
      if (head !== undefined) done = head + shown + (translate(rest, isLabel) ?? rest);
    }
    return done === undefined ? null : text.replace(core, done);
  };
  const fix = (node, attr) => {
    const current = attr ? node.getAttribute(attr) : node.nodeValue;
    if (current === null) return;
    const store = t.original.get(node) || {};
    const key = attr || "#text";
    // the original English, unless the app has since written a new text there itself
    if (store[key] === undefined || store[key + "#shown"] !== current) store[key] = current;
    const shown = translate(store[key], Boolean(attr)) ?? store[key];
    store[key + "#shown"] = shown;
    t.original.set(node, store);
    if (shown !== current) attr ? node.setAttribute(attr, shown) : (node.nodeValue = shown);
  };
  const walk = (root) => {
    if (root.nodeType === Node.TEXT_NODE) return fix(root);
    if (root.nodeType !== Node.ELEMENT_NODE || root.closest("svg, script, style")) return;
    for (const el of [root, ...root.querySelectorAll("[placeholder], [aria-label], [title]")])
      for (const attr of t.attrs) if (el.hasAttribute && el.hasAttribute(attr)) fix(el, attr);
    const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = texts.nextNode(); n; n = texts.nextNode()) fix(n);
  };
  if (!t.observer) {
    t.observer = new MutationObserver((changes) => {
      for (const c of changes) {
        if (c.type === "characterData") fix(c.target);
        else if (c.type === "attributes") fix(c.target, c.attributeName);
        else c.addedNodes.forEach(walk);
      }
    });
    t.observer.observe(document.body, {childList: true, subtree: true, characterData: true, attributes: true,
                                       attributeFilter: t.attrs});
  }
  walk(document.body);
})();
</script>
"""


def builtin_texts() -> dict[str, object]:
    """Streamlit's English texts and their translations in the current language (nothing to replace in English)."""
    if current_language() == "en":
        return {"exact": {}, "patterns": []}
    exact = {text: _(text) for text in EXACT if _(text) != text}
    patterns = [[source, _(template), template in LABEL_ONLY]
                for source, template in PATTERNS if _(template) != template]
    return {"exact": exact, "patterns": patterns}


def translate_builtin_texts() -> None:
    """Keep Streamlit's own texts in the user's language on this page (call once per script run, early)."""
    # no "<" in the script's text: the HTML sanitizer drops a script whose text looks like markup ("(?<label>")
    body = json.dumps(builtin_texts(), ensure_ascii=False).replace("<", "\\u003c")
    st.html(_SCRIPT.replace("__TEXTS__", body), unsafe_allow_javascript=True)
