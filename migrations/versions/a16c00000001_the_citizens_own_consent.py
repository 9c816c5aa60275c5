"""the citizen's own consent: how it was given, who recorded it, the one-time code of an assisted consent

Revision ID: a16c00000001
Revises: a14d00000001
Create Date: 2026-12-02 04:20:00

Columns are only added (SQLite adds them in place: the application table is never rebuilt under its foreign
keys). Applications an operator entered before version 2026-2 were ticked by the operator for the citizen: they
are marked so ("operator_ticked"), not as the person's own consent.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a16c00000001'
down_revision = 'a15t00000001'
branch_labels = None
depends_on = None

WAYS = ('online', 'pending', 'paper', 'sms', 'operator_ticked')


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_way', sa.Enum(*WAYS, name='consentway', native_enum=False, length=32),
                                      server_default='online', nullable=False))
        # No foreign key: on SQLite adding one rebuilds the table, which its own foreign keys forbid once it has rows.
        batch_op.add_column(sa.Column('consent_recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('consent_code_hash', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('consent_code_sent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('consent_code_tries', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE application SET consent_way = 'operator_ticked' WHERE entered_by_id IS NOT NULL")


def downgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('consent_code_tries')
        batch_op.drop_column('consent_code_sent_at')
        batch_op.drop_column('consent_code_hash')
        batch_op.drop_column('consent_recorded_by_id')
        batch_op.drop_column('consent_way')
