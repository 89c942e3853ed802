"""ruleset_versions.checked: the marker of a published version whose texts passed the checks,
so workers load it without checking it again

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ruleset_versions") as batch:
        batch.add_column(sa.Column("checked", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ruleset_versions") as batch:
        batch.drop_column("checked")
