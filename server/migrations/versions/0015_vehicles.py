"""Vehicle files (一车一档): one server-written record per plate reported

Revision ID: 0015_vehicles
Revises: 0014_work_orders
Create Date: 2026-12-03

The server writes a plate's file whenever a report naming it is made or changes
(``server.operations.vehicles``). No file is backfilled: 0014 and 0015 ship together, so no
database holds orders from before it.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0015_vehicles'
down_revision = '0014_work_orders'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('vehicle',
    sa.Column('plate', sa.String(length=10), nullable=False),
    sa.Column('colour', sa.String(length=20), nullable=False),
    sa.Column('make', sa.String(length=40), nullable=False),
    sa.Column('report_count', sa.Integer(), nullable=False),
    sa.Column('first_reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recent_reports', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('wire', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicle')),
    sa.UniqueConstraint('plate', name=op.f('uq_vehicle_plate'))
    )
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicle_seq'), ['seq'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vehicle_seq'))

    op.drop_table('vehicle')
