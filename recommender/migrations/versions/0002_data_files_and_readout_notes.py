"""ruleset data files; section notes in the readout

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    with op.batch_alter_table('ruleset_versions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('data_files', json_type, nullable=False, server_default=sa.text("'{}'"))
        )
    with op.batch_alter_table('section_notes', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('include_in_readout', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table('section_notes', schema=None) as batch_op:
        batch_op.drop_column('include_in_readout')
    with op.batch_alter_table('ruleset_versions', schema=None) as batch_op:
        batch_op.drop_column('data_files')
