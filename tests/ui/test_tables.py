"""portal/ui/tables.py: a table's empty cells are empty, not Streamlit's English "None"."""
from streamlit.testing.v1 import AppTest


def _app():
    import pandas as pd

    from portal.ui.tables import data_editor, data_table

    data_table(pd.DataFrame({"brand": ["云烟(紫)"], "cartons": pd.Series([None], dtype="Int64")}))
    data_editor(pd.DataFrame({"brand": ["云烟(紫)"], "cartons": pd.Series([None], dtype="Int64")}), key="lines")
    data_table(pd.DataFrame({"brand": ["云烟(紫)"]}), placeholder="—")  # (a page may still say otherwise)


def test_empty_cells_are_drawn_empty():
    at = AppTest.from_function(_app).run()
    assert not at.exception
    said = [(e.proto.HasField("placeholder"), e.proto.placeholder) for e in at.dataframe]  # (unset: "None")
    assert said == [(True, ""), (True, ""), (True, "—")] and at.data_editor[0].proto.HasField("placeholder")
