"""read log: who looked at a person's data (append-only)

Revision ID: a16r00000001
Revises: a14d00000001
Create Date: 2026-12-02 04:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a16r00000001'
down_revision = 'a16e00000001'
branch_labels = None
depends_on = None

# As for audit_entry: the database itself refuses to change or delete an entry. Kept here, not imported from
# the app: a migration must not change when the code does.
APPEND_ONLY = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION read_entry_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'read_entry is append-only'; END $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER read_entry_append_only BEFORE UPDATE OR DELETE ON read_entry
           FOR EACH ROW EXECUTE FUNCTION read_entry_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER read_entry_no_update BEFORE UPDATE ON read_entry
           BEGIN SELECT RAISE(ABORT, 'read_entry is append-only'); END""",
        """CREATE TRIGGER read_entry_no_delete BEFORE DELETE ON read_entry
           BEGIN SELECT RAISE(ABORT, 'read_entry is append-only'); END""",
    ],
}
DROP_APPEND_ONLY = {
    "postgresql": ["DROP TRIGGER IF EXISTS read_entry_append_only ON read_entry",
                   "DROP FUNCTION IF EXISTS read_entry_append_only()"],
    "sqlite": ["DROP TRIGGER IF EXISTS read_entry_no_update", "DROP TRIGGER IF EXISTS read_entry_no_delete"],
}


def upgrade():
    op.create_table('read_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_read_entry'))
    )
    with op.batch_alter_table('read_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_read_entry_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_read_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_read_entry_kind_object', ['kind', 'object_id'], unique=False)
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in DROP_APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    with op.batch_alter_table('read_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_read_entry_kind_object')
        batch_op.drop_index(batch_op.f('ix_read_entry_actor_id'))
        batch_op.drop_index(batch_op.f('ix_read_entry_created_at'))
    op.drop_table('read_entry')
