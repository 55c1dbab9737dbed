"""What `python -m portal run` serves: the portal's Streamlit script as an ASGI app with security headers.

`streamlit run serve.py` finds `app` and serves it (Streamlit's own server, same options and config). Before that,
the process loads what the pages use and keeps it out of the garbage collector's way (portal/ui/warm.py)."""
import streamlit as st
from starlette.middleware import Middleware

from portal.ui.warm import freeze_process
from portal.web import SecurityHeaders

freeze_process()
app = st.App("streamlit_app.py", middleware=[Middleware(SecurityHeaders)])
