"""The trainer's register, the absence rule (> 3 unexcused days flags a participant) and the commission's
decisions (expel or keep), through HTTP as the trainer's phone and the commission's browser use them."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from bastau.clock import today
from bastau.extensions import db
from bastau.models import (
    Application,
    Attendance,
    AuditEntry,
    Cohort,
    ExpulsionReview,
    Mark,
    Role,
    Status,
    TrainingDay,
)
from bastau.commission import services as decisions
from bastau.trainer import services
from tests.conftest import csrf_token, district, login, page_text, post_form, translated

OWN, OTHER = "195200000", "615200000"  # Қарасай (Алматы облысы), Сайрам (Түркістан облысы)
PAST_DAYS = 10  # the cohorts below started 10 days ago: days 1–10 are past, day 11 is today, 12–25 to come


def make_cohort(app, trainer_id: int, code: str = OWN, number: int = 1, started: date | None = None,
                days: int = 25) -> dict:
    """A cohort with one session a day from `started` on (the schedule rule has its own tests)."""
    started = started or today() - timedelta(days=PAST_DAYS)
    with app.app_context():
        cohort = Cohort(district_id=district(code).id, programme_year=started.year, number=number, language="kk",
                        venue="Қаскелең, Абылай хан 25", start_date=started, training_days=days, capacity=30,
                        trainer_id=trainer_id, created_by_id=trainer_id)
        cohort.days = [TrainingDay(day_number=i + 1, date=started + timedelta(days=i), module_number=i * 12 // days + 1)
                       for i in range(days)]
        db.session.add(cohort)
        db.session.commit()
        return {"id": cohort.id, "days": {d.date: d.id for d in cohort.days}}


@pytest.fixture
def trainer(app, make_user):
    client = app.test_client()
    client.user = make_user(Role.TRAINER)
    login(client, client.user)
    return client


@pytest.fixture
def group(app, trainer, make_application) -> dict:
    """The trainer's cohort in the own district with three participants in training."""
    cohort = make_cohort(app, trainer.user.id)
    people = [make_application(status=Status.IN_TRAINING, cohort_id=cohort["id"], surname=name)
              for name in ("Әбенова", "Бекова", "Ғалиева")]
    return dict(cohort, people=people)


def day_url(day_id: int) -> str:
    return f"/trainer/days/{day_id}"


def day_of(group: dict, days_ago: int) -> int:
    return group["days"][today() - timedelta(days=days_ago)]


def save(client, day_id: int, marks: dict[int, str] | None = None, delivered: bool = False, **extra):
    """Post the register as the phone sends it: what the page shows as chosen, changed where told."""
    body = page_text(client.get(day_url(day_id)))
    data = dict(re.findall(r'name="(m\d+)" id="m\d+\w" value="(\w+)" checked', body))
    data.update(re.findall(r'<select id="(r\d+)" name="r\d+">.*?<option value="(\w+)" selected>', body))
    for application_id, mark in (marks or {}).items():
        data[f"m{application_id}"] = mark
    if delivered:
        data["delivered"] = "y"
    data.update(extra)
    return post_form(client, day_url(day_id), data)


def marks(store, day_id: int) -> dict[int, Attendance]:
    return {row.application_id: row for row in store.scalars(
        sa.select(Attendance).where(Attendance.training_day_id == day_id))}


def audit_of(store, action: str = services.MARKED) -> list[AuditEntry]:
    return store.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))


def absent_on(app, trainer_id: int, application_id: int, day_ids: list[int], mark: Mark = Mark.ABSENT) -> None:
    """Marks stored directly, for tests about counting (the register itself is tested through HTTP)."""
    with app.app_context():
        for day_id in day_ids:
            db.session.add(Attendance(training_day_id=day_id, application_id=application_id, mark=mark,
                                      reason="illness" if mark == Mark.EXCUSED else None, recorded_by_id=trainer_id))
        db.session.commit()


