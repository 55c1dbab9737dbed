"""Dashboards and monthly reports: metrics computed in PostgreSQL (GROUP BY over the period), charts built by
pure functions from those small DataFrames, and monthly reports (XLSX and print-ready HTML) assembled from both.

- `period`: the filters every chart of a page shares (date range, department, district) and their SQL.
- `charts`: pure Altair chart builders (DataFrame in, chart out).
- `report`: a monthly report's figures, charts and tables, and its XLSX / HTML spellings.
- `complaints`, `training`, `incidents`: each area's metrics and monthly report.
No module here imports streamlit; the pages and `portal.ui.dashboard` do.
"""
