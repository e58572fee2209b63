"""Indexes the dashboard's pages ask for at a million logs (see docs/architecture.md, "Dashboards at a million logs")

Revision ID: 0009_dashboard_indexes
Revises: 0008_blob_store
Create Date: 2026-12-02

Only indexes: the upgrade and the downgrade change no rows. The upgrade ends by analysing the
four tables, so the planner weighs the new indexes with their real sizes. Two single-column
indexes go, each the first column of a new one: ``ix_inspection_status`` (SQLite chose it to
count by status, reading every row) and ``ix_inspection_inspected_at_utc`` (the figures read
room and hazard from ``ix_inspection_inspected`` without the rows).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_dashboard_indexes'
down_revision = '0008_blob_store'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_inspection_inspected', 'inspection', ['inspected_at_utc', 'room_id', 'hazard_level', 'deleted']),
    ('ix_inspection_room_inspected', 'inspection', ['room_id', 'inspected_at_utc', 'hazard_level', 'deleted', 'id']),
    ('ix_inspection_venue_inspected', 'inspection', ['venue_id', 'inspected_at_utc', 'id']),
    ('ix_inspection_officer_inspected', 'inspection', ['officer_id', 'inspected_at_utc', 'id']),
    ('ix_inspection_room_status', 'inspection', ['room_id', 'status', 'deleted', 'inspected_at_utc', 'id']),
    ('ix_inspection_status_listed', 'inspection', ['status', 'deleted', 'inspected_at_utc', 'id']),
    ('ix_inspection_created', 'inspection', ['created_at']),
    ('ix_inspection_room_created', 'inspection', ['room_id', 'created_at']),
    ('ix_inspection_hazard', 'inspection', ['hazard_level', 'room_id', 'status', 'deleted']),
    ('ix_inspection_rectifying', 'inspection',
     ['rectification_required', 'deleted', 'rectification_deadline', 'room_id', 'id']),
    ('ix_followup_room_status', 'followup', ['room_id', 'status', 'deleted', 'due_date', 'id']),
    ('ix_followup_room_due', 'followup', ['room_id', 'due_date', 'id']),
    ('ix_followup_status_due', 'followup', ['status', 'deleted', 'due_date', 'id']),
    ('ix_followup_inspection', 'followup', ['inspection_id', 'status', 'rectified']),
    ('ix_followup_created', 'followup', ['created_at']),
    ('ix_followup_visited', 'followup', ['visited_at_utc']),
    ('ix_venue_name', 'venue', ['name', 'id']),
    ('ix_person_display_name', 'person', ['display_name', 'id']),
)
REPLACED = (
    ('ix_inspection_status', 'inspection', ['status']),
    ('ix_inspection_inspected_at_utc', 'inspection', ['inspected_at_utc']),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    for name, _table, _columns in REPLACED:
        op.drop_index(name, table_name='inspection')
    for table in ('inspection', 'followup', 'venue', 'person'):
        op.execute(f'ANALYZE {table}')


def downgrade() -> None:
    for name, table, columns in REPLACED:
        op.create_index(name, table, columns, unique=False)
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
