"""Financing: the loan cap per year, referral, the lender's answer, pay-out, and the 6/12-month follow-ups."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from bastau import rules
from bastau.clock import today
from bastau.extensions import db
from bastau.i18n import tenge
from bastau.models import (
    Application,
    AuditEntry,
    BusinessFollowUp,
    Certificate,
    CertificateKind,
    Cohort,
    LoanOutcome,
    LoanReferral,
    MciRate,
    Role,
    Status,
    TrainingDay,
    User,
)
from tests.conftest import csrf_token, district, login, page_text, post_form

OTHER = "615200000"


# ---- Rules: the cap is 8,000 MCI of the referral's year, read from the MCI table ----

@pytest.mark.parametrize("day, cap", [
    (date(2017, 6, 1), 18_152_000),
    (date(2018, 3, 15), 19_240_000),
    (date(2022, 3, 31), 24_504_000),   # before the mid-year raise
    (date(2022, 4, 1), 25_440_000),    # from 1 April 2022
    (date(2026, 1, 1), 34_600_000),
])
def test_loan_cap_per_year(app, day, cap):
    with app.app_context():
        mci = MciRate.on(day).amount
    assert rules.loan_cap(mci) == cap
    assert rules.loan_amount_allowed(cap, mci)
    assert not rules.loan_amount_allowed(cap + 1, mci)


@pytest.mark.parametrize("amount, allowed", [(0, False), (-5, False), (1, True), (19_240_000, True),
                                             (19_240_001, False)])
def test_loan_amount_allowed(amount, allowed):
    assert rules.loan_amount_allowed(amount, 2405) is allowed


@pytest.mark.parametrize("months, allowed", [(0, False), (1, True), (84, True), (85, False)])
def test_loan_term(months, allowed):
    assert rules.loan_term_allowed(months) is allowed


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 15), 6, date(2026, 7, 15)),
    (date(2025, 8, 31), 6, date(2026, 2, 28)),
    (date(2023, 8, 31), 6, date(2024, 2, 29)),
    (date(2026, 7, 1), 12, date(2027, 7, 1)),
])
def test_months_later(day, months, expected):
    assert rules.months_later(day, months) == expected


@pytest.mark.parametrize("recorded, on, due", [
    ((), date(2026, 7, 9), []),
    ((), date(2026, 7, 10), [6]),
    ((6,), date(2026, 7, 10), []),
    ((), date(2027, 1, 10), [6, 12]),
    ((6,), date(2027, 1, 10), [12]),
    ((6, 12), date(2027, 1, 10), []),
])
def test_follow_ups_due(recorded, on, due):
    assert rules.follow_ups_due(date(2026, 1, 10), recorded, on) == due
    assert rules.follow_ups_due(None, recorded, on) == []


# ---- Pages ----

@pytest.fixture
def chamber(client, make_user):
    login(client, make_user(Role.CHAMBER_STAFF))
    return client


@pytest.fixture
def defended(make_application):
    return make_application(status=Status.DEFENDED)


def certify(app, application_id: int, issued_on: date) -> None:
    """A certificate for the participant: the follow-ups count their months from its date."""
    certify_all(app, {application_id: issued_on}, number=6, in_cohort=False)


def certify_all(app, issued: dict[int, date], number: int = 5, in_cohort: bool = True) -> None:
    """Participants of one cohort (number `number`), each with a certificate of the given date; `in_cohort`: their
    applications name the cohort too."""
    with app.app_context():
        trainer = db.session.scalar(sa.select(User.id).limit(1))
        start = min(issued.values()) - timedelta(days=40)
        cohort = Cohort(district_id=district().id, programme_year=start.year, number=number, language="kk",
                        venue="Зал", start_date=start, training_days=25, capacity=100, trainer_id=trainer,
                        created_by_id=trainer)
        cohort.days = [TrainingDay(day_number=i + 1, date=start + timedelta(days=i), module_number=1 + i * 12 // 25)
                       for i in range(25)]
        db.session.add(cohort)
        db.session.flush()
        for person, day in issued.items():
            if in_cohort:
                db.session.get(Application, person).cohort_id = cohort.id
            db.session.add(Certificate(application_id=person, number=rules.certificate_number(start.year),
                                       kind=CertificateKind.COMPLETION, cohort_id=cohort.id, language="kk",
                                       issued_on=day))
        db.session.commit()


def refer(client, application_id, **overrides):
    data = {"referral-institution": "damu", "referral-amount": "1 500 000", "referral-term_months": "36",
            "referral-referred_on": today().isoformat(), **overrides}
    return post_form(client, f"/financing/{application_id}/referral", data, page=f"/financing/{application_id}")


def statuses(store, application_id):
    return [(e.action, e.to_status) for e in store.scalars(
        sa.select(AuditEntry).where(AuditEntry.application_id == application_id).order_by(AuditEntry.id))]


def test_referral_moves_the_participant_on_and_is_audited(chamber, defended, store):
    page = chamber.get(f"/financing/{defended}")
    assert page.status_code == 200 and 'name="referral-amount"' in page_text(page)
    response = refer(chamber, defended)
    assert response.status_code == 302, page_text(response)[:3000]
    referral = store.scalar(sa.select(LoanReferral))
    assert (referral.institution, referral.amount_requested, referral.term_months) == ("damu", 1_500_000, 36)
    assert referral.rate_percent == rules.LOAN_RATE_PERCENT and referral.outcome == LoanOutcome.PENDING
    assert store.scalar(sa.select(Application.status)) == Status.REFERRED_FOR_FINANCING
    assert statuses(store, defended) == [("referred_for_financing", Status.REFERRED_FOR_FINANCING)]
    body = page_text(chamber.get(f"/financing/{defended}"))
    assert 'data-outcome="pending"' in body and 'name="approve-amount"' in body and 'name="referral-amount"' not in body


def test_amount_over_the_cap_is_refused_and_keeps_what_was_typed(app, chamber, defended, store):
    with app.test_request_context("/"):  # Kazakh, as the page
        cap = rules.loan_cap(MciRate.on(today()).amount)
        cap_text = tenge(cap)
    over = f"{cap + 1:,}".replace(",", " ")
    response = refer(chamber, defended, **{"referral-amount": over, "referral-term_months": "48"})
    body = page_text(response)
    assert response.status_code == 409
    assert cap_text in body
    assert f'value="{over}"' in body and 'value="48"' in body and '<option selected value="damu">' in body
    assert store.count(LoanReferral) == 0 and store.scalar(sa.select(Application.status)) == Status.DEFENDED
    assert refer(chamber, defended, **{"referral-amount": str(cap)}).status_code == 302  # exactly the cap


def test_the_cap_is_the_referral_years(app, chamber, defended, store):
    """A referral dated 2018 may ask for up to 19,240,000 ₸ (8,000 × 2,405), not this year's cap."""
    assert refer(chamber, defended, **{"referral-amount": "19 240 001",
                                       "referral-referred_on": "2018-05-02"}).status_code == 409
    assert refer(chamber, defended, **{"referral-amount": "19 240 000",
                                       "referral-referred_on": "02.05.2018"}).status_code == 302
    assert store.scalar(sa.select(LoanReferral.referred_on)) == date(2018, 5, 2)


