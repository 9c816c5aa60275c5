"""Demo data so that every journey can be tried right after `make run`."""
from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta

import sqlalchemy as sa

from . import audit, rules
from .access_codes import hash_code
from .apply.services import NewApplication, new_submission_key, submit_application
from .clock import today
from .consent import CURRENT_VERSION
from .extensions import db
from .lifecycle import APPLICANT, move_to
from .models import (
    Application,
    Attendance,
    BusinessPlan,
    Certificate,
    CertificateKind,
    Channel,
    Cohort,
    ConsentWay,
    Decision,
    DefenceResult,
    DefenceSession,
    District,
    DistrictPlan,
    Education,
    LoanOutcome,
    LoanReferral,
    Mark,
    MciRate,
    NationalPlan,
    Region,
    RegionPlan,
    Role,
    Sector,
    SocialStatus,
    Status,
    TrainingDay,
    User,
    utcnow,
)

DEMO_DISTRICT = "195200000"  # Қарасай ауданы, Алматы облысы
DEMO_REGION = "190000000"
DEMO_PASSWORD = "bastau-demo"
DEMO_ACCESS_CODE = "20262026"
USERS = [  # username, role, full name, office
    ("operator", Role.OPERATOR, "Айгерім Сәрсенова", Channel.AKIMAT),
    ("centre", Role.CENTRE_OFFICER, "Нұрлан Жұмабеков", Channel.EMPLOYMENT_CENTRE),
    ("chamber", Role.CHAMBER_STAFF, "Гүлнар Әбішева", Channel.CHAMBER_BRANCH),
    ("trainer", Role.TRAINER, "Ерлан Қасымов", None),
    ("commission", Role.COMMISSION, "Сәуле Оспанова", None),
    ("region", Role.REGIONAL_ADMIN, "Марат Тоқтаров", None),
    ("admin", Role.NATIONAL_ADMIN, "Дана Ибраева", None),
]
APPLICANTS = [  # surname, name, patronymic, birth date, sex, status
    ("Серікбаева", "Әсел", "Қайратқызы", date(1991, 3, 12), "female", Status.SUBMITTED),
    ("Ахметов", "Болат", "Серікұлы", date(1985, 7, 2), "male", Status.SUBMITTED),
    ("Нұрғалиева", "Жанар", None, date(1979, 11, 23), "female", Status.SUBMITTED),
    ("Иванов", "Сергей", "Петрович", date(1988, 1, 30), "male", Status.SUBMITTED),
    ("Төлеубаев", "Ғалым", "Маратұлы", date(1996, 5, 5), "male", Status.TARGET_GROUP_CONFIRMED),
    ("Қожахметова", "Айнұр", "Бақытқызы", date(1983, 9, 17), "female", Status.TARGET_GROUP_CONFIRMED),
    ("Мұратов", "Дәулет", "Ерланұлы", date(1990, 2, 14), "male", Status.TARGET_GROUP_CONFIRMED),
    ("Әбдірахманова", "Гүлнұр", None, date(1987, 6, 8), "female", Status.SUBMITTED),
    ("Пак", "Елена", "Викторовна", date(1993, 10, 1), "female", Status.SUBMITTED),
    ("Сейітқали", "Арман", "Болатұлы", date(1999, 12, 19), "male", Status.SUBMITTED),
    ("Жақыпова", "Меруерт", "Сағатқызы", date(1981, 4, 27), "female", Status.LIST_APPROVED),
    ("Оразбаев", "Қайрат", "Нұрланұлы", date(1976, 8, 3), "male", Status.LIST_APPROVED),
    ("Есенова", "Ботагөз", "Маратқызы", date(1994, 3, 30), "female", Status.TEST_PASSED),
    ("Шәріпов", "Нұржан", None, date(1988, 11, 11), "male", Status.TEST_PASSED),
    # More on list №1, so that the alphabetical order shows: Ә after А (not after Я), І after Ы, …
    ("Яхияев", "Руслан", None, date(1986, 2, 9), "male", Status.LIST_APPROVED),
    ("Әлімжанов", "Ерлан", "Сапарұлы", date(1984, 5, 21), "male", Status.LIST_APPROVED),
    ("Ғабдуллина", "Ләззат", None, date(1992, 7, 14), "female", Status.LIST_APPROVED),
    ("Құрманов", "Бауыржан", None, date(1989, 1, 25), "male", Status.LIST_APPROVED),
    ("Өтегенова", "Сәуле", "Нұрланқызы", date(1990, 10, 6), "female", Status.LIST_APPROVED),
    ("Ұзақбаев", "Тимур", None, date(1995, 4, 18), "male", Status.LIST_APPROVED),
    ("Үсенова", "Аида", None, date(1997, 8, 29), "female", Status.LIST_APPROVED),
    ("Һашимова", "Нигора", None, date(1991, 12, 3), "female", Status.LIST_APPROVED),
    ("Ісмағұлов", "Дамир", "Асқарұлы", date(1982, 6, 16), "male", Status.LIST_APPROVED),
]
# Cohort 1 is in training now: (surname, name, born, sex, unexcused absent days so far)
TRAINEES = [
    ("Ахметжанова", "Жұлдыз", date(1990, 7, 7), "female", 0),
    ("Бейсенов", "Ержан", date(1985, 1, 21), "male", 1),
    ("Вороненко", "Ольга", date(1979, 5, 2), "female", 0),
    ("Дүйсенбаев", "Самат", date(1997, 9, 9), "male", 4),   # flagged: the commission has to decide
    ("Ермекова", "Ләззат", date(1992, 2, 18), "female", 3),  # at risk: one more unexcused day and she is flagged
    ("Жанұзақов", "Тимур", date(1983, 6, 25), "male", 0),
]


