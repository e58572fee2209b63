"""Work orders to traffic police: squads, their members and rooms, orders and their events

Revision ID: 0014_work_orders
Revises: 0013_mutation_device_received
Create Date: 2026-12-03

Traffic squads (``traffic_squad``) cover police rooms (``room.squad_id``) and have members
(``person.squad_id``, of the new roles ``traffic`` and ``squad_lead``, who belong to no room or
station). ``work_order`` and ``work_order_event`` are synced records like the others; a blob
reference notes the squad of the record it is on, so the squad's traffic police may read its photos.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

ROLE = "role IN ('officer', 'chief', 'admin', 'traffic', 'squad_lead')"
ROLE_SCOPE = ("(role = 'officer' AND room_id IS NOT NULL AND station_id IS NOT NULL)"
              " OR (role = 'chief' AND room_id IS NULL AND station_id IS NOT NULL)"
              " OR (role = 'admin' AND room_id IS NULL AND station_id IS NULL)")
TRAFFIC_SCOPE = " OR (role IN ('traffic', 'squad_lead') AND room_id IS NULL AND station_id IS NULL)"
SQUAD_MEMBER = "(role IN ('traffic', 'squad_lead')) = (squad_id IS NOT NULL)"

# revision identifiers, used by Alembic.
revision = '0014_work_orders'
down_revision = '0013_mutation_device_received'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('traffic_squad',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_traffic_squad')),
    sa.UniqueConstraint('name', name=op.f('uq_traffic_squad_name'))
    )
    op.create_table('work_order',
    sa.Column('room_id', sa.Uuid(), nullable=False),
    sa.Column('officer_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('plate', sa.String(length=10), nullable=False),
    sa.Column('vehicle_colour', sa.String(length=20), nullable=False),
    sa.Column('vehicle_make', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('location', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('venue_id', sa.Uuid(), nullable=True),
    sa.Column('photo_hashes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=16), nullable=False),
    sa.Column('reported_at_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reported_offset_min', sa.SmallInteger(), nullable=False),
    sa.Column('squad_id', sa.Uuid(), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accept_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolve_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('repeat_plate', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Uuid(), nullable=True),
    sa.Column('assignee_name', sa.String(length=60), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('ticket_number', sa.String(length=40), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('wire', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('illegal_parking', 'abandoned_vehicle', 'traffic_facility', 'other')", name=op.f('ck_work_order_kind')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('moved_by_owner', 'ticketed', 'towed', 'not_found', 'not_traffic')", name=op.f('ck_work_order_outcome')),
    sa.CheckConstraint("status IN ('reported', 'dispatched', 'accepted', 'contacting', 'resolved', 'closed', 'withdrawn')", name=op.f('ck_work_order_status')),
    sa.CheckConstraint("urgency IN ('normal', 'urgent')", name=op.f('ck_work_order_urgency')),
    sa.ForeignKeyConstraint(['assignee_id'], ['person.id'], name=op.f('fk_work_order_assignee_id_person')),
    sa.ForeignKeyConstraint(['officer_id'], ['person.id'], name=op.f('fk_work_order_officer_id_person')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_work_order_room_id_room')),
    sa.ForeignKeyConstraint(['squad_id'], ['traffic_squad.id'], name=op.f('fk_work_order_squad_id_traffic_squad')),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_work_order_venue_id_venue')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order'))
    )
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index('ix_work_order_plate', ['plate', 'reported_at_utc'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_room_id'), ['room_id'], unique=False)
        batch_op.create_index('ix_work_order_room_seq', ['room_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_seq'), ['seq'], unique=False)
        batch_op.create_index('ix_work_order_squad_seq', ['squad_id', 'seq'], unique=False)
        batch_op.create_index('ix_work_order_squad_status', ['squad_id', 'status', 'deleted', 'accept_due'], unique=False)

    op.create_table('work_order_event',
    sa.Column('work_order_id', sa.Uuid(), nullable=False),
    sa.Column('room_id', sa.Uuid(), nullable=False),
    sa.Column('squad_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=False),
    sa.Column('actor_role', sa.String(length=16), nullable=False),
    sa.Column('at_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('at_offset_min', sa.SmallInteger(), nullable=False),
    sa.Column('assignee_id', sa.Uuid(), nullable=True),
    sa.Column('contact_result', sa.String(length=16), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('ticket_number', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('photo_hashes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actor_name', sa.String(length=60), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('wire', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('assigned', 'accepted', 'contacting', 'resolved', 'verified', 'reopened', 'withdrawn')", name=op.f('ck_work_order_event_kind')),
    sa.ForeignKeyConstraint(['actor_id'], ['person.id'], name=op.f('fk_work_order_event_actor_id_person')),
    sa.ForeignKeyConstraint(['assignee_id'], ['person.id'], name=op.f('fk_work_order_event_assignee_id_person')),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_work_order_event_room_id_room')),
    sa.ForeignKeyConstraint(['squad_id'], ['traffic_squad.id'], name=op.f('fk_work_order_event_squad_id_traffic_squad')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_work_order_event_work_order_id_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_event'))
    )
    with op.batch_alter_table('work_order_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_work_order_event_order_position', ['work_order_id', 'position'], unique=True)
        batch_op.create_index(batch_op.f('ix_work_order_event_room_id'), ['room_id'], unique=False)
        batch_op.create_index('ix_work_order_event_room_seq', ['room_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_event_seq'), ['seq'], unique=False)
        batch_op.create_index('ix_work_order_event_squad_seq', ['squad_id', 'seq'], unique=False)

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('squad_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_person_squad_id'), ['squad_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_person_squad_id_traffic_squad'), 'traffic_squad', ['squad_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_person_role'), type_='check')
        batch_op.drop_constraint(op.f('ck_person_role_scope'), type_='check')
        batch_op.create_check_constraint('role', ROLE)
        batch_op.create_check_constraint('role_scope', ROLE_SCOPE + TRAFFIC_SCOPE)
        batch_op.create_check_constraint('squad_member', SQUAD_MEMBER)

    with op.batch_alter_table('blob_ref', schema=None) as batch_op:
        batch_op.add_column(sa.Column('squad_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_blob_ref_squad_id'), ['squad_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_blob_ref_squad_id_traffic_squad'), 'traffic_squad', ['squad_id'],
                                    ['id'])

    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('squad_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_room_squad_id'), ['squad_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_room_squad_id_traffic_squad'), 'traffic_squad', ['squad_id'], ['id'])



def downgrade() -> None:
    """Refused while traffic police accounts exist: removing them would orphan their devices, tokens and
    audit entries. Work orders and their events are dropped with their blob references."""
    traffic = op.get_bind().execute(sa.text("SELECT count(*) FROM person WHERE role IN ('traffic', 'squad_lead')"))
    if traffic.scalar():
        raise RuntimeError("Traffic police accounts exist: disable and remove them (with their devices) before "
                           "downgrading below 0014_work_orders, or restore a backup taken before it.")
    op.execute("DELETE FROM blob_ref WHERE record_id IN (SELECT id FROM work_order_event)"
               " OR record_id IN (SELECT id FROM work_order)")
    op.drop_table('work_order_event')
    op.drop_table('work_order')

    with op.batch_alter_table('blob_ref', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_blob_ref_squad_id_traffic_squad'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_blob_ref_squad_id'))
        batch_op.drop_column('squad_id')

    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_room_squad_id_traffic_squad'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_room_squad_id'))
        batch_op.drop_column('squad_id')

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_person_squad_member'), type_='check')
        batch_op.drop_constraint(op.f('ck_person_role_scope'), type_='check')
        batch_op.drop_constraint(op.f('ck_person_role'), type_='check')
        batch_op.create_check_constraint('role', "role IN ('officer', 'chief', 'admin')")
        batch_op.create_check_constraint('role_scope', ROLE_SCOPE)
        batch_op.drop_constraint(batch_op.f('fk_person_squad_id_traffic_squad'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_person_squad_id'))
        batch_op.drop_column('squad_id')

    op.drop_table('traffic_squad')
