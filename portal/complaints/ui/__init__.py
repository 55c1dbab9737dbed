"""The Streamlit pieces of the complaint pages."""