def database_is_empty() -> bool:
    return not db.session.scalar(sa.select(User.id).limit(1)) and not db.session.scalar(
        sa.select(Application.id).limit(1))


def load() -> str:
    district = db.session.scalar(sa.select(District).where(District.kato_code == DEMO_DISTRICT))
    region = db.session.scalar(sa.select(Region).where(Region.kato_code == DEMO_REGION))
    if district is None:
        raise RuntimeError("Load the reference data first: flask reference load")
    users = {}
    for username, role, full_name, office in USERS:
        user = User(username=username, full_name=full_name, role=role, office=office, must_change_password=False,
                    district=None if role in (Role.REGIONAL_ADMIN, Role.NATIONAL_ADMIN) else district,
                    region=region if role == Role.REGIONAL_ADMIN else None)
        user.set_password(DEMO_PASSWORD)
        users[role] = user
        db.session.add(user)
    db.session.commit()
    to_approve = []
    year = rules.programme_year(today())
    for serial, (surname, name, patronymic, born, sex, status) in enumerate(APPLICANTS, start=100):
        iin = rules.compose_iin(born, sex, serial)
        if serial == 100:  # she took part before: staff see last year's application
            _apply(iin, surname, name, patronymic, born, sex, district, year - 1, "00000000",
                   users[Role.OPERATOR], Status.DEFENDED, users)
        # Those the chamber approves come on list №1 (below): here they stop at the centre's confirmation.
        stop = Status.TARGET_GROUP_CONFIRMED if status == Status.LIST_APPROVED else status
        application = _apply(iin, surname, name, patronymic, born, sex, district, year, DEMO_ACCESS_CODE,
                             users[Role.OPERATOR] if serial % 2 else None, stop, users)
        if status == Status.LIST_APPROVED:
            to_approve.append(application.id)
        if surname == RETURNED_BY_THE_CHAMBER:
            returned = application.id
    # Entered by the operator a moment ago: the citizen is to sign the printed consent (the centre waits for it).
    _apply(rules.compose_iin(date(1994, 8, 15), "female", 199), "Бекова", "Сания", "Ержанқызы", date(1994, 8, 15),
           "female", district, year, DEMO_ACCESS_CODE, users[Role.OPERATOR], Status.SUBMITTED, users,
           consent_way=ConsentWay.PENDING)
    # Created before the cohorts, so that their references do not move when later functions add people.
    on_list_2 = _apply(*ON_LIST_2, district, year, DEMO_ACCESS_CODE, None, Status.TARGET_GROUP_CONFIRMED, users)
    withdrawn = _apply(*WITHDRAWN_ONE, district, year, DEMO_ACCESS_CODE, users[Role.OPERATOR],
                       Status.TARGET_GROUP_CONFIRMED, users)
    move_to(withdrawn, Status.WITHDRAWN, by=APPLICANT, reason="found_work")
    db.session.commit()
    _send_demo_list(users[Role.CENTRE_OFFICER], users[Role.CHAMBER_STAFF], to_approve, returned)
    _send_undecided_list(users[Role.CENTRE_OFFICER], on_list_2.id)
    _half_answered_test(to_approve[0], users[Role.CHAMBER_STAFF])
    _start_demo_cohort(district, year, users)
    _finished_demo_cohort(district, year, users)
    _calendar_demo_cohorts(district, year, users)
    _defence_demo(district, year, users)
    _demo_plans(year, users[Role.NATIONAL_ADMIN])
    _region_over_plan(year, users)
    count = len(APPLICANTS) + len(TRAINEES) + len(GRADUATES) + len(ENDED_YESTERDAY) + len(STARTS_TOMORROW) + len(STARTS_TODAY) + 1
    count += len(DEFENDED_RECENTLY) + 1  # and the one waiting for the citizen's signature
    count += 2  # on list №2, and the withdrawn one
    return (f"Demo data: {len(USERS) + 1} staff accounts, {count} applications, a cohort in training and a defended "
            f"one in {district.name_kk}.")


