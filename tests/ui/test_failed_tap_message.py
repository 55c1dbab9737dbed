"""A tap whose action did not reach the database (forms.guarded_callback) says so, and promises that typed input is
kept only when there was some (a "Mark read" tap on a page without forms promises nothing)."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _tapped_page() -> None:
    import streamlit as st
    from sqlalchemy.exc import OperationalError

    from portal.ui import forms

    forms.show_failed_callback()
    if st.session_state.get("with_form"):
        forms.form_defaults("note.", {"text": ""})
        st.text_input("Note", key="note.text")

    def unreachable() -> None:
        raise OperationalError("update", {}, Exception("connection refused"))

    st.button("Tap", key="tap", on_click=forms.guarded_callback(unreachable))


def _warnings_after_a_tap(*, with_form: bool) -> list[str]:
    at = AppTest.from_function(_tapped_page)
    at.session_state["with_form"] = with_form
    at.run()
    if with_form:
        at.text_input(key="note.text").input("客户下午再来电").run()
    at.button(key="tap").click().run()
    assert not at.exception, at.exception
    assert at.button(key="_forms.retry_callback") is not None
    return [w.value for w in at.warning]


def test_a_tap_on_a_page_without_typed_input_promises_nothing_about_it():
    assert _warnings_after_a_tap(with_form=False) == [
        "The database did not answer, so this was not saved. Press Retry once the database is back: Retry saves it."]


def test_a_tap_beside_typed_input_says_that_it_is_kept():
    assert _warnings_after_a_tap(with_form=True) == [
        "The database did not answer, so this was not saved. What you typed is kept. Press Retry once the database "
        "is back: Retry saves it."]
