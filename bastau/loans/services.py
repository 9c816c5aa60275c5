"""Financing: referring a defended plan to a lender, the lender's answer, the loan paid out, and the 6- and
12-month checks on whether a business was opened.

Every writing service runs in one `with writing():` block (SQLite serializes writers), applies the rules from
bastau.rules, writes its audit entries and commits once. A refused change raises Refused, whose message
says why in the user's language, and changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .. import audit, rules
from ..collation import by_name
from ..access import applications_for
from ..database import writing
from ..extensions import db
from ..lifecycle import DEFENDED_OR_LATER, TRAINED, move_to, sorted_statuses
from ..i18n import long_date, tenge
from ..models import (
    Application,
    BusinessFollowUp,
    Certificate,
    Lender as LenderRow,
    Listed,
    LoanOutcome,
    LoanReferral,
    MciRate,
    Status,
    TrainingDay,
    User,
    listing,
)
from ..paging import Paged, page_of
from ..reference import kept
from ..refusals import NotFound, Refused

# Who appears on the financing pages: defended plans and everything that follows them.
FINANCING = tuple(sorted_statuses(DEFENDED_OR_LATER))
# Whose business is checked 6 and 12 months on: everyone who finished the training.
AFTER_TRAINING = tuple(sorted_statuses(TRAINED))

OUTCOME_LABELS = {
    LoanOutcome.PENDING: _l("Waiting for the lender's answer"),
    LoanOutcome.APPROVED: _l("Loan approved"),
    LoanOutcome.DECLINED: _l("Loan declined"),
    LoanOutcome.ISSUED: _l("Loan paid out"),
}

NOT_DEFENDED = _l("Only a participant whose business plan was defended can be referred for a loan.")
NO_MCI = _l("The MCI of %(year)s has not been entered yet, so no loan can be referred or approved with a date in "
            "%(year)s. Ask the national administrator to add it.")
OVER_CAP = _l("The amount may not exceed 8,000 MCI of the referral's year: %(cap)s. Enter a smaller amount.")
TERM = _l("The term is from %(min)s to %(max)s months.", min=rules.MIN_LOAN_TERM_MONTHS,
          max=rules.MAX_LOAN_TERM_MONTHS)
FUTURE = _l("This date has not come yet.")
NOT_REFERRED = _l("This participant has no referral waiting for the lender's answer.")
NOT_APPROVED = _l("A loan can be paid out only after the lender approved it.")
ISSUED_ALREADY = _l("The loan has already been recorded as paid out.")
OVER_APPROVED = _l("More than the approved amount (%(amount)s) cannot be paid out.")
BEFORE_REFERRAL = _l("This date is before the referral (%(date)s).")
NOT_TRAINED = _l("The business is followed up only after the training is completed.")
NO_CERTIFICATE = _l("The business is followed up after the certificate is issued; this participant has none yet.")
NOT_DUE_YET = _l("This follow-up is not due yet: it can be recorded from %(date)s.")
FOLLOW_UP_EARLY = _l("Opening date is needed when the business was opened.")


# ---- Lenders (data kept by the national administrators: the Lender table) ----

@dataclass(frozen=True)
class Lender:
    code: str
    name_kk: str
    name_ru: str
    active: bool = True

    @property
    def name(self) -> str:
        return self.name_ru if str(get_locale()) == "ru" else self.name_kk


def lenders() -> dict[str, Lender]:
    """Every lender by code, active or not (old referrals keep their lender's name), in the administrators' order;
    read once per request, since a list page names the lender of each row."""
    return kept("lenders", lambda: {row.code: Lender(row.code, row.name_kk, row.name_ru, row.active)
                                    for row in db.session.scalars(sa.select(LenderRow)
                                                                  .order_by(LenderRow.position, LenderRow.code))})


def active_lenders() -> dict[str, Lender]:
    """The lenders offered for a new referral."""
    return {code: lender for code, lender in lenders().items() if lender.active}


def lender_name(code: str) -> str:
    """A stored code in the page's language (an unknown code is shown as it is, never lost)."""
    found = lenders().get(code)
    return found.name if found else code


# ---- Reading ----

def participant_for(user: User, application_id: int, *, lock: bool = False) -> Application:
    """A participant of the user's area whose training is completed; otherwise NotFound."""
    query = applications_for(user).where(Application.id == application_id, Application.status.in_(AFTER_TRAINING))
    found = db.session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound
    return found


def current_referral(application_id: int) -> LoanReferral | None:
    """The newest referral of a participant (the life cycle allows one; the newest wins if ever more)."""
    return db.session.scalar(sa.select(LoanReferral).where(LoanReferral.application_id == application_id)
                             .order_by(LoanReferral.id.desc()).limit(1))


def follow_ups_of(application_id: int) -> dict[int, BusinessFollowUp]:
    rows = db.session.scalars(sa.select(BusinessFollowUp).where(BusinessFollowUp.application_id == application_id))
    return {row.months_after: row for row in rows}


def certified_on(application_ids) -> dict[int, date]:
    """The certificate's date of each participant: the follow-ups count their months from it."""
    ids = [i for i in set(application_ids) if i]
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Certificate.application_id, Certificate.issued_on)
                                   .where(Certificate.application_id.in_(ids))).all())


