"""answer changes in the audit log carry the discovery revision; presence of SAs on a discovery

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import recommender.models.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: entries written before this revision, and entries that are not answer
    # changes, have none.
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=True))
        batch_op.create_index(
            'ix_audit_log_target', ['target_type', 'target_id', 'revision'], unique=False
        )

    op.create_table('presence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('discovery_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.String(length=100), nullable=True),
    sa.Column('seen_at', recommender.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['discovery_id'], ['discoveries.id'], name=op.f('fk_presence_discovery_id_discoveries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_presence_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presence')),
    sa.UniqueConstraint('discovery_id', 'user_id', name=op.f('uq_presence_discovery_id'))
    )


def downgrade() -> None:
    op.drop_table('presence')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_target')
        batch_op.drop_column('revision')
