"""personal data erasure: anonymised applications, consent withdrawals, typed notes apart from the audit log

Revision ID: a16e00000001
Revises: a14d00000001
Create Date: 2026-12-02 04:10:00

The audit log must hold ids and decisions, never words that may name a person: the words staff or applicants
typed with an entry move to audit_typed_note (which erasure can empty), and the entries keep only what the code
wrote itself. The append-only triggers are lifted for that one move and put back at once.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a16e00000001'
down_revision = 'a16c00000001'
branch_labels = None
depends_on = None

# Actions whose note is (or contains) words someone typed: a reason, a comment, the lender's answer.
TYPED_NOTE_ACTIONS = ("withdrawn", "target_group_rejected", "expelled", "kept_in_training", "returned_to_centre",
                      "loan_declined", "defence_reopened", "certificate_revoked", "test_score_corrected",
                      "defence_session_reopened")
LIFT = {
    "postgresql": ["ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"],
    "sqlite": ["DROP TRIGGER IF EXISTS audit_entry_no_update"],
}
RESTORE = {
    "postgresql": ["ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only"],
    "sqlite": ["""CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
                  BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END"""],
}


def _actions() -> str:
    return ", ".join(f"'{action}'" for action in TYPED_NOTE_ACTIONS)


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('anonymised_reason', sa.String(length=20), nullable=True))

    op.create_table('audit_typed_note',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['audit_entry.id'], name=op.f('fk_audit_typed_note_entry_id_audit_entry')),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_audit_typed_note'))
    )
    op.create_table('consent_withdrawal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('way', sa.String(length=20), nullable=False),
    sa.Column('request_number', sa.String(length=40), nullable=True),
    sa.Column('request_date', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_consent_withdrawal_application_id_application')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_user.id'], name=op.f('fk_consent_withdrawal_recorded_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_withdrawal')),
    sa.UniqueConstraint('application_id', name=op.f('uq_consent_withdrawal_application_id'))
    )

    dialect = op.get_bind().dialect.name
    op.execute(f"INSERT INTO audit_typed_note (entry_id, text) SELECT id, note FROM audit_entry "
               f"WHERE note IS NOT NULL AND action IN ({_actions()})")
    for statement in LIFT.get(dialect, []):
        op.execute(statement)
    op.execute(f"UPDATE audit_entry SET note = NULL WHERE note IS NOT NULL AND action IN ({_actions()})")
    for statement in RESTORE.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in LIFT.get(dialect, []):
        op.execute(statement)
    op.execute("UPDATE audit_entry SET note = (SELECT text FROM audit_typed_note WHERE entry_id = audit_entry.id) "
               "WHERE note IS NULL AND id IN (SELECT entry_id FROM audit_typed_note)")
    for statement in RESTORE.get(dialect, []):
        op.execute(statement)
    op.drop_table('consent_withdrawal')
    op.drop_table('audit_typed_note')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('anonymised_reason')
        batch_op.drop_column('anonymised_at')
