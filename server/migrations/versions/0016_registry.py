"""Rental housing registry: houses, occupants' registrations and residence-permit applications

Revision ID: 0016_registry
Revises: 0015_vehicles
Create Date: 2026-12-03

Names, document numbers and phones are kept sealed (``server.privacy``): their columns are text
holding ciphertext, and ``*_index`` the blind index of the searchable document number. The
``wire`` column of these tables is sealed whole. No data moves: the tables are new.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0016_registry'
down_revision = '0015_vehicles'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rental_house',
    sa.Column('room_id', sa.Uuid(), nullable=False),
    sa.Column('officer_id', sa.Uuid(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('venue_id', sa.Uuid(), nullable=True),
    sa.Column('landlord_name', sa.Text(), nullable=False),
    sa.Column('landlord_id_number', sa.Text(), nullable=False),
    sa.Column('landlord_id_number_index', sa.String(length=64), nullable=True),
    sa.Column('landlord_phone', sa.Text(), nullable=False),
    sa.Column('units', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('last_verified_at_utc', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_verified_offset_min', sa.SmallInteger(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('wire', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('let', 'vacant', 'closed')", name=op.f('ck_rental_house_status')),
    sa.ForeignKeyConstraint(['officer_id'], ['person.id'], name=op.f('fk_rental_house_officer_id_person')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_rental_house_room_id_room')),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_rental_house_venue_id_venue')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rental_house'))
    )
    with op.batch_alter_table('rental_house', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rental_house_landlord_id_number_index'), ['landlord_id_number_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_rental_house_room_id'), ['room_id'], unique=False)
        batch_op.create_index('ix_rental_house_room_seq', ['room_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_rental_house_seq'), ['seq'], unique=False)

    op.create_table('occupant',
    sa.Column('house_id', sa.Uuid(), nullable=False),
    sa.Column('room_id', sa.Uuid(), nullable=False),
    sa.Column('officer_id', sa.Uuid(), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('full_name', sa.Text(), nullable=False),
    sa.Column('document_kind', sa.String(length=16), nullable=False),
    sa.Column('document_number', sa.Text(), nullable=False),
    sa.Column('document_number_index', sa.String(length=64), nullable=True),
    sa.Column('nationality', sa.String(length=3), nullable=False),
    sa.Column('visa_type', sa.String(length=2), nullable=False),
    sa.Column('phone', sa.Text(), nullable=False),
    sa.Column('household_place', sa.Text(), nullable=False),
    sa.Column('employer', sa.Text(), nullable=False),
    sa.Column('arrived_at_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('arrived_offset_min', sa.SmallInteger(), nullable=False),
    sa.Column('registered_at_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registered_offset_min', sa.SmallInteger(), nullable=False),
    sa.Column('moved_out_at_utc', sa.DateTime(timezone=True), nullable=True),
    sa.Column('moved_out_offset_min', sa.SmallInteger(), nullable=True),
    sa.Column('verification', sa.String(length=16), nullable=False),
    sa.Column('earlier_registration', sa.Boolean(), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('wire', sa.Text(), nullable=False),
    sa.CheckConstraint("document_kind IN ('resident_id', 'passport')", name=op.f('ck_occupant_document_kind')),
    sa.CheckConstraint("verification IN ('document_seen', 'landlord', 'self_declared')", name=op.f('ck_occupant_verification')),
    sa.ForeignKeyConstraint(['house_id'], ['rental_house.id'], name=op.f('fk_occupant_house_id_rental_house')),
    sa.ForeignKeyConstraint(['officer_id'], ['person.id'], name=op.f('fk_occupant_officer_id_person')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_occupant_room_id_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occupant'))
    )
    with op.batch_alter_table('occupant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occupant_document_number_index'), ['document_number_index'], unique=False)
        batch_op.create_index('ix_occupant_house', ['house_id', 'moved_out_at_utc'], unique=False)
        batch_op.create_index(batch_op.f('ix_occupant_room_id'), ['room_id'], unique=False)
        batch_op.create_index('ix_occupant_room_seq', ['room_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_occupant_seq'), ['seq'], unique=False)

    op.create_table('residence_permit',
    sa.Column('occupant_id', sa.Uuid(), nullable=False),
    sa.Column('room_id', sa.Uuid(), nullable=False),
    sa.Column('officer_id', sa.Uuid(), nullable=False),
    sa.Column('applied_at_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('applied_offset_min', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('accepted_at_utc', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_offset_min', sa.SmallInteger(), nullable=True),
    sa.Column('decided_at_utc', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_offset_min', sa.SmallInteger(), nullable=True),
    sa.Column('permit_number', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('wire', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('applied', 'accepted', 'issued', 'refused')", name=op.f('ck_residence_permit_status')),
    sa.ForeignKeyConstraint(['occupant_id'], ['occupant.id'], name=op.f('fk_residence_permit_occupant_id_occupant')),
    sa.ForeignKeyConstraint(['officer_id'], ['person.id'], name=op.f('fk_residence_permit_officer_id_person')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_residence_permit_room_id_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residence_permit'))
    )
    with op.batch_alter_table('residence_permit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residence_permit_occupant_id'), ['occupant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_permit_room_id'), ['room_id'], unique=False)
        batch_op.create_index('ix_residence_permit_room_seq', ['room_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_residence_permit_seq'), ['seq'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('residence_permit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residence_permit_seq'))
        batch_op.drop_index('ix_residence_permit_room_seq')
        batch_op.drop_index(batch_op.f('ix_residence_permit_room_id'))
        batch_op.drop_index(batch_op.f('ix_residence_permit_occupant_id'))

    op.drop_table('residence_permit')
    with op.batch_alter_table('occupant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_occupant_seq'))
        batch_op.drop_index('ix_occupant_room_seq')
        batch_op.drop_index(batch_op.f('ix_occupant_room_id'))
        batch_op.drop_index('ix_occupant_house')
        batch_op.drop_index(batch_op.f('ix_occupant_document_number_index'))

    op.drop_table('occupant')
    with op.batch_alter_table('rental_house', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rental_house_seq'))
        batch_op.drop_index('ix_rental_house_room_seq')
        batch_op.drop_index(batch_op.f('ix_rental_house_room_id'))
        batch_op.drop_index(batch_op.f('ix_rental_house_landlord_id_number_index'))

    op.drop_table('rental_house')
