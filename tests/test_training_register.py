"""The register on a trainer's phone with a weak connection: each mark is saved as it is tapped (a key made on the
phone makes a resend harmless), kept across a new sign-in; "module delivered" at the top with the module's name;
and a warning at 3 unexcused days, when a call can still help, with those people first."""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from bastau.clock import today
from bastau.models import Attendance, AttendanceKey, Mark, Role, Status, TrainingDay
from tests.conftest import csrf_token, login, page_text, translated, translated_plural
from tests.test_trainer import absent_on, audit_of, day_of, day_url, group, make_cohort, marks, trainer  # noqa: F401


def send(client, day_id: int, *items, token: str | None = None, finished: bool = False):
    """POST marks as static/js/register.js does: JSON, the page's token in X-CSRFToken."""
    token = token or csrf_token(client, day_url(day_id))
    return client.post(f"{day_url(day_id)}/marks", data=json.dumps({"marks": list(items), "finished": finished}),
                       content_type="application/json", headers={"X-CSRFToken": token})


def mark(person: int, value: str, key: str, reason: str = "", note: str = "") -> dict:
    return {"key": key, "person": person, "mark": value, "reason": reason, "note": note}


# ---- One mark at a time, idempotent by its key ----

def test_a_tapped_mark_is_saved_at_once_without_pressing_save(store, trainer, group):
    away = group["people"][1]
    day_id = day_of(group, 0)
    response = send(trainer, day_id, mark(away, "absent", "k-absent-0001"))
    assert response.status_code == 200 and response.json == {"saved": ["k-absent-0001"], "refused": {}}
    assert {k: v.mark for k, v in marks(store, day_id).items()} == {away: Mark.ABSENT}  # the others: not yet
    assert [e.application_id for e in audit_of(store)] == [away]
    assert f'id="m{away}a" value="absent" checked' in page_text(trainer.get(day_url(day_id)))


def test_the_same_mark_sent_twice_is_saved_once_and_an_old_one_never_flips_a_later_one(store, trainer, group):
    away = group["people"][1]
    day_id = day_of(group, 0)
    first = mark(away, "absent", "k-first-00001")
    send(trainer, day_id, first)
    assert send(trainer, day_id, first).json == {"saved": ["k-first-00001"], "refused": {}}  # the answer was lost
    assert store.count(Attendance) == 1 and len(audit_of(store)) == 1
    send(trainer, day_id, mark(away, "present", "k-second-0001"))  # came late after all
    again = send(trainer, day_id, first)  # the first request, resent from the phone's queue after the second
    assert again.json["saved"] == ["k-first-00001"]
    assert marks(store, day_id)[away].mark == Mark.PRESENT
    assert [e.note for e in audit_of(store)] == [f"{today().isoformat()}: absent", f"{today().isoformat()}: present"]
    assert store.count(AttendanceKey) == 2


def test_the_delivered_tick_is_sent_by_itself_and_a_resend_keeps_the_later_one(store, trainer, group):
    day_id = day_of(group, 0)
    on = {"key": "k-deliv-on-01", "delivered": True}
    send(trainer, day_id, on)
    assert store.scalar(sa.select(TrainingDay.delivered_at).where(TrainingDay.id == day_id)) is not None
    send(trainer, day_id, {"key": "k-deliv-off-1", "delivered": False})
    send(trainer, day_id, on)
    assert store.scalar(sa.select(TrainingDay.delivered_at).where(TrainingDay.id == day_id)) is None


def test_a_batch_from_the_queue_saves_everything_it_can_and_says_what_it_could_not(store, trainer, group,
                                                                                 make_application):
    here, away, ill = group["people"]
    gone = make_application(status=Status.WITHDRAWN, cohort_id=group["id"], surname="Жұмабаева")
    day_id = day_of(group, 2)
    answer = send(trainer, day_id, mark(here, "present", "k-batch-here"), mark(away, "absent", "k-batch-away"),
                  mark(ill, "excused", "k-batch-ill1"), mark(ill, "excused", "k-batch-ill2", "illness", "Анықтама"),
                  mark(gone, "absent", "k-batch-gone"), finished=True).json
    assert set(answer["saved"]) == {"k-batch-here", "k-batch-away", "k-batch-ill2"}
    assert set(answer["refused"]) == {"k-batch-ill1", "k-batch-gone"}
    assert answer["refused"]["k-batch-ill1"] == translated("Choose the reason for the absence.", "kk")
    saved = marks(store, day_id)
    assert {k: v.mark for k, v in saved.items()} == {here: Mark.PRESENT, away: Mark.ABSENT, ill: Mark.EXCUSED}
    assert (saved[ill].reason, saved[ill].note) == ("illness", "Анықтама")
    # A key refused is not kept: the same key may come again once the trainer chose the reason.
    assert store.count(AttendanceKey) == 3


