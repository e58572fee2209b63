"""Each device remembers the ledger position of its latest write, for reading a standby after it

Revision ID: 0010_device_written_seq
Revises: 0009_dashboard_indexes
Create Date: 2026-12-02

Existing devices start at 0, nothing to wait for: right when the standby is added after this
upgrade, as the runbook has it.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_device_written_seq'
down_revision = '0009_dashboard_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('written_seq', sa.BigInteger(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_column('written_seq')