def counts_on_page(body: str, application_id: int) -> tuple[int, int, int]:
    found = re.search(rf'id="a{application_id}" data-present="(\d+)" data-unexcused="(\d+)" data-excused="(\d+)"',
                      body)
    return tuple(int(n) for n in found.groups())


# ---- My cohorts: own cohorts only, today's session first ----

def test_trainer_sees_own_cohorts_only(app, trainer, make_user, group):
    colleague = make_user(Role.TRAINER, username="trainer-2")
    theirs = make_cohort(app, colleague.id, number=2)
    elsewhere = make_user(Role.TRAINER, OTHER)
    far = make_cohort(app, elsewhere.id, code=OTHER)
    mislaid = make_cohort(app, trainer.user.id, code=OTHER, number=3)  # own trainer, another district's cohort

    body = page_text(trainer.get("/trainer/"))
    assert f'id="cohort-{group["id"]}"' in body
    for cohort in (theirs, far, mislaid):
        assert f'id="cohort-{cohort["id"]}"' not in body
        assert trainer.get(f"/trainer/cohorts/{cohort['id']}").status_code == 404
        some_day = next(iter(cohort["days"].values()))
        assert trainer.get(day_url(some_day)).status_code == 404
        response = post_form(trainer, day_url(some_day), {"m1": "absent"}, page="/trainer/")
        assert response.status_code == 404
    assert trainer.get(f"/trainer/cohorts/{group['id']}").status_code == 200


def test_the_cohort_with_a_session_today_comes_first_with_a_big_button(app, trainer, group):
    later = make_cohort(app, trainer.user.id, number=2, started=today() + timedelta(days=30))
    finished = make_cohort(app, trainer.user.id, number=3, started=today() - timedelta(days=60))
    body = page_text(trainer.get("/trainer/"))
    order = [int(n) for n in re.findall(r'<li id="cohort-(\d+)"', body)]
    assert order[0] == group["id"] and set(order) == {group["id"], later["id"], finished["id"]}
    assert order[-1] == finished["id"]
    today_panel = body[body.index(f'id="today-{group["id"]}"'):]
    assert f'href="{day_url(day_of(group, 0))}"' in today_panel[:1000]
    assert 'id="today-' + str(later["id"]) not in body


def test_my_cohorts_shows_one_programme_year_and_links_the_others(app, trainer, group, make_application):
    """In a trainer's tenth year the page costs what it did in the first: earlier years are a link each."""
    this_year = today().year
    old = make_cohort(app, trainer.user.id, number=1, started=date(this_year - 2, 3, 2))
    older = make_cohort(app, trainer.user.id, number=1, started=date(this_year - 3, 3, 2))
    make_application(status=Status.TRAINING_COMPLETED, cohort_id=old["id"], surname="Өткенова")
    # a cohort of last December that trains into this year is still on the first page
    running = make_cohort(app, trainer.user.id, number=6, started=today() - timedelta(days=3), days=25)
    with app.app_context():
        db.session.get(Cohort, running["id"]).programme_year = this_year - 1
        db.session.commit()

    body = page_text(trainer.get("/trainer/"))
    listed = {int(n) for n in re.findall(r'<li id="cohort-(\d+)"', body)}
    assert listed == {group["id"], running["id"]}
    assert "Өткенова" not in body
    years = body[body.index('id="years"'):]
    assert f'href="/trainer/?year={this_year - 2}"' in years and f'href="/trainer/?year={this_year - 3}"' in years

    earlier = page_text(trainer.get(f"/trainer/?year={this_year - 2}"))
    assert {int(n) for n in re.findall(r'<li id="cohort-(\d+)"', earlier)} == {old["id"]}
    assert f"{this_year - 2}</h1>" in earlier and 'href="/trainer/"' in earlier[earlier.index('id="years"'):]
    for wrong in ("1999", "abc", "9" * 30, str(this_year + 5)):  # not one of the trainer's years: this year's page
        assert {int(n) for n in re.findall(r'<li id="cohort-(\d+)"', page_text(trainer.get(f"/trainer/?year={wrong}")))} \
            == listed
    assert older["id"] not in listed


