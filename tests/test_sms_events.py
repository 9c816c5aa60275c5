"""Each event sends the right SMS, in the person's language, exactly once; none to a person who said no."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from bastau import rules
from bastau.extensions import db
from bastau.jobs import BY_NAME, run_job
from bastau.lifecycle import CALENDAR, LIFE_CYCLE, move_to
from bastau.models import Application, Cohort, Role, SmsMessage, Status, TrainingDay, User
from bastau.sms.events import BY_STATUS
from bastau.sms.texts import TEXTS
from tests.conftest import district, login, post_form


def messages(store, application_id=None) -> list[SmsMessage]:
    query = sa.select(SmsMessage).order_by(SmsMessage.id)
    if application_id is not None:
        query = query.where(SmsMessage.application_id == application_id)
    return store.scalars(query)


def words(app, kind: str, language: str) -> str:
    """The fixed start of a message in a language (before its first placeholder)."""
    with app.app_context(), force_locale(language):
        return str(TEXTS[kind]).split("%(")[0]


def test_the_centre_s_decision_is_told_once_in_the_person_s_language(app, client, make_user, make_application,
                                                                    store):
    kazakh = make_application(language="kk")
    russian = make_application(language="ru")
    login(client, make_user(Role.CENTRE_OFFICER))
    for application_id in (kazakh, russian):
        post_form(client, "/centre/decide", {"action": "confirm", "application": str(application_id)}, page="/centre/")
    sent = {m.application_id: m for m in messages(store)}
    assert set(sent) == {kazakh, russian}
    assert all(m.kind == "target_group_confirmed" for m in sent.values())
    assert "жұмыспен қамту орталығы" in sent[kazakh].text and "центр занятости" in sent[russian].text
    reference = store.scalar(sa.select(Application).where(Application.id == russian)).reference
    assert reference in sent[russian].text
    iin = store.scalar(sa.select(Application.iin).where(Application.id == russian))
    assert iin not in sent[russian].text


def test_nothing_for_a_person_who_said_no(app, make_application, store):
    application_id = make_application(sms_opt_in=False)
    with app.test_request_context():
        centre = User(username="c-sms", full_name="Т", role=Role.CENTRE_OFFICER, password_hash="x",
                      district_id=district().id)
        db.session.add(centre)
        move_to(db.session.get(Application, application_id), Status.TARGET_GROUP_CONFIRMED, by=centre)
        db.session.commit()
    assert messages(store, application_id) == []


def test_a_status_that_is_no_news_sends_nothing(app, make_application, store):
    application_id = make_application(status=Status.ENROLLED)
    with app.test_request_context():
        move_to(db.session.get(Application, application_id), Status.IN_TRAINING, by=CALENDAR)
        db.session.commit()
    assert messages(store, application_id) == []


@pytest.fixture
def cohort(app):
    with app.app_context():
        trainer = User(username="trainer-sms", full_name="Т", role=Role.TRAINER, password_hash="x",
                       district_id=district().id)
        db.session.add(trainer)
        db.session.flush()
        start = date(2026, 12, 15)
        days = rules.training_dates(start, 25, frozenset())
        cohort = Cohort(district_id=district().id, programme_year=2026, number=1, language="kk",
                        venue="Қаскелең, Абылай хан 25", start_date=start, training_days=25, capacity=10,
                        trainer_id=trainer.id, created_by_id=trainer.id,
                        days=[TrainingDay(day_number=i + 1, date=d, module_number=rules.module_of_day(i, 25))
                              for i, d in enumerate(days)])
        db.session.add(cohort)
        db.session.commit()
        return cohort.id


def test_training_tomorrow_is_told_once_the_day_before(app, cohort, make_application, store):
    person = make_application(status=Status.ENROLLED, cohort_id=cohort, language="ru")
    job = BY_NAME["sms_training_tomorrow"]
    with app.app_context():
        run_job(job, date(2026, 12, 13))
    assert messages(store, person) == []
    with app.app_context():
        run_job(job, date(2026, 12, 14))
        run_job(job, date(2026, 12, 14))
    sent = messages(store, person)
    assert [m.kind for m in sent] == ["training_tomorrow"]
    assert sent[0].text.startswith(words(app, "training_tomorrow", "ru")) and "Абылай хан 25" in sent[0].text


def test_the_second_and_third_unexcused_day_warn_before_the_rule_bites(app, cohort, make_application, store):
    from bastau.models import Mark
    from bastau.trainer.services import Choice, save_attendance
    person = make_application(status=Status.IN_TRAINING, cohort_id=cohort)
    with app.app_context():
        trainer = db.session.scalar(sa.select(User).where(User.username == "trainer-sms"))
        days = db.session.scalars(sa.select(TrainingDay.id).where(TrainingDay.cohort_id == cohort)
                                  .order_by(TrainingDay.day_number).limit(4)).all()
    import bastau.trainer.services as trainer_services
    original = trainer_services.today
    trainer_services.today = lambda: date(2027, 2, 1)  # every day of the cohort is past
    try:
        for day_id in days:
            with app.test_request_context():
                save_attendance(db.session.get(User, trainer.id), day_id, {person: Choice(Mark.ABSENT)}, True)
        with app.test_request_context():  # saving the same day again changes nothing and sends nothing
            save_attendance(db.session.get(User, trainer.id), days[2], {person: Choice(Mark.ABSENT)}, True)
    finally:
        trainer_services.today = original
    warnings = [m for m in messages(store, person) if m.kind == "absence_warning"]
    assert len(warnings) == 2
    assert "2" in warnings[0].text and "3" in warnings[1].text


def test_a_mis_tapped_absence_corrected_in_time_never_reaches_the_phone(app, cohort, make_application, store):
    """Marks are saved as they are tapped: a warning waits ABSENCE_WARNING_HOLD, a correction withdraws it, and a
    real absence later sends it after all."""
    from bastau.models import Mark, SmsState
    from bastau.trainer.services import Choice, save_attendance
    person = make_application(status=Status.IN_TRAINING, cohort_id=cohort)
    with app.app_context():
        trainer = db.session.scalar(sa.select(User).where(User.username == "trainer-sms"))
        days = db.session.scalars(sa.select(TrainingDay.id).where(TrainingDay.cohort_id == cohort)
                                  .order_by(TrainingDay.day_number).limit(3)).all()
    import bastau.trainer.services as trainer_services
    original = trainer_services.today
    trainer_services.today = lambda: date(2027, 2, 1)

    def mark(day_id, choice):
        with app.test_request_context():
            save_attendance(db.session.get(User, trainer.id), day_id, {person: Choice(choice)}, True)
    try:
        mark(days[0], Mark.ABSENT)
        mark(days[1], Mark.ABSENT)  # the second unexcused day: a warning, held
        [held] = [m for m in messages(store, person) if m.kind == "absence_warning"]
        assert held.state == SmsState.QUEUED
        assert held.not_before >= held.created_at + rules.ABSENCE_WARNING_HOLD
        mark(days[1], Mark.PRESENT)  # the trainer saw the slip
        [withdrawn] = [m for m in messages(store, person) if m.kind == "absence_warning"]
        assert withdrawn.state == SmsState.CANCELLED
        mark(days[2], Mark.ABSENT)  # now a real second day
    finally:
        trainer_services.today = original
    [again] = [m for m in messages(store, person) if m.kind == "absence_warning"]
    assert again.state == SmsState.QUEUED and "2" in again.text


def test_a_rolled_back_decision_sends_nothing(app, make_application, store):
    application_id = make_application()
    with app.test_request_context():
        centre = User(username="c-rollback", full_name="Т", role=Role.CENTRE_OFFICER, password_hash="x",
                      district_id=district().id)
        db.session.add(centre)
        move_to(db.session.get(Application, application_id), Status.TARGET_GROUP_CONFIRMED, by=centre)
        db.session.rollback()
    assert messages(store) == []


def test_the_demo_produces_messages_to_look_at(app, store):
    """`make run`: the demo's people went through the life cycle's door, so the outbox has their news."""
    from bastau import demo
    with app.app_context():
        db.session.execute(sa.delete(User))
        db.session.commit()
        demo.load()
    kinds = {m.kind for m in messages(store)}
    assert {"target_group_confirmed", "test_passed", "defended", "not_defended", "loan_approved"} <= kinds
    assert store.count(SmsMessage) > 10


# Every move into a status that is news for the person, from every status it can follow.
STATUS_NEWS = [(current, target, kind) for target, kind in BY_STATUS.items()
               for current, step in LIFE_CYCLE.items() if target in step.moves]


@pytest.mark.parametrize("current, target, kind", STATUS_NEWS,
                         ids=[f"{c.value}->{t.value}" for c, t, _ in STATUS_NEWS])
def test_each_status_that_is_news_sends_its_message_once(app, make_application, store, current, target, kind):
    application_id = make_application(status=current, language="ru")
    who = LIFE_CYCLE[current].moves[target].by[0]
    with app.test_request_context():
        by = who if who in ("calendar", "applicant") else User(
            username=f"{who}-news", full_name="Т", role=Role(who), password_hash="x", district_id=district().id)
        if isinstance(by, User):
            db.session.add(by)
        application = db.session.get(Application, application_id)
        move_to(application, target, by=by, reason="employed", note="damu; 1000 KZT")
        db.session.commit()
    sent = messages(store, application_id)
    assert [m.kind for m in sent] == [kind]
    assert sent[0].text.startswith(words(app, kind, "ru"))
    assert sent[0].language == "ru" and "%(" not in sent[0].text


def test_the_other_events_send_their_message_once(app, cohort, make_application, store):
    from bastau.models import Certificate, CertificateKind, DefenceSession, ExpulsionReview
    from bastau.sms import events
    person = make_application(status=Status.TRAINING_COMPLETED, cohort_id=cohort, language="kk")
    with app.test_request_context():
        trainer = db.session.scalar(sa.select(User).where(User.username == "trainer-sms"))
        session = DefenceSession(cohort_id=cohort, held_on=date(2027, 1, 20), place="Қаскелең, әкімдік",
                                 created_by_id=trainer.id)
        db.session.add(session)
        events.defence_scheduled(session)
        events.defence_scheduled(session)  # the same event again: nothing new
        certificate = Certificate(application_id=person, number="BB26-ACDEFGHJKM", kind=CertificateKind.COMPLETION,
                                  cohort_id=cohort, language="kk", issued_on=date(2027, 1, 20))
        db.session.add(certificate)
        db.session.flush()
        application = db.session.get(Application, person)
        events.certificate_issued(certificate, application, "https://bastau.example.kz")
        review = ExpulsionReview(application_id=person, expel=False, reason="other", decided_on=date(2027, 1, 5),
                                 unexcused_days=4, decided_by_id=trainer.id)
        db.session.add(review)
        db.session.flush()
        events.kept(application, review.id)
        events.follow_up_due(person, 6)
        events.follow_up_due(person, 6)
        db.session.commit()
    sent = {m.kind: m for m in messages(store, person)}
    assert sorted(sent) == ["certificate", "defence_set", "follow_up_due", "kept"]
    assert "Қаскелең, әкімдік" in sent["defence_set"].text and "20 қаңтар" in sent["defence_set"].text
    assert "https://bastau.example.kz/certificates" in sent["certificate"].text
    assert "BB26-ACDEFGHJKM" in sent["certificate"].text