@pytest.mark.parametrize("field, value", [("referral-term_months", "85"), ("referral-term_months", "0"),
                                          ("referral-amount", "1,5 млн"), ("referral-institution", "bank"),
                                          ("referral-referred_on", (today() + timedelta(days=1)).isoformat())])
def test_bad_referral_details_are_refused(chamber, defended, store, field, value):
    assert refer(chamber, defended, **{field: value}).status_code in (409, 422)
    assert store.count(LoanReferral) == 0


def test_only_a_defended_plan_can_be_referred(chamber, make_application, store):
    trained = make_application(status=Status.TRAINING_COMPLETED)
    assert refer(chamber, trained).status_code == 409
    assert store.count(LoanReferral) == 0


def test_approved_then_paid_out(chamber, defended, store):
    refer(chamber, defended)
    url = f"/financing/{defended}"
    response = post_form(chamber, f"{url}/approve", {"approve-amount": "1 200 000"}, page=url)
    assert response.status_code == 302
    assert store.scalar(sa.select(Application.status)) == Status.LOAN_APPROVED
    assert store.scalar(sa.select(LoanReferral.approved_amount)) == 1_200_000
    # More than approved cannot be paid out; the status stays "approved" after the pay-out.
    assert post_form(chamber, f"{url}/issue", {"issue-issued_on": today().isoformat(),
                                               "issue-amount": "1 200 001"}, page=url).status_code == 409
    response = post_form(chamber, f"{url}/issue", {"issue-issued_on": today().isoformat(),
                                                   "issue-amount": "1200000"}, page=url)
    assert response.status_code == 302
    referral = store.scalar(sa.select(LoanReferral))
    assert (referral.outcome, referral.issued_on, referral.issued_amount) == (LoanOutcome.ISSUED, today(), 1_200_000)
    assert store.scalar(sa.select(Application.status)) == Status.LOAN_APPROVED
    assert statuses(store, defended) == [("referred_for_financing", Status.REFERRED_FOR_FINANCING),
                                         ("loan_approved", Status.LOAN_APPROVED), ("loan_issued", None)]
    assert post_form(chamber, f"{url}/issue", {"issue-issued_on": today().isoformat(),
                                               "issue-amount": "1"}, page=url).status_code == 409