def test_cohort_page_shows_schedule_delivered_and_counts(app, store, trainer, group):
    first = group["people"][0]
    absent_on(app, trainer.user.id, first, [day_of(group, 10), day_of(group, 9)])
    absent_on(app, trainer.user.id, first, [day_of(group, 8)], Mark.EXCUSED)
    absent_on(app, trainer.user.id, first, [day_of(group, 7)], Mark.PRESENT)
    store.execute(sa.update(TrainingDay).where(TrainingDay.id == day_of(group, 10))
                  .values(delivered_at=sa.func.now(), delivered_by_id=trainer.user.id))
    body = page_text(trainer.get(f"/trainer/cohorts/{group['id']}"))
    assert counts_on_page(body, first) == (1, 2, 1)
    assert counts_on_page(body, group["people"][1]) == (0, 0, 0)
    delivered = re.search(rf'<li id="d{day_of(group, 10)}"[^>]*>.*?</li>', body, re.DOTALL).group(0)
    not_yet = re.search(rf'<li id="d{day_of(group, 9)}"[^>]*>.*?</li>', body, re.DOTALL).group(0)
    assert 'class="done"' in delivered and 'class="done"' not in not_yet
    future = re.search(rf'<li id="d{day_of(group, -1)}"[^>]*>.*?</li>', body, re.DOTALL).group(0)
    assert day_url(day_of(group, -1)) not in future  # no register for a day to come
    assert 'id="today"' in body


# ---- The register ----

def test_everyone_starts_present(trainer, group):
    body = page_text(trainer.get(day_url(day_of(group, 0))))
    for application_id in group["people"]:
        assert f'id="m{application_id}p" value="present" checked' in body
        assert f'id="m{application_id}a" value="absent">' in body


def test_save_present_absent_and_excused_with_a_reason(store, trainer, group):
    here, away, excused = group["people"]
    day_id = day_of(group, 0)
    response = save(trainer, day_id, {away: "absent", excused: "excused"}, **{f"r{excused}": "illness",
                                                                             f"n{excused}": "Дәрігер анықтамасы"})
    assert response.status_code == 302 and response.location.endswith(f"/trainer/cohorts/{group['id']}")
    saved = marks(store, day_id)
    assert {k: v.mark for k, v in saved.items()} == {here: Mark.PRESENT, away: Mark.ABSENT, excused: Mark.EXCUSED}
    assert (saved[excused].reason, saved[excused].note) == ("illness", "Дәрігер анықтамасы")
    assert saved[away].reason is None and saved[here].recorded_by_id == trainer.user.id
    entries = audit_of(store)
    assert sorted(e.application_id for e in entries) == sorted([away, excused])  # not for the one present
    by_person = {e.application_id: e for e in entries}
    assert by_person[away].note == f"{today().isoformat()}: absent"
    assert (by_person[excused].note, by_person[excused].reason) == (f"{today().isoformat()}: excused", "illness")
    assert all(e.actor_id == trainer.user.id and e.actor_role == "trainer" for e in entries)

    body = page_text(trainer.get(day_url(day_id)))  # opened again: the saved marks, not "all present"
    assert f'id="m{away}a" value="absent" checked' in body
    assert f'id="m{excused}e" value="excused" checked' in body
    assert re.search(r'<option value="illness" selected>', body)


def test_excused_needs_a_reason_and_nothing_is_saved_without_it(store, trainer, group):
    excused = group["people"][2]
    response = save(trainer, day_of(group, 0), {excused: "excused"}, **{f"n{excused}": "ауырып қалды"})
    assert response.status_code == 422
    body = page_text(response)
    assert 'id="error-summary"' in body and f'href="#m{excused}p"' in body  # the person's first choice
    assert f'id="m{excused}e" value="excused" checked' in body and 'value="ауырып қалды"' in body  # kept as typed
    assert marks(store, day_of(group, 0)) == {} and audit_of(store) == []


