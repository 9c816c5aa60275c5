"""dashboard tallies: the figures per programme year, district and cohort, kept in step by the app

Revision ID: a18d00000001
Revises: a16r00000001
Create Date: 2026-12-02 09:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a18d00000001'
down_revision = 'a16r00000001'
branch_labels = None
depends_on = None

COLUMNS = ("applied", "confirmed", "test_passed", "enrolled", "expelled", "trained", "defended", "completion",
           "participation", "referred", "loans", "loan_sum", "opened", "jobs")
# The life-cycle groups as they are today (bastau/lifecycle.py GROUPS), written out: a migration must not change
# when the code does. tests/test_dashboard_tallies.py checks that this fill equals the app's recount.
REACHED = {
    "confirmed": ("defended", "enrolled", "expelled", "in_training", "list_approved", "loan_approved",
                  "loan_declined", "not_defended", "referred_for_financing", "target_group_confirmed",
                  "test_failed", "test_passed", "training_completed"),
    "test_passed": ("defended", "enrolled", "expelled", "in_training", "loan_approved", "loan_declined",
                    "not_defended", "referred_for_financing", "test_passed", "training_completed"),
    "enrolled": ("defended", "enrolled", "expelled", "in_training", "loan_approved", "loan_declined",
                 "not_defended", "referred_for_financing", "training_completed"),
    "expelled": ("expelled",),
    "trained": ("defended", "loan_approved", "loan_declined", "not_defended", "referred_for_financing",
                "training_completed"),
    "defended": ("defended", "loan_approved", "loan_declined", "referred_for_financing"),
}


def _in(name):
    return "a.status IN (" + ", ".join(f"'{s}'" for s in REACHED[name]) + ")"


def fill_sql() -> str:
    """The full recount as one INSERT … SELECT (certificates, loans and the latest follow-up per application,
    for the trained only, as bastau/dashboard/figures.py describes)."""
    steps = ", ".join(f"SUM(CASE WHEN {_in(n)} THEN 1 ELSE 0 END)" for n in
                      ("confirmed", "test_passed", "enrolled", "expelled", "trained", "defended"))
    trained = _in("trained")
    return f"""
INSERT INTO dashboard_tally (programme_year, district_id, cohort_key, {", ".join(COLUMNS)})
SELECT a.programme_year, a.district_id, COALESCE(a.cohort_id, 0), COUNT(a.id), {steps},
  SUM(CASE WHEN {trained} AND c.kind = 'completion' THEN 1 ELSE 0 END),
  SUM(CASE WHEN {trained} AND c.kind = 'participation' THEN 1 ELSE 0 END),
  SUM(CASE WHEN {trained} AND l.application_id IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN {trained} AND l.issued = 1 THEN 1 ELSE 0 END),
  SUM(CASE WHEN {trained} THEN COALESCE(l.amount, 0) ELSE 0 END),
  SUM(CASE WHEN {trained} AND f.business_opened THEN 1 ELSE 0 END),
  SUM(CASE WHEN {trained} AND f.business_opened THEN f.jobs_created ELSE 0 END)
FROM application a
LEFT JOIN certificate c ON c.application_id = a.id
LEFT JOIN (SELECT application_id, MAX(CASE WHEN issued_on IS NOT NULL THEN 1 ELSE 0 END) AS issued,
                  SUM(CASE WHEN issued_on IS NOT NULL THEN COALESCE(issued_amount, 0) ELSE 0 END) AS amount
           FROM loan_referral GROUP BY application_id) l ON l.application_id = a.id
LEFT JOIN (SELECT application_id, MAX(months_after) AS months FROM business_follow_up GROUP BY application_id) m
       ON m.application_id = a.id
LEFT JOIN business_follow_up f ON f.application_id = a.id AND f.months_after = m.months
GROUP BY a.programme_year, a.district_id, COALESCE(a.cohort_id, 0)
"""


def upgrade():
    op.create_table(
        "dashboard_tally",
        sa.Column("programme_year", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), sa.ForeignKey("district.id", name="fk_dashboard_tally_district_id_district"),
                  nullable=False),
        sa.Column("cohort_key", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in COLUMNS),
        sa.PrimaryKeyConstraint("programme_year", "district_id", "cohort_key", name="pk_dashboard_tally"),
    )
    op.execute(fill_sql())


def downgrade():
    op.drop_table("dashboard_tally")
