"""The bench's tools: slow statements are caught and explained (fast ones are not), memory figures are sane."""
from sqlalchemy import select, text

from db.engine import unit_of_work
from db.models import Retailer
from portal.tools import bench_tools
from portal.tools.bench_tools import SlowQueries, current_rss_mb, peak_rss_mb, process_memory_mb, statement_shape


def test_a_slow_query_is_explained_and_a_fast_one_is_not(db):
    with SlowQueries(db) as recorder:
        with db.connect() as conn:
            for n in (1, 2, 3):
                conn.execute(text("select pg_sleep(0.06), :n as n"), {"n": n})  # slow: one shape, three runs
            conn.execute(text("select 1 + :n"), {"n": 5})  # fast
    with db.connect() as conn:
        conn.execute(text("select pg_sleep(0.06)"))  # after the recorder closed: not recorded
    assert recorder.statements == 4
    (slow,) = recorder.explained()
    assert slow.shape.count == 3 and slow.shape.max_ms >= 60 and "pg_sleep" in slow.shape.statement
    assert slow.summary[0].startswith("execution ") and "shared buffers hit" in slow.summary[0]
    execution_ms = float(slow.summary[0].split()[1])
    assert execution_ms >= 60  # EXPLAIN ANALYZE ran it again, with the recorded parameter
    assert slow.summary[1].startswith("top nodes: Result")
    report = recorder.report()
    assert report[0].startswith("Queries over 50 ms: 1 of 2 statement shapes (4 statements run)")
    assert any("pg_sleep" in line for line in report) and not any("1 + " in line for line in report)


def test_a_slow_scan_over_a_big_table_is_named(db):
    with unit_of_work(engine=db) as s:  # 20,000 rows, then a search no index serves
        s.execute(text("insert into retailers (license_no, shop_name, owner_name, district, business_type) "
                       "select 'L' || n, 'Shop ' || n, 'Owner', '城东区', 'other' from generate_series(1, 20000) n"))
        s.execute(text("analyze retailers"))
    query = select(Retailer.id).where(Retailer.shop_name.op("||")(text("''")) == "Shop 7")
    with SlowQueries(db, threshold_ms=0) as recorder, unit_of_work(engine=db) as s:
        assert s.scalars(query).all()
    (slow,) = [q for q in recorder.explained() if "retailers" in q.shape.statement]
    scans = [line for line in slow.summary if line.startswith("seq scan over retailers")]
    assert scans and "20,000 rows read" in scans[0] and "19,999 removed by filter" in scans[0]


def test_a_write_is_explained_without_changing_anything(db):
    with unit_of_work(engine=db) as s:
        s.execute(text("insert into retailers (license_no, shop_name, owner_name, district, business_type) "
                       "values ('L1', 'Shop', 'Owner', '城东区', 'other')"))
    with SlowQueries(db, threshold_ms=0) as recorder, db.begin() as conn:
        conn.execute(text("update retailers set shop_name = :name where license_no = 'L1'"), {"name": "Renamed"})
        conn.rollback()
    (update,) = [q for q in recorder.explained() if q.shape.statement.startswith("update")]
    assert update.summary[0].startswith("execution ")
    with unit_of_work(engine=db) as s:
        assert s.scalar(select(Retailer.shop_name)) == "Shop"  # EXPLAIN ANALYZE's update was rolled back


def test_a_statement_that_needs_its_session_says_why_it_was_not_explained(db):
    with SlowQueries(db, threshold_ms=0) as recorder, db.connect() as conn:
        conn.execute(text("create temporary table _probe as select 1 as n"))
        conn.execute(text("select n from _probe"))
    (probe,) = [q for q in recorder.explained() if q.shape.statement == "select n from _probe"]
    assert probe.summary[0].startswith("(EXPLAIN failed: ") and "_probe" in probe.summary[0]
    (create,) = [q for q in recorder.explained() if q.shape.statement.startswith("create")]
    assert create.summary == ["(not a query: not explained)"]


def test_statement_shapes_ignore_values_and_in_list_lengths():
    assert statement_shape("select * from t where a = %(a_1)s and b in (%(b_1)s, %(b_2)s)") == \
        statement_shape("select *\n  from t where a = %(a_2)s and b in (%(b_1)s, %(b_2)s, %(b_3)s)")
    assert statement_shape("select 1 where x = 'a'") == statement_shape("select 2 where x = 'b'")
    assert statement_shape("select a from t") != statement_shape("select b from t")


def test_memory_figures_are_this_process_in_megabytes():
    now, peak = current_rss_mb(), peak_rss_mb()
    assert 20 < now <= peak < 4096
    block = bytearray(64 * 2**20)  # touching 64 MB raises both
    block[::4096] = b"x" * len(block[::4096])
    assert current_rss_mb() > now + 50 and peak_rss_mb() >= current_rss_mb() - 1
    rss, hwm = process_memory_mb(bench_tools.os.getpid())
    assert abs(rss - current_rss_mb()) < 5 and hwm >= rss
    del block


def test_a_lost_click_is_counted_and_timed_again_and_a_second_loss_stops_the_browser_bench():
    import pytest
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    from portal.tools.bench_browser import once
    from portal.tools.bench_browser_steps import Steps
    from portal.tools.bench_browser_tab import Sample

    calls, opened = [], []

    def step(i: int):
        calls.append(i)
        if len(calls) in (2, 4, 5):  # the 2nd repetition is lost once; the 3rd twice
            raise PlaywrightTimeoutError("no result")
        return (lambda: None), "true"

    steps = Steps("complaints", "next page", tab=None, step=step, prepare=lambda: opened.append(True))
    steps.once = lambda i: (step(i), Sample(100.0 + i, 50.0, 0.0, 1))[1]
    lost: list[str] = []
    samples = [once(steps, i, "now", lost) for i in range(2)]
    assert [s.screen_ms for s in samples] == [100.0, 101.0] and calls == [0, 1, 1] and len(opened) == 1
    assert lost == ["complaints · next page (now), repetition 2"]
    with pytest.raises(PlaywrightTimeoutError):
        once(steps, 2, "now", lost)
    assert len(lost) == 2 and len(opened) == 2
