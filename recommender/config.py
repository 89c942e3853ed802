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
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") != "0",
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "PREQUAL_RATE_LIMIT": env.get("PREQUAL_RATE_LIMIT", "20 per minute;200 per day"),
        # Readout PDFs render in a child process stopped after this many seconds.
        "READOUT_PDF_TIMEOUT": float(env.get("READOUT_PDF_TIMEOUT", "60")),
        # Per-IP budget of the public shared-readout pages (/r/<token>) and their PDFs.
        "SHARE_RATE_LIMIT": env.get("SHARE_RATE_LIMIT", "30 per minute;300 per day"),
        # How often a worker checks whether a new ruleset version became active.
        "RULESET_REFRESH_SECONDS": float(env.get("RULESET_REFRESH_SECONDS", "0.5")),
    }