@pytest.mark.parametrize("body", ['{"marks": "all"}', '[1, 2]', '{"marks": [{"key": "x"}]}', "not json",
                                  '{"marks": [{"key": "k-ok-000001", "person": "1; drop", "mark": "absent"}]}',
                                  '{"marks": [{"key": "k-nul-00001", "person": 1, "mark": "excused", '
                                  '"reason": "illness", "note": "a\\u0000b"}]}'])
def test_marks_that_cannot_be_read_change_nothing_and_never_give_a_500(store, trainer, group, body):
    day_id = day_of(group, 0)
    response = trainer.post(f"{day_url(day_id)}/marks", data=body, content_type="application/json",
                            headers={"X-CSRFToken": csrf_token(trainer, day_url(day_id))})
    assert response.status_code in (200, 422) and response.is_json
    assert marks(store, day_id) == {} and store.count(AttendanceKey) == 0


def test_a_future_day_and_another_trainers_day_take_no_marks(app, store, trainer, group, make_user):
    person = group["people"][0]
    future = day_of(group, -1)
    answer = send(trainer, future, mark(person, "absent", "k-future-001"), token=csrf_token(trainer, "/trainer/"))
    assert answer.json["saved"] == [] and "k-future-001" in answer.json["refused"]
    colleague = make_user(Role.TRAINER, username="trainer-2")
    theirs = make_cohort(app, colleague.id, number=2)
    some_day = theirs["days"][today()]
    assert send(trainer, some_day, mark(person, "absent", "k-theirs-001"),
                token=csrf_token(trainer, "/trainer/")).status_code == 404
    assert store.count(Attendance) == 0


def test_marks_kept_on_the_phone_are_taken_after_a_new_sign_in(app, store, trainer, group):
    """The session ended (idle, or the phone slept): the marks are refused in a way the script understands, kept on
    the phone, and accepted under the same keys once the trainer has signed in again."""
    away = group["people"][1]
    day_id = day_of(group, 0)
    old_token = csrf_token(trainer, day_url(day_id))
    trainer.post("/staff/logout", data={"csrf_token": old_token})
    refused = send(trainer, day_id, mark(away, "absent", "k-kept-00001"), token=old_token)
    assert refused.status_code == 401 and refused.json == {"error": "signed_out"}
    assert marks(store, day_id) == {}
    login(trainer, trainer.user)
    assert send(trainer, day_id, mark(away, "absent", "k-kept-00001")).json["saved"] == ["k-kept-00001"]
    assert marks(store, day_id)[away].mark == Mark.ABSENT


def test_save_pressed_with_the_script_says_so_on_the_cohort_page(trainer, group):
    day_id = day_of(group, 0)
    send(trainer, day_id, *[mark(p, "present", f"k-fin-{p:07d}") for p in group["people"]], finished=True)
    body = page_text(trainer.get(f"/trainer/cohorts/{group['id']}"))
    assert translated("Attendance for %(date)s is saved.", "kk", date=today().strftime("%d.%m.%Y")) in body


# ---- The register page: the script, "module delivered" on top ----

def test_the_register_loads_its_small_script_and_asks_about_the_module_at_the_top(trainer, group):
    body = page_text(trainer.get(day_url(day_of(group, 0))))
    # fetched from the start, run once the page has loaded (bastau/assets.py script_after_load)
    script = re.search(r'<link rel="preload" as="script" href="(/static/js/register\.[0-9a-f]{10}\.js)" data-after-load>',
                       body)
    assert script
    asset = trainer.get(script.group(1), headers={"Accept-Encoding": "br"})
    assert asset.status_code == 200 and "immutable" in asset.headers["Cache-Control"]
    assert len(asset.data) < 4 * 1024  # compressed: small enough for a weak connection
    assert body.index('id="delivered"') < body.index('<fieldset')  # above thirty names, not below them
    label = re.search(r'id="delivered"[^>]*> <span>([^<]+)</span>', body).group(1)
    assert re.fullmatch(r"5-модуль «[^»]{5,}» осы күні өткізілді", label)  # the module's number and name
    assert "register." not in page_text(trainer.get(f"/trainer/cohorts/{group['id']}"))  # only on the register