def test_saving_twice_changes_nothing_the_second_time(store, trainer, group):
    away = group["people"][1]
    day_id = day_of(group, 0)
    page = page_text(trainer.get(day_url(day_id)))
    token = csrf_token(trainer, day_url(day_id))
    data = {f"m{i}": "present" for i in re.findall(r'name="m(\d+)"', page)}
    data.update({f"m{away}": "absent", "delivered": "y", "csrf_token": token})
    first = trainer.post(day_url(day_id), data=data)
    saved_first = marks(store, day_id)
    delivered_first = store.scalar(sa.select(TrainingDay.delivered_at).where(TrainingDay.id == day_id))
    again = trainer.post(day_url(day_id), data=data)  # the same request again: the connection dropped
    assert first.status_code == again.status_code == 302
    assert store.count(Attendance) == 3 and len(audit_of(store)) == 1
    saved_again = marks(store, day_id)
    assert {k: (v.id, v.mark, v.recorded_at) for k, v in saved_again.items()} == \
           {k: (v.id, v.mark, v.recorded_at) for k, v in saved_first.items()}
    assert store.scalar(sa.select(TrainingDay.delivered_at).where(TrainingDay.id == day_id)) == delivered_first


def test_the_same_register_sent_twice_at_once_is_saved_once(store, trainer, group):
    """A retry that overtakes the first request (slow network): both finish, one set of rows and entries."""
    import threading
    away = group["people"][1]
    day_id = day_of(group, 0)
    token = csrf_token(trainer, day_url(day_id))
    data = {**{f"m{p}": "present" for p in group["people"]}, f"m{away}": "absent", "csrf_token": token}
    start, codes = threading.Barrier(3), []

    def send() -> None:
        start.wait()
        codes.append(trainer.post(day_url(day_id), data=data).status_code)

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == [302, 302, 302]
    assert store.count(Attendance) == 3 and len(audit_of(store)) == 1


def test_a_correction_is_saved_in_place_and_logged(store, trainer, group):
    away = group["people"][1]
    day_id = day_of(group, 0)
    save(trainer, day_id, {away: "absent"})
    save(trainer, day_id, {away: "present"})  # came late after all
    assert store.count(Attendance) == 3
    assert marks(store, day_id)[away].mark == Mark.PRESENT
    assert [e.note for e in audit_of(store)] == [f"{today().isoformat()}: absent", f"{today().isoformat()}: present"]


def test_a_past_day_can_be_filled_in_a_future_day_cannot(store, trainer, group):
    away = group["people"][0]
    past = day_of(group, 6)
    assert save(trainer, past, {away: "absent"}).status_code == 302
    assert marks(store, past)[away].mark == Mark.ABSENT
    assert audit_of(store)[0].note == f"{(today() - timedelta(days=6)).isoformat()}: absent"

    future = day_of(group, -1)
    page = trainer.get(day_url(future))
    assert page.status_code == 200
    body = page_text(page)
    assert 'id="register-error"' in body and 'name="m' not in body  # said kindly, no form
    response = post_form(trainer, day_url(future), {f"m{away}": "absent"}, page=day_url(past))
    assert response.status_code == 422 and 'id="register-error"' in page_text(response)
    assert marks(store, future) == {}


def test_module_delivered_is_ticked_and_unticked(store, trainer, group):
    day_id = day_of(group, 0)
    save(trainer, day_id, delivered=True)
    day = store.scalar(sa.select(TrainingDay).where(TrainingDay.id == day_id))
    assert day.delivered_at is not None and day.delivered_by_id == trainer.user.id
    assert re.search(r'<input checked[^>]*id="delivered"', page_text(trainer.get(day_url(day_id))))
    save(trainer, day_id, delivered=False)
    assert store.scalar(sa.select(TrainingDay.delivered_at).where(TrainingDay.id == day_id)) is None
    assert audit_of(store) == []  # delivering a module is not a decision about a person


