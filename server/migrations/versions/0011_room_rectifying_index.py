"""A chief's overdue rectifications, read from their rooms' part of an index

Revision ID: 0011_room_rectifying_index
Revises: 0010_device_written_seq
Create Date: 2026-12-02

Deadlines asks for the rectifications past their deadline in a few rooms (a chief's station,
or the rooms one page of the list spans). ``ix_inspection_rectifying`` starts with the
deadline, so SQLite read every room's, or chose a room index and read each log's row.
The table is analysed again, as 0009 did, so the planners know the new index.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_room_rectifying_index'
down_revision = '0010_device_written_seq'
branch_labels = None
depends_on = None

NAME = 'ix_inspection_room_rectifying'
COLUMNS = ['room_id', 'rectification_required', 'deleted', 'rectification_deadline', 'id']


def upgrade() -> None:
    op.create_index(NAME, 'inspection', COLUMNS)
    op.execute('ANALYZE inspection')


def downgrade() -> None:
    op.drop_index(NAME, table_name='inspection')
