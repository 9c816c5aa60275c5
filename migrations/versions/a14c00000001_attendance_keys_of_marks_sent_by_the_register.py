"""attendance keys of marks sent by the register's script (a resend is applied once)

Revision ID: a14c00000001
Revises: 9a27ab3cc004
Create Date: 2026-12-01 23:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a14c00000001'
down_revision = '9a27ab3cc004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendance_key',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('training_day_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['training_day_id'], ['training_day.id'], name=op.f('fk_attendance_key_training_day_id_training_day'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_attendance_key_application_id_application')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_user.id'], name=op.f('fk_attendance_key_recorded_by_id_staff_user')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_attendance_key'))
    )
    with op.batch_alter_table('attendance_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_key_training_day_id'), ['training_day_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_key_application_id'), ['application_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attendance_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_key_application_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_key_training_day_id'))
    op.drop_table('attendance_key')