# ---- The warning at three unexcused days ----

@pytest.fixture
def absences(app, trainer, group):
    """Ғалиева: 4 unexcused days (flagged); Бекова: 3 (at risk); Әбенова: 2."""
    two, three, four = group["people"]
    absent_on(app, trainer.user.id, four, [day_of(group, n) for n in (10, 9, 8, 7)])
    absent_on(app, trainer.user.id, three, [day_of(group, n) for n in (10, 9, 8)])
    absent_on(app, trainer.user.id, two, [day_of(group, n) for n in (10, 9)])
    return {"two": two, "three": three, "four": four}


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_the_register_warns_at_three_days_and_puts_flagged_and_at_risk_people_first(trainer, group, absences,
                                                                                   locale):
    trainer.set_cookie("lang", locale)
    body = page_text(trainer.get(day_url(day_of(group, 0))))
    order = [int(n) for n in re.findall(r'<fieldset class="mark[^"]*" id="p(\d+)"', body)]
    assert order == [absences["four"], absences["three"], absences["two"]]
    warning = re.search(rf'id="w{absences["three"]}" data-days="3">([^<]+)<', body).group(1)
    assert warning == translated_plural("%(num)d unexcused day — one more and the commission may expel",
                                        "%(num)d unexcused days — one more and the commission may expel", 3,
                                        locale)
    assert f'id="f{absences["four"]}"' in body and f'id="w{absences["four"]}"' not in body
    assert f'id="w{absences["two"]}"' not in body and f'id="f{absences["two"]}"' not in body


def test_the_trainers_home_names_each_person_to_call(trainer, group, absences):
    body = page_text(trainer.get("/trainer/"))
    warned = [int(n) for n in re.findall(r'<li id="warn-(\d+)"', body)]
    assert warned == [absences["four"], absences["three"]]
    three = body[body.index(f'id="warn-{absences["three"]}"'):]
    assert "комиссия оқудан шығаруы мүмкін" in three[:600] and 'href="tel:+7' in three[:600]
    cohort_page = page_text(trainer.get(f"/trainer/cohorts/{group['id']}"))
    people = [int(n) for n in re.findall(r'<li id="a(\d+)"', cohort_page)]
    assert people[:2] == [absences["four"], absences["three"]] and f'id="w{absences["three"]}"' in cohort_page


def test_after_a_keep_the_warning_comes_when_one_more_day_would_flag_again(app, store, trainer, group, absences):
    from bastau.models import ExpulsionReview
    store.execute(sa.insert(ExpulsionReview).values(application_id=absences["four"], expel=False,
                                                    reason="valid_reasons_later", decided_on=today(),
                                                    unexcused_days=4, decided_by_id=trainer.user.id))
    body = page_text(trainer.get(day_url(day_of(group, 0))))
    assert f'id="w{absences["four"]}" data-days="4"' in body and f'id="f{absences["four"]}"' not in body


def test_the_demo_trainer_has_a_session_today_and_someone_at_three_days(app, store):
    from bastau import demo
    from bastau.extensions import db
    from bastau.models import User
    with app.app_context():
        db.session.execute(sa.delete(User))
        db.session.commit()
        demo.load()
    client = app.test_client()
    response = client.post("/staff/login", data={"login": "trainer", "password": demo.DEMO_PASSWORD,
                                                 "csrf_token": csrf_token(client, "/staff/login")})
    assert response.status_code == 302
    body = page_text(client.get("/trainer/"))
    assert 'id="today-' in body and 'id="warnings"' in body and 'class="risk"' in body
    registers = re.findall(r'<a class="button big" href="(/trainer/days/\d+)"', body)  # today's sessions
    assert any('class="risk small"' in page_text(client.get(url)) for url in registers)
