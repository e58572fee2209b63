"""Dashboard and admin console: when each reviewer last looked at the inbox, quarantine decisions

Revision ID: 0003_dashboard
Revises: 0002_sync_engine
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_dashboard'
down_revision = '0002_sync_engine'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbox_mark',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('person_id')
    )
    with op.batch_alter_table('quarantined_mutation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decided_by', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=300), nullable=False, server_default=''))
        batch_op.create_foreign_key('fk_quarantined_mutation_decided_by_person', 'person', ['decided_by'], ['id'])


def downgrade():
    with op.batch_alter_table('quarantined_mutation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_quarantined_mutation_decided_by_person', type_='foreignkey')
        batch_op.drop_column('note')
        batch_op.drop_column('decided_by')
        batch_op.drop_column('decided_at')
    op.drop_table('inbox_mark')
