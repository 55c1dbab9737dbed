"""What `python -m portal run` serves: the portal's Streamlit script as an ASGI app with security headers.

`streamlit run serve.py` finds `app` and serves it (Streamlit's own server, same options and config)."""
import streamlit as st
from starlette.middleware import Middleware

from portal.web import SecurityHeaders

app = st.App("streamlit_app.py", middleware=[Middleware(SecurityHeaders)])