def trained_until(cohort_ids) -> dict[int, date]:
    """The last training day of each cohort: the follow-ups count their months from it."""
    ids = [i for i in set(cohort_ids) if i]
    if not ids:
        return {}
    rows = db.session.execute(sa.select(TrainingDay.cohort_id, sa.func.max(TrainingDay.date))
                              .where(TrainingDay.cohort_id.in_(ids)).group_by(TrainingDay.cohort_id))
    return {cohort_id: last for cohort_id, last in rows}


def cap_on(day: date) -> int | None:
    """8,000 MCI of the MCI in force on `day`, in tenge; None when the MCI of that day is not known."""
    mci = MciRate.on(day)
    return rules.loan_cap(mci.amount) if mci else None


@dataclass
class Row:
    application: Listed
    referral: LoanReferral | None
    due: list[int]


FINANCING_PAGE = 50
DUE_PAGE = 50


def financing_years(user: User) -> list[int]:
    """The programme years in which the area has anyone at a financing step, newest first."""
    return list(db.session.scalars(applications_for(user).with_only_columns(Application.programme_year)
                                   .where(Application.status.in_(FINANCING)).distinct()
                                   .order_by(Application.programme_year.desc())))


def financing_rows(user: User, statuses, on: date, *, year: int | None, page: Any = 1) -> Paged:
    """One page of the area's participants at the chosen steps (of one programme year, or every year when `year`
    is None) in alphabetical order, with their referral and the follow-ups due: one statement whatever the years."""
    query = applications_for(user).where(Application.status.in_(statuses))
    if year is not None:
        query = query.where(Application.programme_year == year)
    paged = page_of(_with_financing(query.order_by(*_alphabetically(), Application.id)), page, FINANCING_PAGE,
                    whole_rows=True)
    return replace(paged, items=[_row(found, on) for found in paged.items])


def _alphabetically():
    """Surname, then first name, in the page language's alphabetical order (sorted before any limit)."""
    return by_name(Application.surname), by_name(Application.first_name)


def follow_ups_due(user: User, on: date, page: Any = 1) -> Paged:
    """One page of the area's participants whose 6- or 12-month follow-up is due and not yet recorded, of every
    year. The database picks them by the certificate's date (rules.latest_certificate_due), so a page costs the
    same however many years of graduates the district has; the rule itself still decides each row's checks."""
    def due(months: int):
        return sa.and_(Certificate.issued_on <= rules.latest_certificate_due(months, on), _recorded(months) == 0)
    # A certificate is only given after a cohort's training: no condition on the cohort, whose index PostgreSQL would
    # otherwise read whole (166,000 entries at 500k applications, 3.4 ms).
    query = applications_for(user).where(Application.status.in_(AFTER_TRAINING),
                                         sa.or_(*(due(months) for months in rules.FOLLOW_UP_MONTHS)))
    paged = page_of(_with_financing(query.order_by(*_alphabetically(), Application.id)), page, DUE_PAGE,
                    whole_rows=True)
    return replace(paged, items=[row for row in (_row(found, on) for found in paged.items) if row.due])


def _recorded(months: int):
    """How many follow-ups at `months` the row's person has (0 or 1). A count, not EXISTS: PostgreSQL would hash an
    EXISTS by reading every follow-up of the country (18 ms at 500k applications), where this reads the person's."""
    return (sa.select(sa.func.count()).where(BusinessFollowUp.application_id == Application.id,
                                             BusinessFollowUp.months_after == months).scalar_subquery())


_REFERRAL = sa.orm.aliased(LoanReferral, name="newest_referral")


