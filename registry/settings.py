"""Settings from the environment, with safe defaults for a zero-set-up demo."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _var_dir() -> Path:
    path = Path(os.environ.get("VAR_DIR", ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into ./var (never committed)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = _var_dir() / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8000
    debug: bool = False
    scheduler: bool = True
    scheduler_poll_seconds: float = 5.0  # how often each process campaigns to lead the scheduler
    warm_index: bool = False  # build the search index when a server process starts
    smtp_url: str | None = None
    secure_cookies: bool = False
    max_upload_bytes: int = 5 * 1024 * 1024
    demo_password: str = "demo-password-2026"
    # What `socreg restore` accepts from an archive (registry/backup.py::RestoreLimits).
    restore_max_member_bytes: int = 4 * 1024**3
    restore_max_line_bytes: int = 32 * 1024**2
    restore_max_manifest_bytes: int = 4 * 1024**2
    restore_max_ratio: float = 200.0
    # Sign-in throttling (registry/accounts/throttle.py): failures counted in a sliding window.
    signin_window_seconds: int = 15 * 60
    signin_max_failures: int = 5  # per account
    signin_max_ip_failures: int = 20  # per client address, over every account it tries
    # Registrations (and password-reset requests) one client address may make per hour.
    registrations_per_hour: int = 5
    # Reverse proxies whose X-Forwarded-For is believed (CIDR list; empty: believe none).
    trusted_proxies: tuple[str, ...] = ()
    # Public-sector email domains whose staff may register as buyers (subdomains included).
    buyer_email_domains: tuple[str, ...] = ()
    # The address people reach the service at, for links in e-mails (never the Host header).
    public_url: str = ""
    # Background workers (registry/jobs/worker.py). Threads inside each app process: 0 when
    # served (`socreg serve` starts a worker process instead); the tests' default of 1 keeps a
    # bare create_app() self-sufficient.
    worker_threads: int = 1
    worker_lease_seconds: float = 30.0  # a dead worker's job is taken over after this long
    worker_nice: int = 19  # `socreg worker` lowers its CPU priority by this much (0 to keep it)
    secret_key_from_env: bool = False  # SECRET_KEY was set (needed with several workers or hosts)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")


def cli_tracebacks() -> bool:
    """SOCREG_DEBUG=1: an internal error in a socreg command shows its traceback."""
    return os.environ.get("SOCREG_DEBUG") == "1"


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in value.split(",") if part.strip())


def load_settings() -> Settings:
    default_db = f"sqlite:///{_var_dir() / 'registry.sqlite3'}"
    return Settings(
        database_url=normalise_database_url(os.environ.get("DATABASE_URL", default_db)),
        secret_key=_secret_key(),
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        debug=os.environ.get("DEBUG", "") == "1",
        scheduler=os.environ.get("SCHEDULER", "on").lower() in {"on", "1", "true", "yes"},
        scheduler_poll_seconds=float(os.environ.get("SCHEDULER_POLL_SECONDS", "5")),
        warm_index=os.environ.get("WARM_INDEX", "on").lower() in {"on", "1", "true", "yes"},
        smtp_url=os.environ.get("SMTP_URL") or None,
        secure_cookies=os.environ.get("SECURE_COOKIES", "") == "1",
        max_upload_bytes=int(os.environ.get("MAX_UPLOAD_BYTES", str(5 * 1024 * 1024))),
        demo_password=os.environ.get("DEMO_PASSWORD", "demo-password-2026"),
        restore_max_member_bytes=int(os.environ.get("RESTORE_MAX_MEMBER_BYTES", str(4 * 1024**3))),
        restore_max_line_bytes=int(os.environ.get("RESTORE_MAX_LINE_BYTES", str(32 * 1024**2))),
        restore_max_manifest_bytes=int(os.environ.get("RESTORE_MAX_MANIFEST_BYTES", str(4 * 1024**2))),
        restore_max_ratio=float(os.environ.get("RESTORE_MAX_RATIO", "200")),
        signin_window_seconds=int(os.environ.get("SIGNIN_WINDOW_SECONDS", str(15 * 60))),
        signin_max_failures=int(os.environ.get("SIGNIN_MAX_FAILURES", "5")),
        signin_max_ip_failures=int(os.environ.get("SIGNIN_MAX_IP_FAILURES", "20")),
        registrations_per_hour=int(os.environ.get("REGISTRATIONS_PER_HOUR", "5")),
        trusted_proxies=_csv(os.environ.get("TRUSTED_PROXIES", "")),
        buyer_email_domains=_csv(os.environ.get("BUYER_EMAIL_DOMAINS", "")),
        public_url=os.environ.get("PUBLIC_URL", "").rstrip("/"),
        worker_threads=int(os.environ.get("WORKER_THREADS", "0")),
        worker_lease_seconds=float(os.environ.get("WORKER_LEASE_SECONDS", "30")),
        worker_nice=int(os.environ.get("WORKER_NICE", "19")),
        secret_key_from_env=bool(os.environ.get("SECRET_KEY")),
    )
