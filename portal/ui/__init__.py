"""Reusable Streamlit pieces. Only this package and pages/ import streamlit."""
