"""The bench's memory soak: a real `streamlit run` server driven by chromium across the pages, its own memory read
from /proc (what the 400 MB bound is about)."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal.tools.soak import RSS_LIMIT_MB, soak
from tests.conftest import TEST_PASSWORD
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)

pytestmark = pytest.mark.e2e


def test_the_soak_drives_a_real_server_through_the_pages_and_reads_its_memory(db, directory, tmp_path):
    # in a thread of its own: the soak starts Playwright itself, and Playwright's sync API refuses to start in a thread
    # where one runs already (this worker's `browser` fixture, once another browser test ran here)
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(soak, "sup", TEST_PASSWORD, interactions=12, log=tmp_path / "soak.log").result()
    assert result.interactions == 12 and sum(result.kinds.values()) == 12
    assert result.kinds["page"] >= 8 and result.kinds.get("search", 0) >= 1  # the retailers grid was searched
    assert [n for n, _mb in result.samples] == [0, 12]
    assert 50 < result.start_mb <= result.peak_mb and result.end_mb <= result.peak_mb < 4096
    lines = result.lines()
    assert "over 12 interactions in a real browser" in lines[0]
    assert f"the {RSS_LIMIT_MB} MB bound" in lines[1]
