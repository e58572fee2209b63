"""Photo notes (capture time, caption, drawn mark) on inspections and follow-ups, and the
signer's name on inspections: schema version 3

Revision ID: 0007_photo_notes_signer
Revises: 0006_blob_possession
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from server.syncing.wire import rebuild_wire

# revision identifiers, used by Alembic.
revision = '0007_photo_notes_signer'
down_revision = '0006_blob_possession'
branch_labels = None
depends_on = None

NOTES = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_notes', NOTES, nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('signer_name', sa.String(length=60), nullable=False, server_default=''))
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_notes', NOTES, nullable=False, server_default='{}'))
    # Pulls splice the stored wire form: give every record its new fields there too.
    rebuild_wire(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.drop_column('photo_notes')
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_column('signer_name')
        batch_op.drop_column('photo_notes')
    rebuild_wire(op.get_bind())
