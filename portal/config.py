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
    # minutes the portal's clock runs ahead (negative: behind) of the real one; for tests that need a time of day
    # (PORTAL_CLOCK_SHIFT_MINUTES): the database's own clock is not moved, so never set it in production
    clock_shift_minutes: int = 0
    # e-mail (PORTAL_SMTP_*): no host, no e-mail; tls is "none", "starttls" or "ssl"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_tls: str = "none"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_sender: str = "portal@localhost"
    smtp_timeout: float = 10.0
    # the text-message / chat gateway (PORTAL_GATEWAY_*): one outgoing webhook, signed with the secret; no URL, none
    gateway_url: str | None = None
    gateway_secret: str | None = None
    gateway_timeout: float = 10.0

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
        clock_shift_minutes=int(env.get("PORTAL_CLOCK_SHIFT_MINUTES") or 0),
        **_channel_settings(env),
    )


SMTP_TLS_MODES = ("none", "starttls", "ssl")
SMTP_DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


def _channel_settings(env) -> dict:
    """The e-mail and gateway settings (PORTAL_SMTP_*, PORTAL_GATEWAY_*), checked: a wrong TLS mode refuses to start."""
    tls = (env.get("PORTAL_SMTP_TLS") or "none").strip().lower()
    if tls not in SMTP_TLS_MODES:
        raise StartupRefused(f"PORTAL_SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)}, not {tls!r}.")
    return {
        "smtp_host": (env.get("PORTAL_SMTP_HOST") or "").strip() or None,
        "smtp_port": int(env.get("PORTAL_SMTP_PORT") or SMTP_DEFAULT_PORTS[tls]),
        "smtp_tls": tls,
        "smtp_user": env.get("PORTAL_SMTP_USER") or None,
        "smtp_password": env.get("PORTAL_SMTP_PASSWORD") or None,
        "smtp_sender": (env.get("PORTAL_SMTP_SENDER") or "portal@localhost").strip(),
        "smtp_timeout": float(env.get("PORTAL_SMTP_TIMEOUT") or 10),
        "gateway_url": (env.get("PORTAL_GATEWAY_URL") or "").strip() or None,
        "gateway_secret": env.get("PORTAL_GATEWAY_SECRET") or None,
        "gateway_timeout": float(env.get("PORTAL_GATEWAY_TIMEOUT") or 10),
    }
