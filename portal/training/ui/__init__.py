"""The Streamlit pieces of the training pages."""
