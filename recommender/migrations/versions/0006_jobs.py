"""background jobs (impact preview and lint of a draft): state, progress, result

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import recommender.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ruleset", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("backend", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("params", recommender.models.base.JSONType, nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("chunks_done", sa.Integer(), nullable=False),
        sa.Column("created_at", recommender.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", recommender.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", recommender.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", recommender.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result", recommender.models.base.JSONType, nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_jobs_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_ruleset"), "jobs", ["ruleset"], unique=False)
    op.create_index(op.f("ix_jobs_state"), "jobs", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_jobs_state"), table_name="jobs")
    op.drop_index(op.f("ix_jobs_ruleset"), table_name="jobs")
    op.drop_table("jobs")
