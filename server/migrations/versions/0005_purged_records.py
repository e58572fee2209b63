"""Purged records: the ids whose tombstones were purged, so they are never created again

Revision ID: 0005_purged_records
Revises: 0004_scope_moves
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005_purged_records'
down_revision = '0004_scope_moves'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('purged_record',
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('record_type', sa.String(length=32), nullable=False),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_purged_record'))
    )


def downgrade() -> None:
    op.drop_table('purged_record')
