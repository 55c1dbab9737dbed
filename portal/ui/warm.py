"""A server process's start: everything the pages import is loaded once, then kept out of the garbage collector.

A full collection walks every object the process holds: with pandas, Altair, SQLAlchemy's mappers and the portal
loaded, that walk cost more than a grid page's own script (~145 ms). The objects that live as long as the process —
modules, classes, mappers, compiled statements' caches — never become garbage, so after loading them the process
moves them to the collector's permanent generation (`gc.freeze`): a full collection then walks only what the sessions
made since. Streamlit's own full collection after every script run is off (`runner.postScriptGC` in
.streamlit/config.toml: even frozen, it was 35-50 ms of every click); Python's collector runs as usual, and the soak
in `python -m portal bench` watches the memory.
"""
from __future__ import annotations

import gc
import importlib
import pkgutil
from pathlib import Path

SKIP = ("portal.tools", "portal.__main__", "portal.cli")  # commands, not what a page imports


def load_portal_modules() -> int:
    """Import every module of `portal` and `db` the pages can reach; returns how many."""
    import altair  # noqa: F401 (the dashboards' charts)
    import pandas  # noqa: F401 (every grid)
    from sqlalchemy.orm import configure_mappers

    count = 0
    root = Path(__file__).resolve().parents[2]
    for package in ("db", "portal"):
        for info in pkgutil.walk_packages([str(root / package)], prefix=package + "."):
            if info.name.startswith(SKIP):
                continue
            importlib.import_module(info.name)
            count += 1
    configure_mappers()  # (else done by the first query, in some user's click)
    return count


def freeze_process() -> None:
    """Load what the pages use, collect once, and keep all of it out of later collections."""
    load_portal_modules()
    gc.collect()
    gc.freeze()
