"""defence session reopening and revoked certificates

Revision ID: a14d00000001
Revises: a14c00000001
Create Date: 2026-12-01 23:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a14d00000001'
down_revision = 'a14c00000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('defence_reopening',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=False),
    sa.Column('reopened_at', sa.DateTime(), nullable=False),
    sa.Column('reopened_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['defence_session.id'], name=op.f('fk_defence_reopening_session_id_defence_session')),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['staff_user.id'], name=op.f('fk_defence_reopening_reopened_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_defence_reopening'))
    )
    with op.batch_alter_table('defence_reopening', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_defence_reopening_session_id'), ['session_id'], unique=False)

    op.create_table('revoked_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('completion', 'participation', name='certificatekind', native_enum=False, length=32), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=False),
    sa.Column('reopening_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_revoked_certificate_application_id_application')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_revoked_certificate_cohort_id_cohort')),
    sa.ForeignKeyConstraint(['reopening_id'], ['defence_reopening.id'], name=op.f('fk_revoked_certificate_reopening_id_defence_reopening')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revoked_certificate')),
    sa.UniqueConstraint('number', name=op.f('uq_revoked_certificate_number'))
    )
    with op.batch_alter_table('revoked_certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revoked_certificate_application_id'), ['application_id'], unique=False)


def downgrade():
    with op.batch_alter_table('revoked_certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revoked_certificate_application_id'))
    op.drop_table('revoked_certificate')
    with op.batch_alter_table('defence_reopening', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_defence_reopening_session_id'))
    op.drop_table('defence_reopening')
