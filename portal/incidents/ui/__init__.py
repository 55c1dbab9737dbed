"""The Streamlit pieces of the incident pages."""