def test_approval_above_the_cap_is_refused(app, chamber, defended, store):
    refer(chamber, defended)
    with app.app_context():
        cap = rules.loan_cap(MciRate.on(today()).amount)
    url = f"/financing/{defended}"
    assert post_form(chamber, f"{url}/approve", {"approve-amount": str(cap + 1)}, page=url).status_code == 409
    assert store.scalar(sa.select(Application.status)) == Status.REFERRED_FOR_FINANCING


def test_declined_with_a_reason(chamber, defended, store):
    refer(chamber, defended)
    url = f"/financing/{defended}"
    assert post_form(chamber, f"{url}/decline", {"decline-reason": ""}, page=url).status_code == 422
    response = post_form(chamber, f"{url}/decline", {"decline-reason": "Кепіл жеткіліксіз"}, page=url)
    assert response.status_code == 302
    assert store.scalar(sa.select(Application.status)) == Status.LOAN_DECLINED
    assert store.scalar(sa.select(LoanReferral.decline_reason)) == "Кепіл жеткіліксіз"
    assert statuses(store, defended)[-1] == ("loan_declined", Status.LOAN_DECLINED)
    # No answer can be recorded twice.
    assert post_form(chamber, f"{url}/approve", {"approve-amount": "1000"}, page=url).status_code == 409


def follow_up(client, application_id, months, **overrides):
    data = {f"follow{months}-business_opened": "yes", f"follow{months}-opened_on": "2026-01-20",
            f"follow{months}-registered_as_ie": "yes", f"follow{months}-jobs_created": "2"}
    data.update({f"follow{months}-{k}": v for k, v in overrides.items()})
    url = f"/financing/{application_id}"
    return post_form(client, f"{url}/follow-up/{months}", data, page=url)


def test_follow_ups_at_6_and_12_months_and_editing_updates(app, chamber, make_application, store):
    trained = make_application(status=Status.NOT_DEFENDED)
    certify(app, trained, today() - timedelta(days=400))
    assert follow_up(chamber, trained, 6).status_code == 302
    assert follow_up(chamber, trained, 12, business_opened="no", registered_as_ie="no", jobs_created="0",
                     opened_on="").status_code == 302
    assert follow_up(chamber, trained, 6, jobs_created="5").status_code == 302  # corrected, not added
    rows = {r.months_after: r for r in store.scalars(sa.select(BusinessFollowUp))}
    assert set(rows) == {6, 12}
    assert (rows[6].business_opened, rows[6].opened_on, rows[6].registered_as_ie, rows[6].jobs_created) == \
        (True, date(2026, 1, 20), True, 5)
    assert (rows[12].business_opened, rows[12].opened_on, rows[12].jobs_created) == (False, None, 0)
    assert [a for a, _ in statuses(store, trained)] == ["follow_up_recorded", "follow_up_recorded",
                                                        "follow_up_corrected"]
    body = page_text(chamber.get(f"/financing/{trained}"))
    assert 'id="follow6-jobs_created" name="follow6-jobs_created" type="text" value="5"' in body or \
        re.search(r'name="follow6-jobs_created"[^>]*value="5"', body)


