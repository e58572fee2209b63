"""Sync engine: wire cache, mutations, conflicts, quarantine, blobs

Revision ID: 0002_sync_engine
Revises: 0001_initial
Create Date: 2026-11-28

"""
import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from server.syncing.wire import rebuild_wire

# revision identifiers, used by Alembic.
revision = '0002_sync_engine'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sync_mutation',
    sa.Column('mutation_id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('record_type', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('mutation_id', name=op.f('pk_sync_mutation'))
    )
    with op.batch_alter_table('sync_mutation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_mutation_device_id'), ['device_id'], unique=False)

    op.create_table('blob',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by', sa.Uuid(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by'], ['person.id'], name=op.f('fk_blob_uploaded_by_person')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_blob'))
    )
    op.create_table('quarantined_mutation',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('mutation_id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('record_type', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('errors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_quarantined_mutation_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantined_mutation')),
    sa.UniqueConstraint('mutation_id', name=op.f('uq_quarantined_mutation_mutation_id'))
    )
    with op.batch_alter_table('quarantined_mutation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarantined_mutation_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_quarantined_mutation_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quarantined_mutation_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quarantined_mutation_status'), ['status'], unique=False)

    op.create_table('sync_conflict',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('record_type', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('room_id', sa.Uuid(), nullable=True),
    sa.Column('mutation_id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('server_version', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Uuid(), nullable=True),
    sa.Column('resolution', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('result_version', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_sync_conflict_person_id_person')),
    sa.ForeignKeyConstraint(['resolved_by'], ['person.id'], name=op.f('fk_sync_conflict_resolved_by_person')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_sync_conflict_room_id_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_conflict'))
    )
    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_conflict_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_conflict_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_conflict_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_conflict_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_conflict_status'), ['status'], unique=False)

    op.create_table('blob_ref',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('room_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_blob_ref_room_id_room')),
    sa.ForeignKeyConstraint(['sha256'], ['blob.sha256'], name=op.f('fk_blob_ref_sha256_blob')),
    sa.PrimaryKeyConstraint('sha256', 'record_id', name=op.f('pk_blob_ref'))
    )
    with op.batch_alter_table('blob_ref', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blob_ref_room_id'), ['room_id'], unique=False)

    with op.batch_alter_table('checklist_template', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wire', sa.Text(), nullable=False, server_default='{}'))

    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_push_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_pull_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wire', sa.Text(), nullable=False, server_default='{}'))

    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wire', sa.Text(), nullable=False, server_default='{}'))

    with op.batch_alter_table('ledger', schema=None) as batch_op:
        batch_op.add_column(sa.Column('epoch', sa.String(length=36), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('purged_seq', sa.BigInteger(), nullable=False, server_default='0'))



    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wire', sa.Text(), nullable=False, server_default='{}'))

    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wire', sa.Text(), nullable=False, server_default='{}'))

    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wire', sa.Text(), nullable=False, server_default='{}'))

    for table in ("venue", "inspection", "followup"):
        op.create_index(f"ix_{table}_room_seq", table, ["room_id", "seq"])
    op.execute(sa.text("UPDATE ledger SET epoch = :epoch").bindparams(epoch=str(uuid.uuid4())))
    rebuild_wire(op.get_bind())


def downgrade() -> None:
    for table in ("venue", "inspection", "followup"):
        op.drop_index(f"ix_{table}_room_seq", table_name=table)
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.drop_column('wire')

    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.drop_column('wire')

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('wire')

    with op.batch_alter_table('ledger', schema=None) as batch_op:
        batch_op.drop_column('purged_seq')
        batch_op.drop_column('epoch')

    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_column('wire')

    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.drop_column('wire')

    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_column('last_pull_at')
        batch_op.drop_column('last_push_at')

    with op.batch_alter_table('checklist_template', schema=None) as batch_op:
        batch_op.drop_column('wire')

    with op.batch_alter_table('blob_ref', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blob_ref_room_id'))

    op.drop_table('blob_ref')
    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_conflict_status'))
        batch_op.drop_index(batch_op.f('ix_sync_conflict_room_id'))
        batch_op.drop_index(batch_op.f('ix_sync_conflict_record_id'))
        batch_op.drop_index(batch_op.f('ix_sync_conflict_person_id'))
        batch_op.drop_index(batch_op.f('ix_sync_conflict_created_at'))

    op.drop_table('sync_conflict')
    with op.batch_alter_table('quarantined_mutation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantined_mutation_status'))
        batch_op.drop_index(batch_op.f('ix_quarantined_mutation_person_id'))
        batch_op.drop_index(batch_op.f('ix_quarantined_mutation_device_id'))
        batch_op.drop_index(batch_op.f('ix_quarantined_mutation_created_at'))

    op.drop_table('quarantined_mutation')
    op.drop_table('blob')
    with op.batch_alter_table('sync_mutation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_mutation_device_id'))

    op.drop_table('sync_mutation')
