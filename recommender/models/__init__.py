"""SQLAlchemy 2 typed models. Schema changes go through Alembic (recommender/migrations)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from recommender.models.base import Base, JSONType, UTCDateTime, utcnow

ROLES = ("sa", "author", "admin")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # flask-login protocol
    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def name(self) -> str:
        return self.display_name or self.email

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class Account(Base):
    """A customer organisation."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    discoveries: Mapped[list[Discovery]] = relationship(back_populates="account")


class QuestionnaireVersion(Base):
    """One immutable version of a questionnaire definition (forms/*.yaml)."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("form_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    source: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Discovery(Base):
    """An SA's discovery for an account, pinned to the questionnaire version it started with."""

    __tablename__ = "discoveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    # Bumped on every saved change; lets clients notice others' edits.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", use_alter=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    account: Mapped[Account] = relationship(back_populates="discoveries")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="discovery", cascade="all, delete-orphan"
    )
    notes: Mapped[list[SectionNote]] = relationship(
        back_populates="discovery", cascade="all, delete-orphan"
    )


class Answer(Base):
    """One stored answer; `version` is the optimistic-concurrency token for that answer."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("discovery_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    discovery_id: Mapped[int] = mapped_column(ForeignKey("discoveries.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    discovery: Mapped[Discovery] = relationship(back_populates="answers")
    updated_by: Mapped[User | None] = relationship()


class SectionNote(Base):
    """Free-text notes an SA keeps per questionnaire section."""

    __tablename__ = "section_notes"
    __table_args__ = (UniqueConstraint("discovery_id", "section_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    discovery_id: Mapped[int] = mapped_column(ForeignKey("discoveries.id", ondelete="CASCADE"))
    section_id: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text, default="")
    # Shown in the readout (the customer-facing report) only when the SA says so.
    include_in_readout: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    discovery: Mapped[Discovery] = relationship(back_populates="notes")


class Ruleset(Base):
    """A named ruleset; exactly one of its published versions is active."""

    __tablename__ = "rulesets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("ruleset_versions.id", use_alter=True, name="fk_rulesets_active_version")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    active_version: Mapped[RulesetVersion | None] = relationship(
        foreign_keys=[active_version_id], post_update=True
    )


class RulesetVersion(Base):
    """A ruleset's YAML source: a draft (version is None) or an immutable published version."""

    __tablename__ = "ruleset_versions"
    __table_args__ = (UniqueConstraint("ruleset_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ruleset_id: Mapped[int] = mapped_column(ForeignKey("rulesets.id"), index=True)
    version: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    source: Mapped[str] = mapped_column(Text)
    # Gherkin scenarios kept with the ruleset version (feature-file text).
    scenarios: Mapped[str] = mapped_column(Text, default="")
    # The data files the ruleset's `data:` names (file name -> YAML text), versioned with it.
    data_files: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    checksum: Mapped[str] = mapped_column(String(64))
    # `engine.loader.check_marker(checksum)` once these texts passed the checks: workers then
    # load the version without checking it again (NULL: check it when loading).
    checked: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # `engine.loader.stored_form(...)`: the checked texts' parsed data as JSON, so workers
    # skip the YAML (NULL: parse it). Deferred: only compiled_version reads it.
    parsed: Mapped[str | None] = mapped_column(Text, nullable=True, deferred=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    ruleset: Mapped[Ruleset] = relationship(foreign_keys=[ruleset_id])


class AuditEntry(Base):
    """Who did what, when, with a diff of what changed."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(50))
    target_type: Mapped[str] = mapped_column(String(50))
    target_id: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text, default="")
    diff: Mapped[str] = mapped_column(Text, default="")
    # For answer changes: the discovery revision the change made, so that open workspaces
    # can ask what changed since the revision they show (NULL for other entries).
    revision: Mapped[int | None] = mapped_column(Integer, nullable=True)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id", "revision"),)


class Presence(Base):
    """Who has a discovery open, and on which section: one row per user and discovery,
    refreshed by the workspace's poll; rows not refreshed for a while no longer count."""

    __tablename__ = "presence"
    __table_args__ = (UniqueConstraint("discovery_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    discovery_id: Mapped[int] = mapped_column(ForeignKey("discoveries.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    section_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()


class ReportSnapshot(Base):
    """A stored recommendation report: enough to reproduce it exactly later."""

    __tablename__ = "report_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    discovery_id: Mapped[int] = mapped_column(ForeignKey("discoveries.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ruleset_name: Mapped[str] = mapped_column(String(100))
    ruleset_version: Mapped[int] = mapped_column(Integer)
    ruleset_version_id: Mapped[int | None] = mapped_column(ForeignKey("ruleset_versions.id"))
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # The readout (recommender.readout.build_readout) as it was built with the snapshot;
    # None for snapshots made before readouts existed (built on the fly from answers/result).
    readout: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)

    created_by: Mapped[User | None] = relationship()


class ShareLink(Base):
    """A read-only link that shows one snapshot's readout to the customer without a login.

    Only the sha256 of the token is stored; the token itself is shown once, to the SA who
    made the link. A link works until `expires_at`, or until it is revoked."""

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("report_snapshots.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    open_count: Mapped[int] = mapped_column(Integer, default=0)
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    snapshot: Mapped[ReportSnapshot] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])


class Lead(Base):
    """A self-serve pre-qualification submission (draft until submitted)."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of the resume token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|submitted|converted
    step_reached: Mapped[int] = mapped_column(Integer, default=1)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    tier: Mapped[str | None] = mapped_column(String(20))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    utm_source: Mapped[str] = mapped_column(String(200), default="")
    utm_medium: Mapped[str] = mapped_column(String(200), default="")
    utm_campaign: Mapped[str] = mapped_column(String(200), default="")
    ref: Mapped[str] = mapped_column(String(200), default="")
    discovery_id: Mapped[int | None] = mapped_column(ForeignKey("discoveries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_leads_status_created", "status", "created_at"),)


class UserSession(Base):
    """A login: the browser's session cookie carries a random token whose hash is stored
    here, so a session can be ended on the server (logout, a password change, an admin's
    "sign out everywhere", idleness) and a copied cookie stops working."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: logout | password | signed_out | idle
    ended_reason: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(64), default="")


class Job(Base):
    """A background job (impact preview or lint of a draft): its state, progress and, once
    finished, its result (kept JOB_RESULT_HOURS). Every web worker reads it here, whichever
    process runs the job (services/jobs.py)."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # impact | lint
    ruleset: Mapped[str] = mapped_column(String(100), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    backend: Mapped[str] = mapped_column(String(10))  # inline | rq
    #: queued | running | finished | failed | cancelled
    state: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    chunks_done: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")


__all__ = [
    "ROLES",
    "Account",
    "Answer",
    "AuditEntry",
    "Base",
    "Discovery",
    "Job",
    "Lead",
    "Presence",
    "QuestionnaireVersion",
    "ReportSnapshot",
    "Ruleset",
    "RulesetVersion",
    "SectionNote",
    "ShareLink",
    "User",
    "UserSession",
]

