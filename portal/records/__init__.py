"""The Airtable-style records layer: tables described once, everything generic derived from that.

No streamlit here: fields, filters -> SQL, paged queries and counts, validation, editing, saved views,
history, import and export. The Streamlit pieces that draw these live in portal/ui/.
"""
