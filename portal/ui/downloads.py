"""Download files die with the signed-in session that was given them.

Streamlit serves every download button's file from `/media/<id>` to whoever has the link, and keeps a file no
session shows any more for one more script run (any session's). After sign-out nothing of the user's may stay
reachable, so `forget_downloads` deletes this session's files at once, and the callables that would make the
session's deferred downloads (exports made on click).
"""
from __future__ import annotations

from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx


def forget_downloads() -> None:
    """Delete the download files of this browser session (and any other file no session shows now), so their
    `/media` links answer 404; call on sign-out."""
    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return
    manager = runtime.get_instance().media_file_mgr
    manager.clear_session_refs(ctx.session_id)
    # Streamlit's own sweep (remove_orphaned_files) first marks and only deletes at the next run; there is no
    # public call that deletes now, so this uses the manager's lock and helpers as that sweep does.
    with manager._lock:
        for file_id in manager._get_inactive_file_ids():
            manager._delete_file(file_id)
        manager._remove_orphaned_deferred_callables()