def _with_financing(query: sa.Select) -> sa.Select:
    """Each person of a financing list with what its row shows, in the list's own statement (four statements a list
    before): the name and status, the newest referral, the certificate's date and which follow-ups are recorded."""
    newest = (sa.select(sa.func.max(LoanReferral.id)).where(LoanReferral.application_id == Application.id)
              .scalar_subquery())
    return (listing(query).outerjoin(Certificate, Certificate.application_id == Application.id)
            .outerjoin(_REFERRAL, _REFERRAL.id == newest)
            .add_columns(_REFERRAL, Certificate.issued_on.label("certified_on"),
                         *((_recorded(months) > 0).label(f"recorded_{months}") for months in rules.FOLLOW_UP_MONTHS)))


def _row(found, on: date) -> Row:
    recorded = [months for months in rules.FOLLOW_UP_MONTHS if found._mapping[f"recorded_{months}"]]
    return Row(Listed(found), found.newest_referral, rules.follow_ups_due(found.certified_on, recorded, on))


# ---- Writing ----

def refer(user: User, application_id: int, *, institution: str, amount: int, term_months: int,
          referred_on: date, today: date) -> LoanReferral:
    """Refer a defended plan to a lender: up to 8,000 MCI of the referral's year, at 6% a year."""
    with writing():
        application = participant_for(user, application_id, lock=True)
        if application.status != Status.DEFENDED:
            raise Refused(NOT_DEFENDED)
        if institution not in active_lenders():
            raise Refused(_l("Choose a lender from the list."), "institution")
        if referred_on > today:
            raise Refused(FUTURE, "referred_on")
        if not rules.loan_term_allowed(term_months):
            raise Refused(TERM, "term_months")
        cap = cap_on(referred_on)
        if cap is None:  # never another year's MCI: the cap would silently be wrong
            raise Refused(str(NO_MCI) % {"year": referred_on.year}, "referred_on")
        if not rules.loan_amount_allowed(amount, MciRate.on(referred_on).amount):
            raise Refused(str(OVER_CAP) % {"cap": tenge(cap)}, "amount")
        referral = LoanReferral(application_id=application.id, institution=institution, amount_requested=amount,
                                term_months=term_months, rate_percent=rules.LOAN_RATE_PERCENT,
                                referred_on=referred_on, referred_by_id=user.id)
        db.session.add(referral)
        move_to(application, Status.REFERRED_FOR_FINANCING, by=user,
                note=f"{institution}; {amount} KZT; {term_months} months; {rules.LOAN_RATE_PERCENT}%")
        return referral


def _pending(user: User, application_id: int) -> tuple[Application, LoanReferral]:
    application = participant_for(user, application_id, lock=True)
    referral = current_referral(application.id)
    if application.status != Status.REFERRED_FOR_FINANCING or referral is None \
            or referral.outcome != LoanOutcome.PENDING:
        raise Refused(NOT_REFERRED)
    return application, referral


def approve(user: User, application_id: int, *, amount: int) -> LoanReferral:
    """The lender approved the loan: any amount up to the cap of the referral's year."""
    with writing():
        application, referral = _pending(user, application_id)
        cap = cap_on(referral.referred_on)
        if cap is None:
            raise Refused(str(NO_MCI) % {"year": referral.referred_on.year}, "amount")
        if not rules.loan_amount_allowed(amount, MciRate.on(referral.referred_on).amount):
            raise Refused(str(OVER_CAP) % {"cap": tenge(cap)}, "amount")
        referral.outcome, referral.approved_amount = LoanOutcome.APPROVED, amount
        move_to(application, Status.LOAN_APPROVED, by=user, note=f"{amount} KZT")
        return referral


def decline(user: User, application_id: int, *, reason: str) -> LoanReferral:
    """The lender declined the loan; the reason is kept as the lender gave it."""
    with writing():
        application, referral = _pending(user, application_id)
        referral.outcome, referral.decline_reason = LoanOutcome.DECLINED, reason
        move_to(application, Status.LOAN_DECLINED, by=user, typed=reason)
        return referral


def issue(user: User, application_id: int, *, issued_on: date, amount: int, today: date) -> LoanReferral:
    """The approved loan was paid out (the status stays «loan approved»)."""
    with writing():
        application = participant_for(user, application_id, lock=True)
        referral = current_referral(application.id)
        if referral is not None and referral.outcome == LoanOutcome.ISSUED:
            raise Refused(ISSUED_ALREADY)
        if application.status != Status.LOAN_APPROVED or referral is None \
                or referral.outcome != LoanOutcome.APPROVED:
            raise Refused(NOT_APPROVED)
        if issued_on > today:
            raise Refused(FUTURE, "issued_on")
        if issued_on < referral.referred_on:
            raise Refused(str(BEFORE_REFERRAL) % {"date": long_date(referral.referred_on)}, "issued_on")
        if not 0 < amount <= (referral.approved_amount or 0):
            raise Refused(str(OVER_APPROVED) % {"amount": tenge(referral.approved_amount or 0)}, "amount")
        referral.outcome, referral.issued_on, referral.issued_amount = LoanOutcome.ISSUED, issued_on, amount
        audit.record("loan_issued", user, application, note=f"{amount} KZT; {issued_on.isoformat()}")
        return referral


