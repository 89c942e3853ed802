"""Configuration defaults and their environment overrides (read when the app is built)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else a random key kept in instance/ across restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        return key


def default_database_url(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'recommender.db'}"


def load_config(instance_path: str) -> dict[str, Any]:
    env = os.environ
    https = env.get("RECOMMENDER_HTTPS", "0") == "1"
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "DATABASE_URL": env.get("DATABASE_URL") or default_database_url(instance_path),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "FORMS_DIR": env.get("RECOMMENDER_FORMS_DIR") or str(PROJECT_ROOT / "forms"),
        "RULES_DIR": env.get("RECOMMENDER_RULES_DIR") or str(PROJECT_ROOT / "rules"),
        # Request size cap: answers and rulesets are small; anything bigger is hostile.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 512 * 1024)),
        "MAX_FORM_MEMORY_SIZE": int(env.get("MAX_FORM_MEMORY_SIZE", 256 * 1024)),
        "WTF_CSRF_TIME_LIMIT": None,
        # Served over HTTPS (RECOMMENDER_HTTPS=1, see docs/operations.md): cookies are
        # `Secure` and every response carries HSTS.
        "HTTPS": https,
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # A login ends after this long without a request (an SA's working day and more).
        "SESSION_IDLE_MINUTES": float(env.get("SESSION_IDLE_MINUTES", 12 * 60)),
        "HSTS_MAX_AGE": int(env.get("HSTS_MAX_AGE", 31536000)),
        # Behind N reverse proxies that set X-Forwarded-For/-Proto (for the client address
        # in login throttling and for `request.is_secure`).
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") != "0",
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        # Failed logins allowed per account and per client address before a pause
        # (services/login_throttle.py); POST /login itself is limited per address too.
        "LOGIN_THROTTLE_ENABLED": env.get("LOGIN_THROTTLE_ENABLED", "1") != "0",
        # Where failed logins are counted (default: RATELIMIT_STORAGE_URI).
        "LOGIN_THROTTLE_STORAGE_URI": env.get("LOGIN_THROTTLE_STORAGE_URI") or None,
        "LOGIN_FAILURES_PER_ACCOUNT": env.get("LOGIN_FAILURES_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_FAILURES_PER_IP": env.get("LOGIN_FAILURES_PER_IP", "30 per 15 minutes"),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "20 per minute"),
        "PREQUAL_RATE_LIMIT": env.get("PREQUAL_RATE_LIMIT", "20 per minute;200 per day"),
        # Readout PDFs render in a child process stopped after this many seconds.
        "READOUT_PDF_TIMEOUT": float(env.get("READOUT_PDF_TIMEOUT", "60")),
        # Per-IP budget of the public shared-readout pages (/r/<token>) and their PDFs.
        "SHARE_RATE_LIMIT": env.get("SHARE_RATE_LIMIT", "30 per minute;300 per day"),
        # How often a worker checks whether a new ruleset version became active.
        "RULESET_REFRESH_SECONDS": float(env.get("RULESET_REFRESH_SECONDS", "0.5")),
        # How often an open workspace tab asks for other people's changes (while visible).
        "LIVE_POLL_SECONDS": float(env.get("LIVE_POLL_SECONDS", "3")),
        # Background jobs (impact preview, lint; services/jobs.py): with REDIS_URL on RQ
        # (`recommender worker`), else a thread of the web process. Saved discoveries and
        # leads per chunk; how long results are kept; the RQ queue and Redis key prefix;
        # when an in-process job without a heartbeat counts as stopped.
        "JOB_CHUNK_SIZE": int(env.get("JOB_CHUNK_SIZE", "2000")),
        "JOB_RESULT_HOURS": float(env.get("JOB_RESULT_HOURS", "24")),
        "JOB_RESULT_MAX_ROWS": int(env.get("JOB_RESULT_MAX_ROWS", "5000")),
        "JOBS_QUEUE": env.get("JOBS_QUEUE", "recommender"),
        "JOBS_REDIS_PREFIX": env.get("JOBS_REDIS_PREFIX", "recommender:jobs:"),
        "JOB_STALE_SECONDS": float(env.get("JOB_STALE_SECONDS", "120")),
        # An RQ chunk whose worker has not renewed its lease for this long is run again.
        "JOB_LEASE_SECONDS": float(env.get("JOB_LEASE_SECONDS", "15")),
        # Up to this many saved discoveries and leads the impact and lint pages compute
        # in the request (well under a second); beyond, they start a background job.
        "JOBS_INLINE_LIMIT": int(env.get("JOBS_INLINE_LIMIT", "2000")),
    }
