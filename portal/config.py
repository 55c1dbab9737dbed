"""Settings from the environment and `.env` (python-dotenv), exposed as one Settings object."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
TRUE = {"1", "true", "yes", "on"}


class StartupRefused(Exception):
    """A setting the portal does not start with; the message names the setting and the rule (for the console)."""


@dataclass(frozen=True)
class Settings:
    """Every setting the portal reads; `.env.example` documents each one."""

    database_url: str | None
    database_owner_url: str | None
    data_dir: Path
    admin_password: str | None
    demo_data: bool
    session_timeout_minutes: int
    log_level: str
    default_language: str
    timezone: str
    sso_domains: tuple[str, ...] = ()  # e-mail domains single sign-on may sign in (PORTAL_SSO_DOMAINS)
    base_url: str = "http://localhost:8501"  # the address staff open the portal at (printed QR codes link to it)
    scan_schedule: str = "* * * * *"  # cron line of the periodic scans; empty: this worker schedules none
    worker: bool = True  # `portal run` starts the notifications worker beside the server (PORTAL_WORKER)

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once per process (`.env` first, the real environment wins)."""
    load_dotenv(ROOT / ".env", override=False)
    env = os.environ
    return Settings(
        database_url=env.get("DATABASE_URL") or None,
        database_owner_url=env.get("DATABASE_OWNER_URL") or None,
        data_dir=Path(env.get("PORTAL_DATA_DIR", ROOT / ".portal")).expanduser().resolve(),
        admin_password=env.get("PORTAL_ADMIN_PASSWORD") or None,
        demo_data=env.get("PORTAL_DEMO_DATA", "false").strip().lower() in TRUE,
        session_timeout_minutes=int(env.get("PORTAL_SESSION_TIMEOUT_MINUTES", "30")),
        log_level=env.get("PORTAL_LOG_LEVEL", "INFO").upper(),
        default_language=env.get("PORTAL_DEFAULT_LANGUAGE", "zh_CN"),
        timezone=env.get("PORTAL_TIMEZONE", "Asia/Shanghai"),
        sso_domains=tuple(d.strip().lower().lstrip("@") for d in env.get("PORTAL_SSO_DOMAINS", "").split(",")
                          if d.strip()),
        base_url=(env.get("PORTAL_BASE_URL") or "http://localhost:8501").strip().rstrip("/"),
        scan_schedule=env.get("PORTAL_SCAN_SCHEDULE", "* * * * *").strip(),
        worker=env.get("PORTAL_WORKER", "1").strip().lower() in TRUE,
    )