def record_follow_up(user: User, application_id: int, months: int, *, business_opened: bool,
                     opened_on: date | None, registered_as_ie: bool, jobs_created: int,
                     today: date) -> BusinessFollowUp:
    """The 6- or 12-month check: one row per check; recording it again corrects it."""
    if months not in rules.FOLLOW_UP_MONTHS:
        raise NotFound
    with writing():
        return _record_follow_up(user, application_id, months, business_opened=business_opened, opened_on=opened_on,
                                 registered_as_ie=registered_as_ie, jobs_created=jobs_created, today=today)


ALREADY_RECORDED = _l("This follow-up was recorded meanwhile; open the person's page to correct it.")


@dataclass
class NotOpenedOutcome:
    recorded: list[tuple[Application, int]]  # (participant, months)
    skipped: list[tuple[Application | None, int, str]]  # (participant if in the area, months, why)


def record_not_opened(user: User, picks: list[tuple[int, int]], *, today: date) -> NotOpenedOutcome:
    """Several due follow-ups recorded at once as "no business opened", in one transaction, each through the same
    rules (and with the same audit entry) as one recorded on the person's page. One recorded meanwhile is left as it
    is (a bulk action never overwrites a check someone made), and so is one not due or not in the user's area."""
    outcome = NotOpenedOutcome([], [])
    with writing():
        for application_id, months in dict.fromkeys(picks):
            if months not in rules.FOLLOW_UP_MONTHS:
                continue
            try:
                _record_follow_up(user, application_id, months, business_opened=False, opened_on=None,
                                  registered_as_ie=False, jobs_created=0, today=today, only_new=True)
            except NotFound:
                outcome.skipped.append((None, months, ""))
            except Refused as refused:
                outcome.skipped.append((db.session.get(Application, application_id), months, str(refused.message)))
            else:
                outcome.recorded.append((db.session.get(Application, application_id), months))
    return outcome


def recorded_follow_ups(user: User, picks: set[tuple[int, int]]) -> list[tuple[Application, BusinessFollowUp]]:
    """The follow-ups named by (participant, months), of the user's area, as they are recorded now."""
    ids = {application_id for application_id, _months in picks}
    if not ids:
        return []
    found = db.session.execute(
        applications_for(user).add_columns(BusinessFollowUp)
        .join(BusinessFollowUp, BusinessFollowUp.application_id == Application.id)
        .where(Application.id.in_(ids)).order_by(*_alphabetically(), Application.id, BusinessFollowUp.months_after)
    ).all()
    return [(application, row) for application, row in found if (application.id, row.months_after) in picks]


def _record_follow_up(user: User, application_id: int, months: int, *, business_opened: bool,
                      opened_on: date | None, registered_as_ie: bool, jobs_created: int, today: date,
                      only_new: bool = False) -> BusinessFollowUp:
    """The rules of one follow-up, inside the caller's transaction."""
    application = participant_for(user, application_id, lock=True)
    certified = certified_on([application.id]).get(application.id)
    if certified is None:
        raise Refused(NO_CERTIFICATE)
    if not rules.follow_up_is_due(certified, months, today):
        raise Refused(str(NOT_DUE_YET) % {"date": long_date(rules.months_later(certified, months))})
    if business_opened and opened_on is None:
        raise Refused(FOLLOW_UP_EARLY, "opened_on")
    if opened_on and opened_on > today:
        raise Refused(FUTURE, "opened_on")
    row = db.session.scalar(sa.select(BusinessFollowUp).where(BusinessFollowUp.application_id == application.id,
                                                             BusinessFollowUp.months_after == months))
    if row is not None and only_new:
        raise Refused(ALREADY_RECORDED)
    action = "follow_up_corrected" if row else "follow_up_recorded"
    if row is None:
        row = BusinessFollowUp(application_id=application.id, months_after=months)
        db.session.add(row)
    row.business_opened = business_opened
    row.opened_on = opened_on if business_opened else None
    row.registered_as_ie = registered_as_ie
    row.jobs_created = jobs_created
    row.recorded_by_id = user.id
    audit.record(action, user, application,
                 note=f"{months} months: opened={business_opened}, IE={registered_as_ie}, jobs={jobs_created}")
    return row
