"""Dashboard and admin console: inbox marks, quarantine decisions, template history, enrolment codes

Revision ID: 0003_dashboard
Revises: 0002_sync_engine
Create Date: 2026-11-29

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0003_dashboard'
down_revision = '0002_sync_engine'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox_mark',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_inbox_mark_person_id_person')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_inbox_mark'))
    )
    op.create_table('checklist_template_version',
    sa.Column('template_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title_zh', sa.String(length=80), nullable=False),
    sa.Column('title_en', sa.String(length=120), nullable=False),
    sa.Column('items', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_template.id'], name=op.f('fk_checklist_template_version_template_id_checklist_template')),
    sa.PrimaryKeyConstraint('template_id', 'version', name=op.f('pk_checklist_template_version'))
    )
    op.create_table('enrolment_code',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('device_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['person.id'], name=op.f('fk_enrolment_code_created_by_person')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_enrolment_code_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_enrolment_code_code_hash'))
    )
    with op.batch_alter_table('enrolment_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_code_person_id'), ['person_id'], unique=False)
    with op.batch_alter_table('quarantined_mutation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decided_by', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=300), nullable=False, server_default=''))
        batch_op.create_foreign_key('fk_quarantined_mutation_decided_by_person', 'person', ['decided_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('quarantined_mutation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_quarantined_mutation_decided_by_person', type_='foreignkey')
        batch_op.drop_column('note')
        batch_op.drop_column('decided_by')
        batch_op.drop_column('decided_at')
    with op.batch_alter_table('enrolment_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_code_person_id'))
    op.drop_table('enrolment_code')
    op.drop_table('checklist_template_version')
    op.drop_table('inbox_mark')
