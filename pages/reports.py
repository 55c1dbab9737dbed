"""Monthly reports: complaint analysis (投诉分析), training summary (培训记录汇总表) and incident summary for a chosen
month — figures with month-over-month change, charts and tables — to download as XLSX or print-ready HTML."""
import streamlit as st

from db.engine import unit_of_work
from portal.dashboards.monthly import AREAS, monthly_report, report_areas, report_months
from portal.dashboards.report import format_change, format_value, shown, to_html, to_xlsx
from portal.i18n import _, current_language, set_language
from portal.ui.dashboard import draw_chart
from portal.ui.session import page_user
from portal.ui.tables import data_table

user = page_user("dashboards.view")
st.title(_("Monthly reports"))
areas = report_areas(user)
if not areas:
    st.info(_("Your roles do not include any area with a monthly report."))
    st.stop()
months = {f"{m:%Y-%m}": m for m in report_months()}
default_month = list(months)[1]  # the month that just ended: the one usually handed in
with st.container(horizontal=True, vertical_alignment="bottom"):
    area = st.segmented_control(_("Report"), areas, format_func=lambda a: _(AREAS[a][0]), default=areas[0],
                                key="area", bind="query-params", required=True)
    month_key = st.selectbox(_("Month"), list(months), index=list(months).index(default_month), key="month",
                             bind="query-params", width=160)
with unit_of_work(user.id) as s:
    report = monthly_report(s, actor=user, area=area or areas[0], month=months[month_key])

language = current_language()


def _deferred(spell):
    """Made when the button is clicked, in its own thread: in the reader's language."""
    def build():
        set_language(language)
        return spell(report)
    return build


with st.container(horizontal=True):
    st.download_button(_("Download XLSX"), data=_deferred(to_xlsx), file_name=f"{report.file_stem}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:", key="report_xlsx")
    st.download_button(_("Download for printing (HTML)"), data=_deferred(to_html), file_name=f"{report.file_stem}.html",
                       mime="text/html", icon=":material/print:", key="report_html")
st.subheader(f"{report.title} · {report.month:%Y-%m}")
for note in report.notes:
    st.caption(note)
columns = st.columns(4)
for i, figure in enumerate(report.figures):
    change = format_change(figure)
    columns[i % 4].metric(figure.label, format_value(figure.kind, figure.value), border=True,
                          delta=None if change == "—" else _("{change} vs previous month").format(change=change),
                          delta_color="off", delta_arrow="off",
                          help=_("Target: {target}").format(target=format_value(figure.kind, figure.target))
                          if figure.target is not None else None)
for title, chart in report.charts:
    st.markdown(f"**{title}**")
    draw_chart(chart, description=title)
for title, table in report.tables:
    st.markdown(f"**{title}**")
    if table.empty:
        st.caption(_("No rows."))
    else:
        data_table(shown(table), hide_index=True)
