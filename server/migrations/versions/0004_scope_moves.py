"""Scope moves: scope exits for records that left a room or station, officers' service history

Revision ID: 0004_scope_moves
Revises: 0003_dashboard
Create Date: 2026-12-02

"""
import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004_scope_moves'
down_revision = '0003_dashboard'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scope_exit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('record_type', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('room_id', sa.Uuid(), nullable=True),
    sa.Column('station_id', sa.Uuid(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=True),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('wire', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scope_exit'))
    )
    with op.batch_alter_table('scope_exit', schema=None) as batch_op:
        batch_op.create_index('ix_scope_exit_type_seq', ['record_type', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_scope_exit_at'), ['at'], unique=False)

    service_period = op.create_table('service_period',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('room_id', sa.Uuid(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_service_period_person_id_person')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_service_period_room_id_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_period'))
    )
    with op.batch_alter_table('service_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_period_person_id'), ['person_id'], unique=False)

    # Every officer's current room is the one period known for them, open at both ends.
    person = sa.table('person', sa.column('id', sa.Uuid()), sa.column('room_id', sa.Uuid()),
                      sa.column('role', sa.String()))
    officers = op.get_bind().execute(sa.select(person.c.id, person.c.room_id).where(person.c.role == 'officer'))
    rows = [{'id': uuid.uuid4(), 'person_id': officer.id, 'room_id': officer.room_id, 'started_at': None,
             'ended_at': None} for officer in officers]
    if rows:
        op.bulk_insert(service_period, rows)


def downgrade() -> None:
    with op.batch_alter_table('service_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_period_person_id'))
    op.drop_table('service_period')
    with op.batch_alter_table('scope_exit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scope_exit_at'))
        batch_op.drop_index('ix_scope_exit_type_seq')
    op.drop_table('scope_exit')