def test_only_participants_in_training_are_on_the_register(app, store, trainer, group, make_application):
    # Pages never move statuses (the calendar's job does): the enrolled one stays enrolled on the register page.
    newcomer = make_application(status=Status.ENROLLED, cohort_id=group["id"], surname="Дәулетова")
    gone = make_application(status=Status.WITHDRAWN, cohort_id=group["id"], surname="Жұмабаева")
    expelled = make_application(status=Status.EXPELLED, cohort_id=group["id"], surname="Иманова")
    elsewhere = make_application(status=Status.IN_TRAINING, surname="Қасымова")  # in no cohort
    first_day = page_text(trainer.get(day_url(day_of(group, PAST_DAYS))))
    today_page = page_text(trainer.get(day_url(day_of(group, 0))))
    for person in group["people"]:
        assert f'name="m{person}"' in first_day and f'name="m{person}"' in today_page
    assert f'name="m{newcomer}"' in first_day and f'name="m{newcomer}"' not in today_page  # enrolled: day 1 only
    for person in (gone, expelled, elsewhere):
        assert f'name="m{person}"' not in first_day + today_page
    # Sending a mark for someone not on the register stores nothing for them.
    save(trainer, day_of(group, 0), **{f"m{gone}": "absent", f"m{elsewhere}": "absent"})
    assert set(marks(store, day_of(group, 0))) == set(group["people"])


# ---- The absence rule ----

def flagged_on_cohort_page(trainer, group) -> set[int]:
    return {int(n) for n in re.findall(r'id="f(\d+)"', page_text(trainer.get(f"/trainer/cohorts/{group['id']}")))}


def test_four_unexcused_days_flag_three_do_not_excused_days_do_not_count(app, trainer, group):
    three, four, excused = group["people"]
    for n in (10, 9, 8):  # through the register, as the trainer does it
        save(trainer, day_of(group, n), {four: "absent", three: "absent", excused: "absent"})
    for n in (7, 6, 5):
        save(trainer, day_of(group, n), {excused: "excused"}, **{f"r{excused}": "family"})
    assert flagged_on_cohort_page(trainer, group) == set()
    save(trainer, day_of(group, 4), {four: "absent"})
    assert flagged_on_cohort_page(trainer, group) == {four}
    body = page_text(trainer.get(f"/trainer/cohorts/{group['id']}"))
    assert counts_on_page(body, four) == (3, 4, 0)
    assert counts_on_page(body, three) == (4, 3, 0) and counts_on_page(body, excused) == (1, 3, 3)
    assert 'id="flag-note"' in body and 'data-days="4"' in body
    assert 'class="flag"' in page_text(trainer.get("/trainer/"))  # the cohort's card says so too


@pytest.fixture
def flagged(app, trainer, group) -> int:
    """The first participant, absent without a valid reason on four days."""
    person = group["people"][0]
    absent_on(app, trainer.user.id, person, [day_of(group, n) for n in (10, 9, 8, 7)])
    return person


def test_a_cohort_card_counts_everyone_who_joined_and_flags_only_those_still_in_training(
        app, store, trainer, group, flagged, make_application):
    gone = make_application(status=Status.EXPELLED, cohort_id=group["id"], surname="Жұмабаева")
    absent_on(app, trainer.user.id, gone, [day_of(group, n) for n in (10, 9, 8, 7, 6)])  # over the limit, but out
    body = page_text(trainer.get("/trainer/"))
    card = body[body.index(f'id="cohort-{group["id"]}"'):]
    card = card[:card.index("</li>")]
    assert "4 қатысушы" in card  # three in training and the one expelled
    assert "Комиссияның қарауына 1 қатысушы белгіленген" in card  # the expelled one is not flagged again
    assert f'id="warn-{gone}"' not in body


def flagged_ids(client) -> dict[int, int]:
    body = page_text(client.get("/attendance/flagged"))
    return {int(a): int(n) for a, n in re.findall(r'id="a(\d+)" data-unexcused="(\d+)"', body)}