@pytest.mark.parametrize("overrides", [{"jobs_created": "-1"}, {"opened_on": ""}, {"business_opened": ""},
                                       {"opened_on": (today() + timedelta(days=2)).isoformat()}])
def test_bad_follow_ups_are_refused(app, chamber, defended, store, overrides):
    certify(app, defended, today() - timedelta(days=200))
    assert follow_up(chamber, defended, 6, **overrides).status_code in (409, 422)
    assert store.count(BusinessFollowUp) == 0


def test_a_follow_up_is_refused_before_it_falls_due_six_months_after_the_certificate(app, chamber, defended,
                                                                                    store):
    assert follow_up(chamber, defended, 6).status_code == 409  # no certificate yet
    certified_on = today() - timedelta(days=100)
    certify(app, defended, certified_on)
    early = follow_up(chamber, defended, 6)
    assert early.status_code == 409 and store.count(BusinessFollowUp) == 0
    due = rules.months_later(certified_on, 6)
    assert str(due.year) in page_text(early) and str(due.day) in page_text(early)  # "from <the due date>"
    assert 'class="not-due"' in page_text(chamber.get(f"/financing/{defended}"))  # no form to fill in yet


def test_no_follow_up_before_training_is_completed_or_for_other_months(chamber, make_application, defended):
    training = make_application(status=Status.IN_TRAINING)
    assert follow_up(chamber, training, 6).status_code == 404
    assert chamber.get(f"/financing/{training}").status_code == 404
    url = f"/financing/{defended}"
    assert post_form(chamber, f"{url}/follow-up/9", {}, page=url).status_code == 404


def test_other_district_is_not_found(chamber, make_application, store):
    theirs = make_application(OTHER, status=Status.DEFENDED)
    assert chamber.get(f"/financing/{theirs}").status_code == 404
    url = f"/financing/{theirs}"
    token = csrf_token(chamber, "/financing")
    response = chamber.post(f"{url}/referral", data={"referral-institution": "damu", "referral-amount": "1000",
                                                     "referral-term_months": "12",
                                                     "referral-referred_on": today().isoformat(),
                                                     "csrf_token": token})
    assert response.status_code == 404 and store.count(LoanReferral) == 0
    assert f"/financing/{theirs}" not in page_text(chamber.get("/financing"))


def test_the_list_filters_by_status_and_shows_follow_ups_due(app, chamber, make_application, make_user, store):
    referred = make_application(status=Status.REFERRED_FOR_FINANCING, surname="Бекова")
    defended = make_application(status=Status.DEFENDED, surname="Жанова")
    trainer = make_user(Role.TRAINER)
    with app.app_context():
        start = today() - timedelta(days=400)
        cohort = Cohort(district_id=district().id, programme_year=start.year, number=1, language="kk", venue="Зал",
                        start_date=start, training_days=25, capacity=20, trainer_id=trainer.id,
                        created_by_id=trainer.id)
        cohort.days = [TrainingDay(day_number=i + 1, date=start + timedelta(days=i), module_number=1 + i * 12 // 25)
                       for i in range(25)]
        db.session.add(cohort)
        db.session.commit()
        cohort_id = cohort.id
    completed = make_application(status=Status.NOT_DEFENDED, surname="Серікова", cohort_id=cohort_id)
    certify(app, completed, start + timedelta(days=30))
    body = page_text(chamber.get("/financing"))
    assert f'id="participant-{referred}"' in body and f'id="participant-{defended}"' in body
    assert f'id="participant-{completed}"' not in body  # not at a financing step
    body = page_text(chamber.get("/financing?status=defended"))
    assert f'id="participant-{defended}"' in body and f'id="participant-{referred}"' not in body
    due = re.search(rf'id="due-{completed}".*?</tr>', body, re.S).group(0)
    assert "6" in due and "12" in due
    follow_up(chamber, completed, 6)
    due = re.search(rf'id="due-{completed}".*?</tr>', page_text(chamber.get("/financing")), re.S).group(0)
    assert "12" in due and ">6 " not in due
