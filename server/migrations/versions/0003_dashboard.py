"""Dashboard: when each reviewer last looked at the inbox

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


def downgrade():
    op.drop_table('inbox_mark')
