"""Questionnaire versions in the database: load forms/*.yaml, find the latest, cache models.

Versions are immutable: an edited file must bump `version`, so discoveries pinned to an older
version keep their exact questions.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from recommender.errors import RecommenderError
from recommender.extensions import db
from recommender.models import QuestionnaireVersion
from recommender.questionnaire import Questionnaire, load_questionnaire_text

_cache: dict[tuple[int, str], Questionnaire] = {}
_cache_lock = threading.Lock()


def checksum(source: str) -> str:
    """sha256 of a definition's source text."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def load_directory(path: str | Path | None = None) -> list[str]:
    """Validate every *.yaml in FORMS_DIR (or `path`) and store new versions.

    Returns labels ("sa_discovery v1") of what was inserted. An unchanged version is skipped;
    a changed file with the same version is refused (bump `version`). Raises DefinitionError
    when a file has problems, before anything is stored.
    """
    directory = Path(path or current_app.config["FORMS_DIR"])
    files = sorted(directory.glob("*.yaml"))
    loaded = [(load_questionnaire_text(f.read_text(encoding="utf-8"), str(f)), f) for f in files]
    inserted: list[str] = []
    with db.transaction() as session:
        for q, f in loaded:
            source = f.read_text(encoding="utf-8")
            digest = checksum(source)
            existing = session.scalar(
                select(QuestionnaireVersion).where(
                    QuestionnaireVersion.form_id == q.id, QuestionnaireVersion.version == q.version
                )
            )
            if existing is not None:
                if existing.checksum != digest:
                    raise RecommenderError(
                        f"{f}: questionnaire '{q.id}' version {q.version} is already loaded with "
                        "different content; bump `version` to publish a change"
                    )
                continue
            session.add(
                QuestionnaireVersion(
                    form_id=q.id,
                    version=q.version,
                    title=q.title,
                    definition=q.to_dict(),
                    source=source,
                    checksum=digest,
                )
            )
            inserted.append(f"{q.id} v{q.version}")
    return inserted


def latest(form_id: str) -> QuestionnaireVersion | None:
    """The highest stored version of a questionnaire, or None."""
    return db.session.scalar(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.form_id == form_id)
        .order_by(QuestionnaireVersion.version.desc())
        .limit(1)
    )


def get_version(version_id: int) -> QuestionnaireVersion | None:
    """A stored questionnaire version by id, or None."""
    return db.session.get(QuestionnaireVersion, version_id)


def questionnaire_for(row: QuestionnaireVersion) -> Questionnaire:
    """The Questionnaire of a stored version (cached per process; versions are immutable)."""
    with _cache_lock:
        # Keyed by content too: ids are reused when a database is emptied and reloaded.
        key = (row.id, row.checksum)
        q = _cache.get(key)
        if q is None:
            q = Questionnaire.from_dict(row.definition)
            _cache[key] = q
        return q
