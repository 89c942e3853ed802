"""Throttling of failed logins, per account and per client address.

Only failures count. After `LOGIN_FAILURES_PER_ACCOUNT` failures for one email (or
`LOGIN_FAILURES_PER_IP` from one address) within the window, further attempts are refused
until the window has moved on, even with the right password: a temporary lockout that
makes guessing impractical. A successful login clears the account's count.

The counters live on the same storage as the other rate limits (`RATELIMIT_STORAGE_URI`:
Redis in production, shared by every worker; memory in the embedded default, per process).
When that storage cannot be reached, counting falls back to this process's memory rather
than failing the login page.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

EXTENSION = "login_throttle"


@dataclass(frozen=True)
class Refusal:
    """Why a login attempt is refused before its password is checked."""

    scope: str  # "account" | "address"
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
        if self.scope == "account":
            return (
                "Too many failed logins for this account. For its safety, logging in is "
                f"paused: try again in {wait}, or ask an admin to reset the password."
            )
        return f"Too many failed logins from your network. Try again in {wait}."


class LoginThrottle:
    """Counts failed logins per account and per address on a `limits` storage."""

    def __init__(self, uri: str, per_account: str, per_ip: str, enabled: bool = True) -> None:
        self.enabled = enabled
        self.uri = uri
        self.per_account: list[RateLimitItem] = parse_many(per_account) if per_account else []
        self.per_ip: list[RateLimitItem] = parse_many(per_ip) if per_ip else []
        self.storage: Storage = self._storage(uri)
        self.fallback = MovingWindowRateLimiter(MemoryStorage())
        self.limiter = MovingWindowRateLimiter(self.storage)

    @staticmethod
    def _storage(uri: str) -> Storage:
        try:
            storage = storage_from_string(uri)
            if isinstance(storage, Storage):
                return storage
            raise ValueError(f"{uri} names an asyncio storage")
        except Exception:  # a bad or unreachable URI: count in this process
            log.warning("login throttle: cannot use %s; counting in memory", uri, exc_info=True)
            return MemoryStorage()

    def _keys(self, email: str, address: str) -> list[tuple[str, RateLimitItem, str]]:
        account = hashlib.sha256(email.encode("utf-8")).hexdigest()[:32]
        return [
            *(("account", item, account) for item in self.per_account),
            *(("address", item, address) for item in self.per_ip),
        ]

    def _call(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self.limiter, method)(*args)
        except Exception:  # storage down: keep counting in memory, never fail the page
            log.warning("login throttle: storage unavailable; counting in memory", exc_info=True)
            return getattr(self.fallback, method)(*args)

    def check(self, email: str, address: str) -> Refusal | None:
        """A refusal when either budget is spent, else None."""
        if not self.enabled:
            return None
        for scope, item, key in self._keys(email, address):
            if not self._call("test", item, "login-fail", scope, key):
                stats = self._call("get_window_stats", item, "login-fail", scope, key)
                return Refusal(scope, max(1, int(stats.reset_time - time.time())))
        return None

    def failed(self, email: str, address: str) -> None:
        if not self.enabled:
            return
        for scope, item, key in self._keys(email, address):
            self._call("hit", item, "login-fail", scope, key)

    def succeeded(self, email: str) -> None:
        """Clear the account's count (the address's stays: it may be guessing others)."""
        if not self.enabled:
            return
        for scope, item, key in self._keys(email, ""):
            if scope == "account":
                self._call("clear", item, "login-fail", scope, key)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = LoginThrottle(
        app.config.get("LOGIN_THROTTLE_STORAGE_URI") or app.config["RATELIMIT_STORAGE_URI"],
        app.config["LOGIN_FAILURES_PER_ACCOUNT"],
        app.config["LOGIN_FAILURES_PER_IP"],
        enabled=bool(app.config.get("LOGIN_THROTTLE_ENABLED", True)),
    )


def throttle() -> LoginThrottle:
    found: LoginThrottle = current_app.extensions[EXTENSION]
    return found