@pytest.mark.parametrize("role", [Role.CHAMBER_STAFF, Role.COMMISSION])
def test_chamber_and_commission_of_the_district_see_the_flag(app, make_user, make_application, flagged, role):
    staff = app.test_client()
    login(staff, make_user(role))
    assert flagged_ids(staff) == {flagged: 4}
    far = app.test_client()
    login(far, make_user(role, OTHER))
    assert flagged_ids(far) == {}
    body = page_text(staff.get("/attendance/flagged"))
    link = "/commission/participants/" if role == Role.COMMISSION else "/staff/applications/"
    assert f'href="{link}{flagged}"' in body


def test_nobody_is_expelled_automatically(app, store, trainer, group, flagged):
    absent_on(app, trainer.user.id, flagged, [day_of(group, n) for n in (6, 5, 4, 3)])
    save(trainer, day_of(group, 0), {flagged: "absent"})
    trainer.get("/trainer/")
    assert store.scalar(sa.select(Application.status).where(Application.id == flagged)) == Status.IN_TRAINING
    assert store.count(ExpulsionReview) == 0 and audit_of(store, decisions.EXPELLED) == []


# ---- The commission's decision ----

@pytest.fixture
def commission(app, make_user):
    client = app.test_client()
    client.user = make_user(Role.COMMISSION)
    login(client, client.user)
    return client


def decide(client, application_id: int, **data):
    url = f"/commission/participants/{application_id}"
    return post_form(client, url, data)


def test_commission_expels(store, commission, flagged):
    page = commission.get(f"/commission/participants/{flagged}")
    assert page.status_code == 200 and 'id="decision"' in page_text(page)
    assert f'value="{today().isoformat()}"' in page_text(page)  # the date defaults to today
    response = decide(commission, flagged, decision="expel", expel_reason="unexcused_absences",
                      note="Ескерту берілді", decided_on=today().isoformat())
    assert response.status_code == 302
    assert store.scalar(sa.select(Application.status).where(Application.id == flagged)) == Status.EXPELLED
    entry, = audit_of(store, decisions.EXPELLED)
    assert (entry.from_status, entry.to_status, entry.reason, entry.note, entry.typed.text) == (
        Status.IN_TRAINING, Status.EXPELLED, "unexcused_absences", None, "Ескерту берілді")
    assert entry.actor_id == commission.user.id
    review, = store.scalars(sa.select(ExpulsionReview))
    assert (review.expel, review.reason, review.unexcused_days, review.decided_on) == (
        True, "unexcused_absences", 4, today())
    assert flagged_ids(commission) == {}
    again = decide(commission, flagged, decision="expel", expel_reason="other", decided_on=today().isoformat())
    assert again.status_code == 409 and store.count(ExpulsionReview) == 1  # decided already


def test_commission_keeps_and_the_flag_returns_only_with_a_further_unexcused_day(app, store, trainer, group,
                                                                                   commission, flagged):
    yesterday = today() - timedelta(days=1)
    response = decide(commission, flagged, decision="keep", keep_reason="valid_reasons_later",
                      decided_on=yesterday.isoformat())
    assert response.status_code == 302
    assert store.scalar(sa.select(Application.status).where(Application.id == flagged)) == Status.IN_TRAINING
    review, = store.scalars(sa.select(ExpulsionReview))
    assert (review.expel, review.unexcused_days, review.reason, review.decided_on) == (
        False, 4, "valid_reasons_later", yesterday)
    entry, = audit_of(store, decisions.KEPT)
    assert entry.reason == "valid_reasons_later" and entry.to_status is None
    assert flagged_ids(commission) == {} and flagged_on_cohort_page(trainer, group) == set()
    save(trainer, day_of(group, 0), {group["people"][1]: "absent"})  # someone else's absence changes nothing
    assert flagged_ids(commission) == {}
    save(trainer, day_of(group, 0), {flagged: "absent"})
    assert flagged_ids(commission) == {flagged: 5}
    assert flagged_on_cohort_page(trainer, group) == {flagged}


