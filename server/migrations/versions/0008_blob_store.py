"""Blob bytes move to the blob store: ``blob.data`` may be empty, and each blob may have a thumbnail

Revision ID: 0008_blob_store
Revises: 0007_photo_notes_signer
Create Date: 2026-12-02

The upgrade moves no bytes: blobs keep theirs in ``blob.data`` and are read from there until
``flask --app server blobs move-out`` copies them to the store, verifies them and empties
the column. The downgrade needs every blob's bytes back in the column
(``flask --app server blobs move-back``) and refuses otherwise.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_blob_store'
down_revision = '0007_photo_notes_signer'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('blob', schema=None) as batch_op:
        batch_op.alter_column('data', existing_type=sa.LargeBinary(), nullable=True)
        batch_op.add_column(sa.Column('thumbnail_sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    outside = op.get_bind().execute(sa.text('SELECT count(*) FROM blob WHERE data IS NULL')).scalar_one()
    if outside:
        raise RuntimeError(f'Blobs whose bytes are only in the blob store: {outside}. Run '
                           '`flask --app server blobs move-back` before downgrading past 0008_blob_store.')
    with op.batch_alter_table('blob', schema=None) as batch_op:
        batch_op.drop_column('thumbnail_sha256')
        batch_op.alter_column('data', existing_type=sa.LargeBinary(), nullable=False)
