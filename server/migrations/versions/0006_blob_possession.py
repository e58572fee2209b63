"""Blob possession: who uploaded which blob's bytes, so only they (or those who see a record
referencing it) may reference it

Revision ID: 0006_blob_possession
Revises: 0005_purged_records
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006_blob_possession'
down_revision = '0005_purged_records'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('blob_possession',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_blob_possession_person_id_person')),
    sa.ForeignKeyConstraint(['sha256'], ['blob.sha256'], name=op.f('fk_blob_possession_sha256_blob')),
    sa.PrimaryKeyConstraint('sha256', 'person_id', name=op.f('pk_blob_possession'))
    )
    # Whoever uploaded a blob first has proved possession of it.
    op.execute('INSERT INTO blob_possession (sha256, person_id, uploaded_at) '
               'SELECT sha256, uploaded_by, uploaded_at FROM blob')


def downgrade() -> None:
    op.drop_table('blob_possession')
