"""What `python -m portal run` serves: the portal's Streamlit script as an ASGI app with security headers.

`streamlit run serve.py` finds `app` and serves it (Streamlit's own server, same options and config). Before that,
the process loads what the pages use and keeps it out of the garbage collector's way (portal/ui/warm.py)."""
import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

from portal.ui.warm import freeze_process
from portal.web import KnownBackend, SecurityHeaders

freeze_process()
# The portal's menu is st.navigation's (streamlit_app.py). Until a script has called it, a Streamlit process with a
# pages/ folder runs in its old "pages directory" mode: after every start, until somebody opened the front page, a
# page's address (a bookmark, a link, a tab reconnecting) ran that page's file alone, under a menu of every file in
# pages/. The flag st.navigation sets, set before the first visitor (tests/test_fresh_server_browser.py).
PagesManager.uses_pages_directory = False
app = st.App("streamlit_app.py", middleware=[
    Middleware(SecurityHeaders), Middleware(KnownBackend, base_path=st.get_option("server.baseUrlPath") or "")])
