"""search names: one stored search key per application and staff account

Searches compare names through bastau.collation.search_key (clean text, NFC, case-folded, Ё as Е) on both sides,
so that SQLite and PostgreSQL match alike whatever their locale. Existing rows get their key here.

Revision ID: a15t00000001
Revises: a14d00000001
Create Date: 2026-12-02 04:10:00

"""
from alembic import op
import sqlalchemy as sa

from bastau.collation import search_key


revision = 'a15t00000001'
down_revision = 'a14d00000001'
branch_labels = None
depends_on = None

BATCH = 1000
NAME_COLUMNS = {"application": ("surname", "first_name", "patronymic"), "staff_user": ("full_name",)}


def upgrade():
    for table in NAME_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('search_name', sa.Text(), server_default='', nullable=False))
    connection = op.get_bind()
    for table, columns in NAME_COLUMNS.items():
        _fill(connection, sa.table(table, sa.column("id"), sa.column("search_name"),
                                   *(sa.column(name) for name in columns)), columns)


def _fill(connection, table, columns) -> None:
    """Every existing row's key, a batch at a time (ordered by id, so that nothing is read twice)."""
    last = 0
    while True:
        rows = connection.execute(sa.select(table.c.id, *(table.c[name] for name in columns))
                                  .where(table.c.id > last).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        connection.execute(table.update().where(table.c.id == sa.bindparam("row_id"))
                           .values(search_name=sa.bindparam("key")),
                           [{"row_id": row[0], "key": search_key(*row[1:])} for row in rows])
        last = rows[-1][0]


def downgrade():
    for table in NAME_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('search_name')