def test_a_decision_needs_a_fitting_reason_and_no_future_date(store, commission, flagged):
    tomorrow = (today() + timedelta(days=1)).isoformat()
    for data in ({"decision": "keep", "keep_reason": "other", "decided_on": tomorrow},
                 {"decision": "expel", "keep_reason": "other", "decided_on": today().isoformat()},
                 {"decision": "keep", "expel_reason": "other", "decided_on": today().isoformat()},
                 {"expel_reason": "other", "decided_on": today().isoformat()},
                 {"decision": "keep", "keep_reason": "other", "decided_on": "31.02.2026"}):
        response = decide(commission, flagged, **data)
        assert response.status_code == 422, data
        assert 'id="error-summary"' in page_text(response)
    assert store.count(ExpulsionReview) == 0
    assert store.scalar(sa.select(Application.status).where(Application.id == flagged)) == Status.IN_TRAINING


def test_nothing_to_decide_for_a_participant_who_is_not_flagged(store, commission, group):
    calm = group["people"][1]
    body = page_text(commission.get(f"/commission/participants/{calm}"))
    assert 'id="not-flagged"' in body and 'id="decision"' not in body
    response = decide(commission, calm, decision="expel", expel_reason="other", decided_on=today().isoformat())
    assert response.status_code == 409
    assert store.count(ExpulsionReview) == 0
    assert store.scalar(sa.select(Application.status).where(Application.id == calm)) == Status.IN_TRAINING


def test_another_districts_commission_gets_404(app, store, make_user, flagged):
    far = app.test_client()
    login(far, make_user(Role.COMMISSION, OTHER))
    assert far.get(f"/commission/participants/{flagged}").status_code == 404
    response = post_form(far, f"/commission/participants/{flagged}",
                         {"decision": "expel", "expel_reason": "other", "decided_on": today().isoformat()},
                         page="/attendance/flagged")
    assert response.status_code == 404
    assert store.count(ExpulsionReview) == 0


def test_the_decision_shows_in_the_staff_history(app, make_user, commission, flagged):
    decide(commission, flagged, decision="expel", expel_reason="stopped_attending", decided_on=today().isoformat())
    chamber = app.test_client()
    login(chamber, make_user(Role.CHAMBER_STAFF))
    body = page_text(chamber.get(f"/staff/applications/{flagged}"))
    from bastau.labels import ACTION_LABELS, EXPULSION_REASON_LABELS
    with app.test_request_context():
        assert str(ACTION_LABELS["expelled"]) in body
        assert str(EXPULSION_REASON_LABELS["stopped_attending"]) in body


# ---- The cohort pages move on first ----

def test_the_trainers_page_leaves_statuses_to_the_calendar(store, trainer, group, make_application):
    """The cohort has begun, but opening the trainer's page writes nothing: the calendar's job starts training."""
    newcomer = make_application(status=Status.ENROLLED, cohort_id=group["id"], surname="Дәулетова")
    before = store.count(AuditEntry)
    assert trainer.get("/trainer/").status_code == 200
    assert store.scalar(sa.select(Application.status).where(Application.id == newcomer)) == Status.ENROLLED
    assert store.count(AuditEntry) == before


def test_a_session_that_ended_keeps_the_marks(app, trainer, group):
    """A form open for too long: the CSRF token no longer fits; the marks come back to be saved again."""
    away = group["people"][1]
    response = trainer.post(day_url(day_of(group, 0)), data={"csrf_token": "stale", f"m{away}": "absent"})
    assert response.status_code == 400
    body = page_text(response)
    assert 'id="register-error"' in body and f'id="m{away}a" value="absent" checked' in body


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_the_expelled_participant_sees_it_with_the_reason_in_their_language(app, commission, flagged, locale):
    decide(commission, flagged, decision="expel", expel_reason="stopped_attending", decided_on=today().isoformat())
    applicant = app.test_client()
    applicant.set_cookie("lang", locale)
    with applicant.session_transaction() as session:  # as after a status look-up with the receipt
        session["status_application_id"] = flagged
    body = page_text(applicant.get("/status/view"))
    assert re.search(r'id="current-status">([^<]+)<', body).group(1) == translated("Expelled from training", locale)
    assert translated("Stopped coming to the training", locale) in body
    assert translated("The commission ended your training. You may apply again next year.", locale) in body
