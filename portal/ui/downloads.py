"""Download files die with the sign-in that was given them.

Streamlit serves every download button's file from `/media/<id>` to whoever has the link, and keeps a file no
session shows any more until a later script run (any session's) sweeps it. After sign-out nothing of the user's
may stay reachable, so `forget_downloads` deletes at once the files of every browser tab signed in with the same
session token (the tabs share the cookie), and the callables that would make their deferred downloads.
"""
from __future__ import annotations

import threading
from collections import defaultdict

from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

_TABS: dict[str, set[str]] = defaultdict(set)  # portal session token -> Streamlit session ids signed in with it
_TABS_LOCK = threading.Lock()


def _this_tab() -> str | None:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None and runtime.exists() else None


def note_signed_in(token: str) -> None:
    """Remember that this browser tab is signed in with `token` (call when a sign-in or cookie is accepted)."""
    tab = _this_tab()
    if tab is not None:
        with _TABS_LOCK:
            _TABS[token].add(tab)


def forget_downloads(token: str | None) -> None:
    """Delete the download files of this tab and of every tab signed in with `token` (and any file no tab shows
    now), so their `/media` links answer 404; call on sign-out."""
    tab = _this_tab()
    if tab is None:
        return
    with _TABS_LOCK:
        tabs = {tab} | (_TABS.pop(token, set()) if token else set())
    manager = runtime.get_instance().media_file_mgr
    for session_id in tabs:
        manager.clear_session_refs(session_id)
    # Streamlit's own sweep (remove_orphaned_files) first marks a file and deletes it a run later; there is no
    # public call that deletes now, so this uses the manager's lock and helpers the way that sweep does.
    with manager._lock:
        for file_id in manager._get_inactive_file_ids():
            manager._delete_file(file_id)
        manager._remove_orphaned_deferred_callables()
