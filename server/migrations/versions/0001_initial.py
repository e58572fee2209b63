"""Initial schema: organisation, devices, venues, field records, ledger

Revision ID: 0001_initial
Revises: 
Create Date: 2026-11-28

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    ledger = op.create_table(
        "ledger",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("audit_count", sa.BigInteger(), nullable=False),
        sa.Column("audit_head", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger")),
    )
    op.bulk_insert(ledger, [{"id": 1, "seq": 0, "audit_count": 0, "audit_head": ""}])
    op.create_table('audit_entry',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('device_id', sa.Uuid(), nullable=True),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('record_type', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=True),
    sa.Column('record_version', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry')),
    sa.UniqueConstraint('entry_hash', name=op.f('uq_audit_entry_entry_hash'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_record_id'), ['record_id'], unique=False)

    op.create_table('checklist_template',
    sa.Column('venue_kind', sa.String(length=32), nullable=False),
    sa.Column('title_zh', sa.String(length=80), nullable=False),
    sa.Column('title_en', sa.String(length=120), nullable=False),
    sa.Column('items', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.CheckConstraint("venue_kind IN ('hotel', 'internet_cafe', 'rental_housing', 'entertainment', 'shop', 'enterprise', 'transport_enterprise')", name=op.f('ck_checklist_template_venue_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_template')),
    sa.UniqueConstraint('venue_kind', name=op.f('uq_checklist_template_venue_kind'))
    )
    with op.batch_alter_table('checklist_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_template_seq'), ['seq'], unique=False)

    op.create_table('login_failure',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_username'), ['username'], unique=False)

    op.create_table('station',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('district', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station')),
    sa.UniqueConstraint('name', name=op.f('uq_station_name'))
    )
    op.create_table('room',
    sa.Column('station_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('brand', sa.String(length=80), nullable=False),
    sa.Column('community', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_room_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room'))
    )
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_room_seq'), ['seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_room_station_id'), ['station_id'], unique=False)

    op.create_table('person',
    sa.Column('username', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=60), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('room_id', sa.Uuid(), nullable=True),
    sa.Column('station_id', sa.Uuid(), nullable=True),
    sa.Column('star_level', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.CheckConstraint("(role = 'officer' AND room_id IS NOT NULL AND station_id IS NOT NULL) OR (role = 'chief' AND room_id IS NULL AND station_id IS NOT NULL) OR (role = 'admin' AND room_id IS NULL AND station_id IS NULL)", name=op.f('ck_person_role_scope')),
    sa.CheckConstraint("role IN ('officer', 'chief', 'admin')", name=op.f('ck_person_role')),
    sa.CheckConstraint('star_level BETWEEN 0 AND 5', name=op.f('ck_person_star_level')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_person_room_id_room')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_person_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('username', name=op.f('uq_person_username'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_seq'), ['seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_station_id'), ['station_id'], unique=False)

    op.create_table('venue',
    sa.Column('room_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('responsible_person', sa.String(length=60), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('location', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('risk_level', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('hotel', 'internet_cafe', 'rental_housing', 'entertainment', 'shop', 'enterprise', 'transport_enterprise')", name=op.f('ck_venue_kind')),
    sa.CheckConstraint("risk_level IN ('low', 'medium', 'high')", name=op.f('ck_venue_risk_level')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_venue_room_id_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venue'))
    )
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venue_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_venue_seq'), ['seq'], unique=False)

    op.create_table('device',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('platform', sa.String(length=40), nullable=False),
    sa.Column('app_version', sa.String(length=40), nullable=False),
    sa.Column('schema_version', sa.Integer(), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_address', sa.String(length=64), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Uuid(), nullable=True),
    sa.Column('revoke_reason', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_device_person_id_person')),
    sa.ForeignKeyConstraint(['revoked_by'], ['person.id'], name=op.f('fk_device_revoked_by_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device'))
    )
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_person_id'), ['person_id'], unique=False)

    op.create_table('inspection',
    sa.Column('venue_id', sa.Uuid(), nullable=False),
    sa.Column('room_id', sa.Uuid(), nullable=False),
    sa.Column('officer_id', sa.Uuid(), nullable=False),
    sa.Column('inspected_at_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('inspected_offset_min', sa.SmallInteger(), nullable=False),
    sa.Column('template_id', sa.Uuid(), nullable=True),
    sa.Column('template_version', sa.Integer(), nullable=True),
    sa.Column('checklist', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('hazard_level', sa.String(length=16), nullable=False),
    sa.Column('rectification_required', sa.Boolean(), nullable=False),
    sa.Column('rectification_deadline', sa.Date(), nullable=True),
    sa.Column('photo_hashes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('signature_hash', sa.String(length=64), nullable=True),
    sa.Column('location', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('reviewer_id', sa.Uuid(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.CheckConstraint("hazard_level IN ('none', 'minor', 'major', 'severe')", name=op.f('ck_inspection_hazard_level')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'returned')", name=op.f('ck_inspection_status')),
    sa.ForeignKeyConstraint(['officer_id'], ['person.id'], name=op.f('fk_inspection_officer_id_person')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['person.id'], name=op.f('fk_inspection_reviewer_id_person')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_inspection_room_id_room')),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_inspection_venue_id_venue')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection'))
    )
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_inspected_at_utc'), ['inspected_at_utc'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_seq'), ['seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_venue_id'), ['venue_id'], unique=False)

    op.create_table('access_token',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], name=op.f('fk_access_token_device_id_device')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_access_token_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_access_token_token_hash'))
    )
    with op.batch_alter_table('access_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_token_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_token_person_id'), ['person_id'], unique=False)

    op.create_table('followup',
    sa.Column('venue_id', sa.Uuid(), nullable=False),
    sa.Column('room_id', sa.Uuid(), nullable=False),
    sa.Column('officer_id', sa.Uuid(), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('inspection_id', sa.Uuid(), nullable=True),
    sa.Column('case_number', sa.String(length=40), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('visited_at_utc', sa.DateTime(timezone=True), nullable=True),
    sa.Column('visited_offset_min', sa.SmallInteger(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('rectified', sa.Boolean(), nullable=True),
    sa.Column('satisfaction', sa.String(length=24), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('photo_hashes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.CheckConstraint("satisfaction IS NULL OR satisfaction IN ('satisfied', 'basically_satisfied', 'dissatisfied')", name=op.f('ck_followup_satisfaction')),
    sa.CheckConstraint("status IN ('planned', 'done', 'cancelled')", name=op.f('ck_followup_status')),
    sa.CheckConstraint("subject_kind IN ('rectification', 'case')", name=op.f('ck_followup_subject_kind')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_followup_inspection_id_inspection')),
    sa.ForeignKeyConstraint(['officer_id'], ['person.id'], name=op.f('fk_followup_officer_id_person')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_followup_room_id_room')),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_followup_venue_id_venue')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup'))
    )
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_seq'), ['seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_venue_id'), ['venue_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followup_venue_id'))
        batch_op.drop_index(batch_op.f('ix_followup_status'))
        batch_op.drop_index(batch_op.f('ix_followup_seq'))
        batch_op.drop_index(batch_op.f('ix_followup_room_id'))
        batch_op.drop_index(batch_op.f('ix_followup_officer_id'))
        batch_op.drop_index(batch_op.f('ix_followup_due_date'))

    op.drop_table('followup')
    with op.batch_alter_table('access_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_token_person_id'))
        batch_op.drop_index(batch_op.f('ix_access_token_device_id'))

    op.drop_table('access_token')
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_venue_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_status'))
        batch_op.drop_index(batch_op.f('ix_inspection_seq'))
        batch_op.drop_index(batch_op.f('ix_inspection_room_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_officer_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_inspected_at_utc'))

    op.drop_table('inspection')
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_person_id'))

    op.drop_table('device')
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_venue_seq'))
        batch_op.drop_index(batch_op.f('ix_venue_room_id'))

    op.drop_table('venue')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_station_id'))
        batch_op.drop_index(batch_op.f('ix_person_seq'))
        batch_op.drop_index(batch_op.f('ix_person_room_id'))

    op.drop_table('person')
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_room_station_id'))
        batch_op.drop_index(batch_op.f('ix_room_seq'))

    op.drop_table('room')
    op.drop_table('station')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failure_username'))
        batch_op.drop_index(batch_op.f('ix_login_failure_at'))
        batch_op.drop_index(batch_op.f('ix_login_failure_address'))

    op.drop_table('login_failure')
    op.drop_table('ledger')
    with op.batch_alter_table('checklist_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_template_seq'))

    op.drop_table('checklist_template')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_record_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))

    op.drop_table('audit_entry')
