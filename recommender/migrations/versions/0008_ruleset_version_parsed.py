"""ruleset_versions.parsed: a checked version's parsed data as JSON, so workers load it
without parsing its YAML

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ruleset_versions") as batch:
        batch.add_column(sa.Column("parsed", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ruleset_versions") as batch:
        batch.drop_column("parsed")
