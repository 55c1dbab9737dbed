"""The bench's memory soak: a real `streamlit run` server driven by chromium across the pages, its own memory read
from /proc (what the 400 MB bound is about)."""
import pytest

from portal.tools.soak import RSS_LIMIT_MB, soak
from tests.conftest import TEST_PASSWORD
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)

pytestmark = pytest.mark.e2e


def test_the_soak_drives_a_real_server_through_the_pages_and_reads_its_memory(db, directory, tmp_path):
    result = soak("sup", TEST_PASSWORD, interactions=12, log=tmp_path / "soak.log")
    assert result.interactions == 12 and sum(result.kinds.values()) == 12
    assert result.kinds["page"] >= 8 and result.kinds.get("search", 0) >= 1  # the retailers grid was searched
    assert [n for n, _mb in result.samples] == [0, 12]
    assert 50 < result.start_mb <= result.peak_mb and result.end_mb <= result.peak_mb < 4096
    lines = result.lines()
    assert "over 12 interactions in a real browser" in lines[0]
    assert f"the {RSS_LIMIT_MB} MB bound" in lines[1]