# Cohort 2 finished and defended: (surname, name, born, sex, defended, referred for a loan)
GRADUATES = [
    ("Әбілқасымова", "Гүлмира", date(1986, 4, 12), "female", True, True),
    ("Байжанов", "Нұрсұлтан", date(1991, 10, 3), "male", True, False),
    ("Смагулова", "Айжан", date(1995, 1, 28), "female", False, False),
]


def _split(total: int, weights: list[int]) -> list[int]:
    """Share `total` by weights so that the parts add up exactly (largest remainders last)."""
    whole = [total * w // sum(weights) for w in weights]
    for i in range(total - sum(whole)):
        whole[i % len(whole)] += 1
    return whole


def _demo_plans(year: int, admin: User) -> None:
    """This year's plan: 15,000 people nationally (as in the programme's first year), shared by the regions in
    proportion to their districts, and the demo region's share shared by its districts."""
    regions = db.session.scalars(sa.select(Region).order_by(Region.kato_code)).all()
    db.session.add(NationalPlan(year=year, people=15_000, updated_by_id=admin.id))
    shares = _split(15_000, [len(r.districts) for r in regions])
    for region, people in zip(regions, shares):
        db.session.add(RegionPlan(year=year, region_id=region.id, people=people, updated_by_id=admin.id))
        if region.kato_code == DEMO_REGION:
            for place, part in zip(region.districts, _split(people, [1] * len(region.districts))):
                db.session.add(DistrictPlan(year=year, district_id=place.id, people=part, updated_by_id=admin.id))
    db.session.commit()


# Ұлытау облысы: a pilot plan of 2 people, and 3 trained there in spring, so that the national dashboard shows a
# region over the plan (its mark ▲ and the words "above the plan", issue 20). Own trainer, no demo login.
OVER_PLAN_DISTRICT = "621000000"  # Жезқазған Қ.Ә.
OVER_PLAN_PEOPLE = [("Жұмабаев", "Ерлан", date(1990, 3, 14), "male"), ("Сейітова", "Мөлдір", date(1993, 7, 2), "female"),
                    ("Оспанов", "Дәулет", date(1988, 11, 20), "male")]


def _region_over_plan(year: int, users: dict) -> None:
    import secrets

    from .calendar import public_holidays
    place = db.session.scalar(sa.select(District).where(District.kato_code == OVER_PLAN_DISTRICT))
    trainer = User(username="trainer-ulytau", full_name="Асель Тоқтарова", role=Role.TRAINER, district=place,
                   must_change_password=True)
    trainer.set_password(secrets.token_urlsafe(24))
    cohort = _demo_cohort(place, 1, "kk", "Жезқазған, Алашахан 5",
                          rules.training_dates(date(year, 5, 11), 25, public_holidays()),
                          dict(users, **{Role.TRAINER: trainer}), held=True)
    db.session.add_all([trainer, cohort])
    db.session.flush()
    for serial, (surname, name, born, sex) in enumerate(OVER_PLAN_PEOPLE, start=800):
        walk(_demo_person(serial, surname, name, born, sex, place, year, cohort), Status.TRAINING_COMPLETED, users)
    plan = db.session.scalar(sa.select(RegionPlan).where(RegionPlan.year == year,
                                                         RegionPlan.region_id == place.region_id))
    plan.people = len(OVER_PLAN_PEOPLE) - 1
    db.session.add(DistrictPlan(year=year, district_id=place.id, people=plan.people,
                                updated_by_id=users[Role.NATIONAL_ADMIN].id))
    db.session.commit()


def _finished_demo_cohort(district: District, year: int, users: dict) -> None:
    """Cohort 2: trained in spring, plans defended, certificates issued, one loan approved."""
    from .calendar import public_holidays
    from .plans.storage import plan_storage
    trainer, chamber, commission = users[Role.TRAINER], users[Role.CHAMBER_STAFF], users[Role.COMMISSION]
    dates = rules.training_dates(date(year, 4, 6), 25, public_holidays())
    cohort = Cohort(district=district, programme_year=year, number=2, language="ru", venue="Қаскелең, Төле би 12",
                    start_date=dates[0], training_days=25, capacity=25, trainer=trainer, created_by_id=chamber.id)
    cohort.days = [TrainingDay(day_number=i + 1, date=d, module_number=rules.module_of_day(i, 25),
                               delivered_at=utcnow(), delivered_by_id=trainer.id) for i, d in enumerate(dates)]
    session = DefenceSession(cohort=cohort, held_on=dates[-1] + timedelta(days=7), place="Қаскелең, әкімдік",
                             created_by_id=chamber.id, members=[commission])
    db.session.add_all([cohort, session])
    db.session.flush()
    storage = plan_storage()
    mci = MciRate.on(date(year, 6, 1))
    for serial, (surname, name, born, sex, defended, referred) in enumerate(GRADUATES, start=400):
        referred = referred and mci is not None  # a year with no MCI of its own refers nobody (rules.loan_cap)
        status = (Status.LOAN_APPROVED if referred else Status.DEFENDED) if defended else Status.NOT_DEFENDED
        application = Application(
            programme_year=year, iin=rules.compose_iin(born, sex, serial), surname=surname, first_name=name,
            birth_date=born, sex=sex, phone=f"+7705{serial:07d}", district_id=district.id,
            social_status=SocialStatus.SELF_EMPLOYED, education=Education.SECONDARY, channel=Channel.AKIMAT,
            cohort=cohort,
            access_code_hash=hash_code(DEMO_ACCESS_CODE),
            submission_key=new_submission_key(), language="ru", consent_version=CURRENT_VERSION,
            consent_language="ru", consent_at=utcnow())
        db.session.add(application)
        db.session.flush()
        audit.record("submitted", None, application, to_status=Status.SUBMITTED)
        walk(application, status, users)
        stored = storage.save(io.BytesIO(DEMO_PLAN_PDF), ".pdf")
        db.session.add(BusinessPlan(application_id=application.id, version=1, stored_name=stored,
                                    original_name=f"Бизнес-план {surname}.pdf", content_type="application/pdf",
                                    size=len(DEMO_PLAN_PDF), sha256=hashlib.sha256(DEMO_PLAN_PDF).hexdigest(),
                                    sector=Sector.AGRICULTURE, village="Шамалған", amount_needed=4_000_000,
                                    jobs_planned=2))
        db.session.add(DefenceResult(session_id=session.id, application_id=application.id, defended=defended,
                                     average_percent=82 if defended else 48, decided_by_id=chamber.id))
        db.session.add(Certificate(application_id=application.id, number=rules.certificate_number(year),
                                   kind=CertificateKind.COMPLETION if defended else CertificateKind.PARTICIPATION,
                                   cohort_id=cohort.id, language="ru", issued_on=session.held_on,
                                   issued_by_id=chamber.id))
        if referred:
            db.session.add(LoanReferral(application_id=application.id, institution="agrarian_credit_corporation",
                                        amount_requested=min(4_000_000, rules.loan_cap(mci.amount)), term_months=36,
                                        rate_percent=rules.LOAN_RATE_PERCENT, referred_on=session.held_on,
                                        referred_by_id=chamber.id, outcome=LoanOutcome.APPROVED,
                                        approved_amount=4_000_000))
    db.session.commit()


DEMO_PLAN_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
                 b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _start_demo_cohort(district: District, year: int, users: dict) -> None:
    """Cohort 1, in its third week with a session today, with attendance so far; one participant has 4 unexcused
    days (flagged), another 3 (one more and she is flagged: the register and the trainer's home warn)."""
    from .calendar import public_holidays
    start = today() - timedelta(days=15)
    cohort = Cohort(district=district, programme_year=year, number=1, language="kk", venue="Қаскелең, Абылай хан 25",
                    start_date=start, training_days=25, capacity=30, trainer=users[Role.TRAINER],
                    created_by_id=users[Role.CHAMBER_STAFF].id)
    dates = rules.training_dates(start, 25, public_holidays())
    if today() not in dates:  # a Sunday or a holiday: the demo trainer still has a session to mark today
        dates = [d for d in dates if d < today()] + [today()] + [d for d in dates if d > today()][:-1]
    cohort.days = [TrainingDay(day_number=i + 1, date=d, module_number=rules.module_of_day(i, 25))
                   for i, d in enumerate(dates)]
    db.session.add(cohort)
    db.session.flush()
    past = [day for day in cohort.days if day.date < today()]
    for serial, (surname, name, born, sex, absences) in enumerate(TRAINEES, start=300):
        application = Application(
            programme_year=year, iin=rules.compose_iin(born, sex, serial), surname=surname, first_name=name,
            birth_date=born, sex=sex, phone=f"+7707{serial:07d}", district_id=district.id,
            social_status=SocialStatus.UNEMPLOYED, education=Education.VOCATIONAL, channel=Channel.EMPLOYMENT_CENTRE,
            cohort=cohort,
            access_code_hash=hash_code(DEMO_ACCESS_CODE),
            submission_key=new_submission_key(), language="kk", consent_version=CURRENT_VERSION,
            consent_language="kk", consent_at=utcnow())
        db.session.add(application)
        db.session.flush()
        audit.record("submitted", None, application, to_status=Status.SUBMITTED)
        walk(application, Status.IN_TRAINING, users)
        for index, day in enumerate(past):
            absent = index % 3 == 1 and index // 3 < absences
            db.session.add(Attendance(training_day_id=day.id, application_id=application.id,
                                      recorded_by_id=users[Role.TRAINER].id,
                                      mark=Mark.ABSENT if absent else Mark.PRESENT))
        for day in past:
            day.delivered_at, day.delivered_by_id = utcnow(), users[Role.TRAINER].id
    db.session.commit()


# Two more stages to try: on list №2, sent and not decided yet (the chamber's to approve), and withdrawn.
def _iin_and_name(serial: int, surname: str, name: str, patronymic: str | None, born: date, sex: str) -> tuple:
    return rules.compose_iin(born, sex, serial), surname, name, patronymic, born, sex


ON_LIST_2 = _iin_and_name(150, "Тұрсынова", "Динара", "Ғаниқызы", date(1989, 9, 4), "female")
WITHDRAWN_ONE = _iin_and_name(151, "Бекмұханов", "Асылан", None, date(1984, 3, 22), "male")


def _send_undecided_list(officer: User, application_id: int) -> None:
    from .lists.services import send_list
    send_list(officer, [application_id])
    db.session.commit()


RETURNED_BY_THE_CHAMBER = "Мұратов"  # on list №1 too, returned (not reachable): the centre can put him back on it


def _send_demo_list(officer: User, chamber: User, approved: list[int], returned: int) -> None:
    """List №1, already approved by the chamber for the two who wait for their test; one name returned."""
    from .lists.services import send_list
    sent = send_list(officer, approved + [returned])
    for entry in sent.entries:
        entry.decided_at, entry.decided_by = utcnow(), chamber
        if entry.application_id == returned:
            entry.decision, entry.reason, entry.note = Decision.RETURNED, "not_reachable", "Телефоны өшірулі"
            audit.record("returned_to_centre", chamber, entry.application, from_status=entry.application.status,
                         to_status=None, reason="not_reachable", typed=entry.note)
            continue
        entry.decision = Decision.APPROVED
        move_to(entry.application, Status.LIST_APPROVED, by=chamber, note=sent.title)
    db.session.commit()


def _apply(iin, surname, name, patronymic, born, sex, district, year, code, operator, status, users,
           consent_way: ConsentWay | None = None) -> Application:
    application = submit_application(NewApplication(
        iin=iin, surname=surname, first_name=name, patronymic=patronymic, birth_date=born, sex=sex,
        phone=f"+7701{iin[-7:]}", district_id=district.id, social_status=SocialStatus.UNEMPLOYED.value,
        education=Education.SECONDARY.value, business_idea="Ауылда наубайхана ашу", channel=Channel.AKIMAT,
        language="kk", consent_version=CURRENT_VERSION, consent_language="kk", consent_at=utcnow(),
        # The operator's applications: the citizen signed the printed consent, or (waiting) has not yet.
        consent_way=consent_way or (ConsentWay.PAPER if operator else ConsentWay.ONLINE),
        consent_recorded_by_id=operator.id if operator and consent_way is None else None,
        programme_year=year, submission_key=new_submission_key()), code, entered_by=operator)
    if year != rules.programme_year(today()):
        application.created_at = application.created_at - timedelta(days=365)
    walk(application, status, users)
    db.session.commit()
    return application


def walk(application: Application, target: Status, users: dict[Role, User], note: str | None = None) -> None:
    """Bring a demo application to `target` the way real ones get there: step by step through the life
    cycle's door, each step made by the first who may make it (the calendar, or a demo user of that role)."""
    from .lifecycle import CALENDAR, LIFE_CYCLE, path_to

    path = path_to(target)
    for current, step in zip(path, path[1:]):
        allowed = LIFE_CYCLE[current].moves[step].by
        by = CALENDAR if CALENDAR in allowed else users[Role(allowed[0])]
        move_to(application, step, by=by, note=note)


DEMO_TEST_CODE = "202614"  # the terminal code of the half-answered demo test (real codes are random, shown once)


def _half_answered_test(application_id: int, chamber: User) -> None:
    """One of the two on list №1 has begun the test at a terminal: half of the answers are kept on the sitting.
    Enter DEMO_TEST_CODE and her IIN at /test to go on. The code stays valid a week (a real one: 3 hours)."""
    import json

    from .models import TestMethod, TestSitting
    from .potential.services import active_questions, code_hash
    application = db.session.get(Application, application_id)
    questions = active_questions()
    kept = {str(q.id): max(q.options, key=lambda o: o.points).id for q in questions[: len(questions) // 2]}
    now = utcnow()
    db.session.add(TestSitting(application=application, method=TestMethod.TERMINAL,
                               code_hash=code_hash(application.iin, DEMO_TEST_CODE), opened_by_id=chamber.id,
                               opened_at=now, expires_at=now + timedelta(days=7), answers=json.dumps(kept)))
    audit.record("test_sitting_opened", chamber, application, note=TestMethod.TERMINAL.value)
    db.session.commit()


def _erasure_demo_lines() -> list[str]:
    """A graduate to try the withdrawal of consent on (not the certificate holder of the stage table): after it,
    her certificate's page says only "issued"."""
    graduate = _demo_applicant(GRADUATES[2][0])
    if graduate is None:
        return []
    return [f"Withdraw consent (erases her data): {graduate.surname} {graduate.first_name}, {graduate.reference}, "
            f"IIN {graduate.iin}"]


def _personal_data_demo_lines() -> list[str]:
    """The assisted application whose citizen has not consented yet, and where to see who looked at a person."""
    waiting = db.session.scalar(sa.select(Application).where(Application.consent_way == ConsentWay.PENDING,
                                                             Application.anonymised_at.is_(None)).limit(1))
    lines = []
    if waiting:
        lines.append(f"Own consent pending: {waiting.surname} {waiting.first_name}, {waiting.reference}; `operator` "
                     f"prints it or sends a code: /staff/applications/{waiting.id}")
    lines.append("Who looked at a person: `admin` at /admin/read-log; \"My data\" on any status page")
    return lines


# One demo person at each stage of the journey (the README's "Try it in ten minutes" uses them).
STAGES = [  # stage as the table says it, surname
    ("waiting for the centre", "Серікбаева"),
    ("on list №2, at the chamber", ON_LIST_2[1]),
    ("waiting for the test", "Жақыпова"),
    ("in training", "Ахметжанова"),
    ("flagged (4 days absent)", "Дүйсенбаев"),
    ("defended, certificate", "Байжанов"),
    ("loan approved", "Әбілқасымова"),
    ("withdrawn", WITHDRAWN_ONE[1]),
]
MAIN_PAGES = ("Pages: / start · /apply · /status · /test (terminal test) · /certificates\n"
              "Staff: /staff/login · /staff/sms/ (messages sent) · /dashboard")


def _demo_applicant(surname: str) -> Application | None:
    return db.session.scalar(sa.select(Application).where(
        Application.surname == surname, Application.programme_year == rules.programme_year(today()),
        Application.anonymised_at.is_(None)).limit(1))


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]


def _stage_rows() -> list[tuple[str, ...]]:
    code = f"{DEMO_ACCESS_CODE[:4]} {DEMO_ACCESS_CODE[4:]}"
    rows = [("stage", "name", "reference", "IIN", "access code")]
    for stage, surname in STAGES:
        person = _demo_applicant(surname)
        if person is None:  # erased, or a database that is not the demo's
            continue
        extra = f" (test code {DEMO_TEST_CODE[:3]} {DEMO_TEST_CODE[3:]} at /test)" if surname == "Жақыпова" else ""
        rows.append((stage, f"{person.surname} {person.first_name}", person.reference, person.iin, code + extra))
    return rows


def _staff_rows() -> list[tuple[str, ...]]:
    rows = [("role", "username", "password", "area")]
    names = [username for username, *_rest in USERS] + [SECOND_MEMBER[0]]
    found = {u.username: u for u in db.session.scalars(sa.select(User).where(User.username.in_(names)))}
    for username in names:
        if username in found:
            user = found[username]
            area = user.district or user.region
            rows.append((user.role.value, username, DEMO_PASSWORD, area.name_kk if area else "the whole country"))
    return rows


def logins_text() -> str:
    """What `make run` prints: the demo people by stage, the staff sign-ins, the main pages, a few more to try."""
    lines = ["", "Demo people (status at /status):"]
    stages = _stage_rows()
    lines += _aligned(stages) if len(stages) > 1 else ["  (none: this is not the demo database)"]
    lines += ["", "Staff sign-in at /staff/login:"]
    lines += _aligned(_staff_rows())
    lines += ["", MAIN_PAGES, "Also:"]
    lines += ["  " + line for line in _erasure_demo_lines() + _personal_data_demo_lines() + _defence_demo_lines()]
    lines.append("  Shared terminal: as operator open /terminal and press \"Mark this browser as a shared terminal\"")
    return "\n".join(lines)


# Cohort 6 defended ten days ago: `region` may reopen its session (30 days); cohort 3 (ended yesterday) defends
# today, scored by both members and ready for `chamber` to close once the worker completes its training.
DEFENDED_RECENTLY = [  # surname, name, born, sex, points of member 1 and of member 2 on every criterion
    ("Нұрмағамбетова", "Айгерім", date(1991, 5, 14), "female", 8, 7),
    ("Құдайбергенов", "Ерболат", date(1987, 11, 2), "male", 6, 5),
    ("Садықова", "Мадина", date(1995, 2, 9), "female", 4, 5),
]
DEFENCE_TODAY_POINTS = {"Қалиева": (9, 8), "Мамыров": (5, 6), "Петрова": (7, 7)}
SECOND_MEMBER = ("commission2", "Бақыт Жүнісов")


def _defence_demo(district: District, year: int, users: dict) -> None:
    from .calendar import public_holidays
    from .models import DefenceScore, RubricCriterion
    rubric = db.session.scalars(sa.select(RubricCriterion).where(RubricCriterion.active)).all()
    chamber = users[Role.CHAMBER_STAFF]
    second = User(username=SECOND_MEMBER[0], full_name=SECOND_MEMBER[1], role=Role.COMMISSION, district=district,
                  must_change_password=False)
    second.set_password(DEMO_PASSWORD)
    db.session.add(second)
    members = [users[Role.COMMISSION], second]
    holidays = public_holidays()
    dates = rules.training_dates(_first_training_day(today() - timedelta(days=55), holidays), 25, holidays)
    cohort = _demo_cohort(district, 6, "kk", "Қаскелең, Сүйінбай 3", dates, users, held=True)
    held_on = today() - timedelta(days=10)
    closed = DefenceSession(cohort=cohort, held_on=held_on, place="Қаскелең, аудандық әкімдік, 2-зал",
                            created_by_id=chamber.id, members=members)
    db.session.add_all([cohort, closed])
    db.session.flush()
    decided_at = utcnow() - timedelta(days=10)
    for serial, (surname, name, born, sex, first, other) in enumerate(DEFENDED_RECENTLY, start=800):
        application = _demo_person(serial, surname, name, born, sex, district, cohort.programme_year, cohort)
        walk(application, Status.TRAINING_COMPLETED, users)
        totals = []
        for member, points in zip(members, (first, other)):
            for criterion in rubric:
                db.session.add(DefenceScore(session_id=closed.id, application_id=application.id, member_id=member.id,
                                            criterion_id=criterion.id, points=min(points, criterion.max_points)))
            totals.append(rules.weighted_percent({c.id: min(points, c.max_points) for c in rubric}, rubric))
        defended = rules.defence_passed(totals)
        percent = rules.shown_percent(rules.defence_average(totals))
        db.session.add(DefenceResult(session_id=closed.id, application_id=application.id, defended=defended,
                                     average_percent=percent, decided_by_id=chamber.id, decided_at=decided_at))
        move_to(application, Status.DEFENDED if defended else Status.NOT_DEFENDED, by=chamber, note=f"{percent}%")
        db.session.add(Certificate(application_id=application.id, number=rules.certificate_number(year),
                                   kind=CertificateKind(rules.certificate_kind(defended)), cohort_id=cohort.id,
                                   language="kk", issued_on=held_on, issued_by_id=chamber.id))
    ended = db.session.scalar(sa.select(Cohort).where(Cohort.district_id == district.id, Cohort.number == 3,
                                                      Cohort.programme_year == cohort.programme_year))
    if ended is not None:
        ready = DefenceSession(cohort=ended, held_on=today(), place="Қаскелең, аудандық әкімдік, 2-зал",
                               created_by_id=chamber.id, members=members)
        db.session.add(ready)
        db.session.flush()
        for application in db.session.scalars(sa.select(Application).where(Application.cohort_id == ended.id)):
            for member, points in zip(members, DEFENCE_TODAY_POINTS.get(application.surname, ())):
                for criterion in rubric:
                    db.session.add(DefenceScore(session_id=ready.id, application_id=application.id,
                                                member_id=member.id, criterion_id=criterion.id,
                                                points=min(points, criterion.max_points)))
    db.session.commit()


def _defence_demo_lines() -> list[str]:
    rows = db.session.execute(sa.select(DefenceSession.id, Cohort.number).join(Cohort)
                              .where(Cohort.number.in_((3, 6)), DefenceSession.held_on >= today() - timedelta(days=30))
                              .order_by(DefenceSession.id)).all()
    found = {number: session_id for session_id, number in rows}
    lines = []
    if 6 in found:
        lines.append(f"Defence session closed 10 days ago, `region` may reopen it: /defence/{found[6]}")
    if 3 in found:
        lines.append(f"Defence today, scored, for `chamber` to close once cohort 3 is completed: /defence/{found[3]}")
    return lines


# Cohorts that show the calendar moving by itself: within a minute of `make run` the job worker completes the
# training of cohort 3 (its last day was yesterday) and starts cohort 5 (its first day is today); cohort 4 starts
# tomorrow, moved by the worker just after Almaty midnight.
ENDED_YESTERDAY = [  # surname, name, born, sex, unexcused absent days
    ("Қалиева", "Сания", date(1989, 8, 14), "female", 0),
    ("Мамыров", "Асқар", date(1984, 12, 2), "male", 1),
    ("Петрова", "Анна", date(1992, 4, 19), "female", 0),
    ("Сұлтанов", "Бауыржан", date(1986, 3, 8), "male", 5),  # flagged weeks ago, still waiting for the commission
]
STARTS_TOMORROW = [
    ("Тасболатова", "Айгүл", date(1993, 6, 6), "female"),
    ("Ким", "Виктор", date(1980, 10, 10), "male"),
    ("Рахымжанов", "Дархан", date(1998, 1, 15), "male"),
]

STARTS_TODAY = [  # enrolled; the worker puts them in training on its first run
    ("Омарова", "Дина", date(1990, 9, 21), "female"),
    ("Жексенбаев", "Ілияс", date(1987, 2, 11), "male"),
]


def _ending_yesterday(holidays) -> list[date]:
    """25 training days whose last one is the last training day before today."""
    last = today() - timedelta(days=1)
    while last.weekday() == rules.SUNDAY or last in holidays:
        last -= timedelta(days=1)
    start = last - timedelta(days=25)
    while (dates := rules.training_dates(start, 25, holidays))[-1] != last:
        start -= timedelta(days=1) if dates[-1] > last else -timedelta(days=1)
    return dates


def _demo_person(serial: int, surname: str, name: str, born: date, sex: str, district: District, year: int,
                 cohort: Cohort) -> Application:
    application = Application(
        programme_year=year, iin=rules.compose_iin(born, sex, serial), surname=surname, first_name=name,
        birth_date=born, sex=sex, phone=f"+7708{serial:07d}", district_id=district.id,
        social_status=SocialStatus.UNEMPLOYED, education=Education.SECONDARY, channel=Channel.CHAMBER_BRANCH,
        cohort=cohort, access_code_hash=hash_code(DEMO_ACCESS_CODE),
        submission_key=new_submission_key(), language="kk", consent_version=CURRENT_VERSION,
        consent_language="kk", consent_at=utcnow())
    db.session.add(application)
    db.session.flush()
    audit.record("submitted", None, application, to_status=Status.SUBMITTED)
    return application


def _demo_cohort(district: District, number: int, language: str, venue: str, dates: list[date], users: dict,
                 held: bool = False) -> Cohort:
    """A cohort on the given training days (held ones marked delivered)."""
    trainer = users[Role.TRAINER]
    cohort = Cohort(district=district, programme_year=dates[0].year, number=number, language=language, venue=venue,
                    start_date=dates[0], training_days=len(dates), capacity=25, trainer=trainer,
                    created_by_id=users[Role.CHAMBER_STAFF].id)
    cohort.days = [TrainingDay(day_number=i + 1, date=d, module_number=rules.module_of_day(i, len(dates)),
                               delivered_at=utcnow() if held else None, delivered_by_id=trainer.id if held else None)
                   for i, d in enumerate(dates)]
    return cohort


def _first_training_day(day: date, holidays) -> date:
    while day.weekday() == rules.SUNDAY or day in holidays:
        day += timedelta(days=1)
    return day


def _calendar_demo_cohorts(district: District, year: int, users: dict) -> None:
    from .calendar import public_holidays
    holidays = public_holidays()
    trainer = users[Role.TRAINER]
    ended = _demo_cohort(district, 3, "kk", "Қаскелең, Наурызбай батыр 4", _ending_yesterday(holidays), users,
                         held=True)
    upcoming = _demo_cohort(district, 4, "ru", "Қаскелең, Жібек жолы 7", rules.training_dates(
        _first_training_day(today() + timedelta(days=1), holidays), 25, holidays), users)
    starting = _demo_cohort(district, 5, "kk", "Қаскелең, Райымбек 15", rules.training_dates(
        _first_training_day(today(), holidays), 25, holidays), users)
    db.session.add_all([ended, upcoming, starting])
    db.session.flush()
    for serial, (surname, name, born, sex, absences) in enumerate(ENDED_YESTERDAY, start=500):
        application = _demo_person(serial, surname, name, born, sex, district, year, ended)
        walk(application, Status.IN_TRAINING, users)
        for index, day in enumerate(ended.days):
            absent = index % 4 == 1 and index // 4 < absences
            db.session.add(Attendance(training_day_id=day.id, application_id=application.id,
                                      recorded_by_id=trainer.id, mark=Mark.ABSENT if absent else Mark.PRESENT))
    for serial, (surname, name, born, sex) in enumerate(STARTS_TOMORROW, start=600):
        application = _demo_person(serial, surname, name, born, sex, district, year, upcoming)
        walk(application, Status.ENROLLED, users)
    for serial, (surname, name, born, sex) in enumerate(STARTS_TODAY, start=700):
        application = _demo_person(serial, surname, name, born, sex, district, year, starting)
        walk(application, Status.ENROLLED, users)
    db.session.commit()
