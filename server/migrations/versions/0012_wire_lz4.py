"""The stored wire text compressed with LZ4 on PostgreSQL, which a pull reads back several times faster

Revision ID: 0012_wire_lz4
Revises: 0011_chief_indexes
Create Date: 2026-12-02

An inspection's row is over PostgreSQL's 2 KB TOAST threshold, so its ``wire`` column (about
1.5 KB of JSON) is stored compressed, with pglz by default. A pull reads thousands of them a
page, and decompressing them with pglz was about half of a 5,000-record page's database time
(62 ms against 36 ms with LZ4, on the bench machine). LZ4 compresses these texts about as
well (984 bytes against 969). Rows written from now on use LZ4; rows written before keep
pglz until they next change (PostgreSQL reads both).

Only where the server was built with LZ4 (``default_toast_compression`` offers it; Debian's
and the official packages are); elsewhere, and on SQLite, nothing changes.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_wire_lz4'
down_revision = '0011_chief_indexes'
branch_labels = None
depends_on = None

TABLES = ('room', 'person', 'checklist_template', 'venue', 'inspection', 'followup', 'scope_exit')

LZ4_AVAILABLE = ("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
                 "AND 'lz4' = ANY(enumvals)")


def set_compression(method: str) -> None:
    """Each table's ``wire`` compression, where the server has LZ4 (decided by the server, so the
    statement works in Alembic's offline ``--sql`` mode too)."""
    if op.get_context().dialect.name != 'postgresql':
        return
    statements = ' '.join(f"EXECUTE 'ALTER TABLE {table} ALTER COLUMN wire SET COMPRESSION {method}';"
                          for table in TABLES)
    op.execute(f'DO $$ BEGIN IF EXISTS ({LZ4_AVAILABLE}) THEN {statements} END IF; END $$')


def upgrade() -> None:
    set_compression('lz4')


def downgrade() -> None:
    set_compression('DEFAULT')
