"""A device's push answers indexed by age, for the daily prune

Revision ID: 0013_mutation_device_received
Revises: 0012_wire_lz4
Create Date: 2026-12-02

The upkeep worker prunes old push answers (``server.syncing.maintenance``): it finds the
devices with answers older than the cutoff, then deletes each one's old answers. Both read
``received_at``, which had no index, so each ran over the whole ``sync_mutation`` table, the
biggest one (a row per pushed mutation). ``(device_id, received_at)`` replaces the index on
``device_id`` alone, which every lookup by device still uses as its first column, so a push
maintains one index on the table, as before.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_mutation_device_received'
down_revision = '0012_wire_lz4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_sync_mutation_device_received', 'sync_mutation', ['device_id', 'received_at'])
    op.drop_index('ix_sync_mutation_device_id', table_name='sync_mutation')


def downgrade() -> None:
    op.create_index('ix_sync_mutation_device_id', 'sync_mutation', ['device_id'])
    op.drop_index('ix_sync_mutation_device_received', table_name='sync_mutation')
