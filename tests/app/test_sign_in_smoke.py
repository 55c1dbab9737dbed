from streamlit.testing.v1 import AppTest

from tests.conftest import TEST_PASSWORD


def test_sign_in_smoke(db):
    at = AppTest.from_file(str(__import__("portal.config").config.ROOT / "streamlit_app.py"), default_timeout=30).run()
    assert not at.exception, at.exception
    at.text_input(key="sign_in_login").input("admin")
    at.text_input(key="sign_in_password").input(TEST_PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    at.switch_page("pages/home.py").run()  # AppTest keeps the sign-in page; a browser lands on home
    assert at.title[0].value.startswith("Welcome")
