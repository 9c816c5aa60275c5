"""append-only audit log

Revision ID: f8562d17dda9
Revises: 26f4528cb5d2
Create Date: 2026-11-23 17:46:01.242631

"""
from alembic import op
import sqlalchemy as sa


APPEND_ONLY = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
           FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
           BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END""",
        """CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
           BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END""",
    ],
}
DROP_APPEND_ONLY = {
    "postgresql": ["DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
                   "DROP FUNCTION IF EXISTS audit_entry_append_only()"],
    "sqlite": ["DROP TRIGGER IF EXISTS audit_entry_no_update", "DROP TRIGGER IF EXISTS audit_entry_no_delete"],
}

# revision identifiers, used by Alembic.
revision = 'f8562d17dda9'
down_revision = '26f4528cb5d2'
branch_labels = None
depends_on = None


def upgrade():
    # Statements kept here (not imported from the app): a migration must not change when the code does.
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in DROP_APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)
