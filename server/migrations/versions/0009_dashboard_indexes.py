"""Indexes the dashboard's pages ask for at a million logs (see docs/architecture.md, "Dashboards at a million logs")

Revision ID: 0009_dashboard_indexes
Revises: 0008_blob_store
Create Date: 2026-12-02

Only indexes: the upgrade and the downgrade change no rows.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_dashboard_indexes'
down_revision = '0008_blob_store'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_inspection_room_inspected', 'inspection', ['room_id', 'inspected_at_utc']),
    ('ix_inspection_room_status', 'inspection', ['room_id', 'status', 'deleted']),
    ('ix_inspection_status_deleted', 'inspection', ['status', 'deleted']),
    ('ix_inspection_created', 'inspection', ['created_at']),
    ('ix_followup_room_due', 'followup', ['room_id', 'due_date']),
    ('ix_followup_status_due', 'followup', ['status', 'due_date']),
    ('ix_followup_inspection', 'followup', ['inspection_id']),
    ('ix_followup_created', 'followup', ['created_at']),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
