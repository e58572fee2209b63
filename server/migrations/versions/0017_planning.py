"""Planning the beat: schedule rules, assignments and notices

Revision ID: 0017_planning
Revises: 0016_registry
Create Date: 2026-12-04

Three new synced record types (``sync.planning``). Nothing is backfilled: the upkeep plans
each venue's scheduled inspection once a station has schedule rules.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017_planning'
down_revision = '0016_registry'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('schedule_rule',
    sa.Column('station_id', sa.Uuid(), nullable=False),
    sa.Column('venue_kind', sa.String(length=32), nullable=True),
    sa.Column('risk_level', sa.String(length=16), nullable=True),
    sa.Column('interval_days', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('wire', sa.Text(), nullable=False),
    sa.CheckConstraint("risk_level IS NULL OR risk_level IN ('low', 'medium', 'high')", name=op.f('ck_schedule_rule_risk_level')),
    sa.CheckConstraint("venue_kind IS NULL OR venue_kind IN ('hotel', 'internet_cafe', 'rental_housing', 'entertainment', 'shop', 'enterprise', 'transport_enterprise')", name=op.f('ck_schedule_rule_venue_kind')),
    sa.CheckConstraint('interval_days BETWEEN 1 AND 366', name=op.f('ck_schedule_rule_interval_days')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_schedule_rule_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_rule'))
    )
    with op.batch_alter_table('schedule_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedule_rule_seq'), ['seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_schedule_rule_station_id'), ['station_id'], unique=False)

    op.create_table('notice',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('wire', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('log_returned', 'assigned', 'order_changed', 'conflict_resolved', 'change_refused', 'submitted', 'missed', 'handed_back', 'withdrawn', 'conflict_waiting', 'under_attack')", name=op.f('ck_notice_kind')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_notice_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index('ix_notice_person_seq', ['person_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_seq'), ['seq'], unique=False)
        batch_op.create_index('ix_notice_subject', ['subject_id', 'kind'], unique=False)

    op.create_table('assignment',
    sa.Column('room_id', sa.Uuid(), nullable=False),
    sa.Column('officer_id', sa.Uuid(), nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('venue_id', sa.Uuid(), nullable=True),
    sa.Column('case_number', sa.String(length=40), nullable=False),
    sa.Column('visit_whom', sa.String(length=120), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('assigned_by', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('inspection_id', sa.Uuid(), nullable=True),
    sa.Column('followup_id', sa.Uuid(), nullable=True),
    sa.Column('done_at_utc', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_offset_min', sa.SmallInteger(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('commented_at_utc', sa.DateTime(timezone=True), nullable=True),
    sa.Column('commented_offset_min', sa.SmallInteger(), nullable=True),
    sa.Column('missed_on', sa.Date(), nullable=True),
    sa.Column('handed_back_reason', sa.String(length=16), nullable=True),
    sa.Column('handed_back_from', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('wire', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('inspection', 'case_revisit')", name=op.f('ck_assignment_kind')),
    sa.CheckConstraint("origin IN ('schedule', 'chief')", name=op.f('ck_assignment_origin')),
    sa.CheckConstraint("status IN ('open', 'done', 'missed', 'handed_back', 'cancelled')", name=op.f('ck_assignment_status')),
    sa.ForeignKeyConstraint(['assigned_by'], ['person.id'], name=op.f('fk_assignment_assigned_by_person')),
    sa.ForeignKeyConstraint(['followup_id'], ['followup.id'], name=op.f('fk_assignment_followup_id_followup')),
    sa.ForeignKeyConstraint(['handed_back_from'], ['person.id'], name=op.f('fk_assignment_handed_back_from_person')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_assignment_inspection_id_inspection')),
    sa.ForeignKeyConstraint(['officer_id'], ['person.id'], name=op.f('fk_assignment_officer_id_person')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_assignment_room_id_room')),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_assignment_venue_id_venue')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment'))
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_officer', ['officer_id', 'status'], unique=False)
        batch_op.create_index('ix_assignment_room_seq', ['room_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_seq'), ['seq'], unique=False)
        batch_op.create_index('ix_assignment_status_due', ['status', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_venue_id'), ['venue_id'], unique=False)
        batch_op.create_index('uq_assignment_scheduled', ['venue_id', 'due_date'], unique=True, sqlite_where=sa.text("origin = 'schedule'"), postgresql_where=sa.text("origin = 'schedule'"))



def downgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index('uq_assignment_scheduled', sqlite_where=sa.text("origin = 'schedule'"), postgresql_where=sa.text("origin = 'schedule'"))
        batch_op.drop_index(batch_op.f('ix_assignment_venue_id'))
        batch_op.drop_index('ix_assignment_status_due')
        batch_op.drop_index(batch_op.f('ix_assignment_seq'))
        batch_op.drop_index('ix_assignment_room_seq')
        batch_op.drop_index('ix_assignment_officer')

    op.drop_table('assignment')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_subject')
        batch_op.drop_index(batch_op.f('ix_notice_seq'))
        batch_op.drop_index('ix_notice_person_seq')

    op.drop_table('notice')
    with op.batch_alter_table('schedule_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_rule_station_id'))
        batch_op.drop_index(batch_op.f('ix_schedule_rule_seq'))

    op.drop_table('schedule_rule')
