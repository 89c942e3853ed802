"""Fixtures for the hardening tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask


@pytest.fixture
def other_app(app: Flask) -> Callable[[dict[str, Any]], Any]:
    """other_app(config) -> a context manager giving a second app with other settings.

    `db` is bound to one app at a time: the second app's engine is disposed afterwards and
    the test's own app bound again, so no database connection outlives the test."""
    from recommender import create_app
    from recommender.extensions import db

    @contextmanager
    def _other(config: dict[str, Any]) -> Iterator[Flask]:
        engine, sessionmaker = db.engine, db.sessionmaker
        other = create_app(config)
        try:
            yield other
        finally:
            if db.engine is not None and db.engine is not engine:
                db.engine.dispose()
            db.engine, db.sessionmaker = engine, sessionmaker

    return _other
