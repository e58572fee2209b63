"""Two indexes that start a chief's Deadlines and inbox-by-venue from the chief's rooms

Revision ID: 0011_chief_indexes
Revises: 0010_device_written_seq
Create Date: 2026-12-02

``ix_inspection_room_rectifying``: Deadlines asks for the rectifications past their deadline
in a few rooms (a chief's station, or the rooms one page of the list spans);
``ix_inspection_rectifying`` starts with the deadline, so SQLite read every room's, or chose a
room index and read each log's row.

``ix_inspection_venue_room``: the inbox sorted by venue walks venues in name order and, for
each, its logs in the chief's rooms (one probe per room, nothing read for other stations'
venues); before, SQLite read all of the station's 100,000 logs and sorted them.

The table is analysed again, as 0009 did, so the planners know the new indexes.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_chief_indexes'
down_revision = '0010_device_written_seq'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_inspection_room_rectifying', ['room_id', 'rectification_required', 'deleted', 'rectification_deadline', 'id']),
    ('ix_inspection_venue_room', ['venue_id', 'room_id', 'deleted', 'inspected_at_utc', 'id']),
)


def upgrade() -> None:
    for name, columns in INDEXES:
        op.create_index(name, 'inspection', columns)
    op.execute('ANALYZE inspection')


def downgrade() -> None:
    for name, _columns in INDEXES:
        op.drop_index(name, table_name='inspection')
