"""Which records a staff member may see: their district, their region, or everything."""
from __future__ import annotations

import enum

import sqlalchemy as sa

from .extensions import db
from .models import Application, District, Role, User


def in_area(query: sa.Select, user: User, district_id) -> sa.Select:
    """Narrow a query to the user's area, given the column that holds a row's district:
    national administrators see the whole country, regional ones their region, everyone else their district.
    For a query of districts themselves, pass District.id."""
    if user.role == Role.NATIONAL_ADMIN:
        return query
    if user.role == Role.REGIONAL_ADMIN:
        if district_id is not District.id:
            query = query.join(District, district_id == District.id)
        return query.where(District.region_id == user.region_id)
    return query.where(district_id == user.district_id)


def can_see(user: User, district_id: int | None) -> bool:
    """The same rule for one district: is it in the user's area?"""
    if user.role == Role.NATIONAL_ADMIN:
        return True
    if district_id is None:
        return False
    if user.role == Role.REGIONAL_ADMIN:
        district = db.session.get(District, district_id)
        return district is not None and district.region_id == user.region_id
    return district_id == user.district_id


def can_see_region(user: User, region_id: int | None) -> bool:
    """A whole region is in the area of national administrators and of that region's own administrators."""
    if user.role == Role.NATIONAL_ADMIN:
        return True
    return user.role == Role.REGIONAL_ADMIN and region_id is not None and region_id == user.region_id


def applications_for(user: User) -> sa.Select:
    """Applications in the user's area; every staff query starts here so that none forgets the area."""
    return in_area(sa.select(Application), user, Application.district_id)


# ---- Which details of a person each role sees (94-V art. 8: no more than the purpose needs) ----

class Detail(str, enum.Enum):
    IIN = "iin"
    PHONE = "phone"
    BIRTH_DATE = "birth_date"
    TEST_SCORES = "test_scores"
    ABSENCE_REASONS = "absence_reasons"    # some are about health
    BUSINESS_PLAN = "business_plan"
    COMMISSION_NOTES = "commission_notes"  # expulsion and keep decisions, with their reasons and notes
    DEFENCE_SCORES = "defence_scores"
    LOAN_DATA = "loan_data"                # lender, amounts, term, decline reasons, follow-ups


EVERYTHING = frozenset(Detail)
SEES: dict[Role, frozenset[Detail]] = {
    # The front desk enters the person and prints the receipt; the centre checks the target group.
    Role.OPERATOR: frozenset({Detail.IIN, Detail.PHONE, Detail.BIRTH_DATE}),
    Role.CENTRE_OFFICER: frozenset({Detail.IIN, Detail.PHONE, Detail.BIRTH_DATE}),
    # The chamber runs the test, the cohorts, the defence register and the loan referrals.
    Role.CHAMBER_STAFF: EVERYTHING,
    # A trainer calls about absences (the phone, in the register's warnings only) and follows the plan;
    # never the IIN.
    Role.TRAINER: frozenset({Detail.PHONE, Detail.ABSENCE_REASONS, Detail.BUSINESS_PLAN}),
    # The commission decides expulsions and scores plans; it needs neither the IIN nor the phone.
    Role.COMMISSION: frozenset({Detail.TEST_SCORES, Detail.ABSENCE_REASONS, Detail.BUSINESS_PLAN,
                                Detail.COMMISSION_NOTES, Detail.DEFENCE_SCORES}),
    # Oversight and answering a person's request (my data, who looked) need the whole record.
    Role.REGIONAL_ADMIN: EVERYTHING,
    Role.NATIONAL_ADMIN: EVERYTHING,
}
# A lender has no account in Bastau: the chamber sends it the referral (name, IIN, phone, district, certificate
# number, amount, term, and the plan's sector, village, amount and jobs) and records its answer; a lender never
# sees attendance, absence reasons, test or defence scores, or commission notes.

# The audit history's reasons and notes belong to a detail: a role without it sees the decision, not its words.
AUDIT_DETAIL = {
    "test_result": Detail.TEST_SCORES, "test_score_corrected": Detail.TEST_SCORES,
    "attendance_marked": Detail.ABSENCE_REASONS,
    "expelled": Detail.COMMISSION_NOTES, "kept_in_training": Detail.COMMISSION_NOTES,
    "defence_result": Detail.DEFENCE_SCORES, "defence_reopened": Detail.DEFENCE_SCORES,
    "referred_for_financing": Detail.LOAN_DATA, "loan_approved": Detail.LOAN_DATA, "loan_declined": Detail.LOAN_DATA,
    "loan_issued": Detail.LOAN_DATA, "follow_up_recorded": Detail.LOAN_DATA, "follow_up_corrected": Detail.LOAN_DATA,
}
# The same for the texts of the SMS sent to the person (the staff page shows them).
SMS_DETAIL = {
    "test_passed": Detail.TEST_SCORES, "test_failed": Detail.TEST_SCORES, "absence_warning": Detail.ABSENCE_REASONS,
    "expelled": Detail.COMMISSION_NOTES, "kept": Detail.COMMISSION_NOTES, "defended": Detail.DEFENCE_SCORES,
    "not_defended": Detail.DEFENCE_SCORES, "referred": Detail.LOAN_DATA, "loan_approved": Detail.LOAN_DATA,
    "loan_declined": Detail.LOAN_DATA, "follow_up_due": Detail.LOAN_DATA,
}


def sees(user: User, detail: Detail | str) -> bool:
    """Does this member of staff's role need this detail of a person?"""
    return Detail(detail) in SEES.get(user.role, frozenset())


def sees_words_of(user: User, action: str) -> bool:
    """May this user read the reason and note of an audit entry of this action?"""
    detail = AUDIT_DETAIL.get(action)
    return detail is None or sees(user, detail)


def sees_sms_text(user: User, kind: str) -> bool:
    detail = SMS_DETAIL.get(kind)
    return detail is None or sees(user, detail)


def init_app(app) -> None:
    """The same facts for templates, about the signed-in member of staff: {% if sees("iin") %}."""
    from flask_login import current_user

    def signed_in() -> bool:
        return current_user.is_authenticated

    app.add_template_global(lambda detail: signed_in() and sees(current_user, detail), "sees")
    app.add_template_global(lambda action: signed_in() and sees_words_of(current_user, action), "sees_words_of")
    app.add_template_global(lambda kind: signed_in() and sees_sms_text(current_user, kind), "sees_sms_text")
