"""The entrepreneurial-potential test: the bank, the pass mark, terminal sittings and paper scores."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from bastau.clock import today
from bastau.extensions import db
from bastau.models import (
    Application,
    AuditEntry,
    ProgrammeYear,
    Role,
    Status,
    TestOption,
    TestQuestion,
    WebSession,
    utcnow,
)
from bastau.models import (
    TestMethod as Method,  # as-names: pytest collects classes named Test*
)
from bastau.models import TestSitting as Sitting
from bastau.reference import load_questions
from tests.conftest import csrf_token, login, new_iin, page_text, post_form, translated
from tests.journey import RU, look_up

OTHER_DISTRICT = "615200000"  # Сайрам ауданы, Түркістан облысы
KAZAKH_LETTERS = re.compile("[ӘҒҚҢӨҰҮҺІәғқңөұүһі]")


@pytest.fixture(autouse=True)
def bank_as_loaded(app):
    """The bank and the pass marks are reference data that the cleanup between tests keeps: put them back."""
    tables = (TestQuestion.__table__, TestOption.__table__, ProgrammeYear.__table__)
    with app.app_context():
        saved = {table.name: [dict(row._mapping) for row in db.session.execute(sa.select(table))] for table in tables}
        db.session.remove()
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(tables):
                conn.execute(sa.delete(table))
            for table in tables:
                if saved[table.name]:
                    conn.execute(sa.insert(table), saved[table.name])


def bank(store) -> list[TestQuestion]:
    return store.scalars(sa.select(TestQuestion).where(TestQuestion.active.is_(True))
                         .options(selectinload(TestQuestion.options)).order_by(TestQuestion.position, TestQuestion.id))


def best_answers(store) -> dict[str, str]:
    return {f"q{q.id}": str(max(q.options, key=lambda o: o.points).id) for q in bank(store)}


def worst_answers(store) -> dict[str, str]:
    return {f"q{q.id}": str(min(q.options, key=lambda o: o.points).id) for q in bank(store)}


def max_score(store) -> int:
    return sum(max(o.points for o in q.options) for q in bank(store))


@pytest.fixture
def approved(store, receipt) -> dict:
    """The receipt's application, on a list the chamber approved: waiting for the test."""
    store.execute(sa.update(Application).values(status=Status.LIST_APPROVED))
    application = store.scalar(sa.select(Application))
    return dict(receipt, id=application.id)


@pytest.fixture
def chamber(app, make_user):
    """A chamber staff member of the applicant's district, signed in."""
    client = app.test_client()
    user = make_user(Role.CHAMBER_STAFF)
    login(client, user)
    client.user = user
    return client


@pytest.fixture
def admin(app, make_user):
    client = app.test_client()
    user = make_user(Role.NATIONAL_ADMIN)
    login(client, user)
    client.user = user
    return client


def chamber_page(application_id: int) -> str:
    return f"/chamber/applications/{application_id}/test"


def start_code(chamber, application_id: int) -> str:
    """Press "Start test at a terminal"; the code shown once on the page."""
    response = post_form(chamber, f"{chamber_page(application_id)}/terminal", {}, page=chamber_page(application_id))
    assert response.status_code == 200, page_text(response)[:2000]
    return re.search(r'id="test-code">([^<]+)<', page_text(response)).group(1)


def enter_code(terminal, code: str, iin: str, **extra):
    return post_form(terminal, "/test", {"code": code, "iin": iin, **extra})


def take_test(app, code: str, iin: str, answers: dict, terminal=None):
    terminal = terminal or app.test_client()
    assert enter_code(terminal, code, iin).status_code == 302
    response = post_form(terminal, "/test/questions", answers)
    return terminal, response


# ---- The bank ----

def test_starter_bank_is_loaded_in_both_languages(store):
    questions = bank(store)
    assert len(questions) >= 20
    for q in questions:
        assert q.text_kk and q.text_ru and q.text_kk != q.text_ru
        assert 3 <= len(q.options) <= 4
        assert sorted(o.points for o in q.options)[-1] == 2
        assert all(o.text_kk and o.text_ru for o in q.options)
    assert sum(bool(KAZAKH_LETTERS.search(q.text_kk)) for q in questions) >= len(questions) * 3 // 4
    assert not any(KAZAKH_LETTERS.search(q.text_ru) for q in questions)
    best_places = {[o.points for o in q.options].index(2) for q in questions}
    assert len(best_places) >= 3  # the best answer is not always in the same place


def test_the_starter_bank_goes_only_into_an_empty_bank(app, store):
    before = store.count(TestQuestion)
    with app.app_context():
        assert load_questions() == 0  # `flask reference load` again leaves the administrators' bank alone
        db.session.execute(sa.delete(TestOption))
        db.session.execute(sa.delete(TestQuestion))
        db.session.commit()
        assert load_questions() == before
    assert store.count(TestQuestion) == before


def test_questions_show_in_the_page_language(app, store, approved, chamber):
    code = start_code(chamber, approved["id"])
    terminal = app.test_client()
    enter_code(terminal, code, approved["iin"])
    first = bank(store)[0]
    assert first.text_kk in page_text(terminal.get("/test/questions"))
    page = terminal.get("/test/questions", headers=RU)
    assert first.text_ru in page_text(page)
    body = page_text(page)
    assert body.count('type="radio"') == sum(len(q.options) for q in bank(store))
    # no script of the page's own and no style attribute: the policy allows only the shared, hashed loader
    assert body.count("<script>") == 1 and " style=" not in body and "onclick" not in body


def test_administrator_edits_a_question_and_its_answers(admin, store):
    question = bank(store)[0]
    ids = [o.id for o in question.options]
    url = f"/admin/test/questions/{question.id}"
    assert admin.get(url).status_code == 200
    data = {"text_kk": "Жаңа сұрақ?", "text_ru": "Новый вопрос?", "position": "7"}
    for n in range(4):
        data |= {f"options-{n}-text_kk": "", f"options-{n}-text_ru": "", f"options-{n}-points": ""}
    data |= {"options-0-text_kk": "Бірінші", "options-0-text_ru": "Первый", "options-0-points": "0",
             "options-1-text_kk": "Екінші", "options-1-text_ru": "Второй", "options-1-points": "2"}
    response = post_form(admin, url, data)
    assert response.status_code == 302 and response.location.endswith("/admin/test/questions")
    changed = store.scalar(sa.select(TestQuestion).where(TestQuestion.id == question.id)
                           .options(selectinload(TestQuestion.options)))
    assert (changed.text_kk, changed.text_ru, changed.position) == ("Жаңа сұрақ?", "Новый вопрос?", 7)
    assert [(o.id, o.text_ru, o.points) for o in changed.options] == [(ids[0], "Первый", 0), (ids[1], "Второй", 2)]
    assert store.count(TestOption, TestOption.id.in_(ids[2:])) == 0  # empty rows: answers left out
    entry = store.scalar(sa.select(AuditEntry).where(AuditEntry.action == "test_question_saved"))
    assert entry.actor_id == admin.user.id


@pytest.mark.parametrize("options, reason", [
    ({"options-0-text_kk": "Иә", "options-0-text_ru": "Да", "options-0-points": "2"}, "one answer"),
    ({"options-0-text_kk": "Иә", "options-0-text_ru": "Да", "options-0-points": "0",
      "options-1-text_kk": "Жоқ", "options-1-text_ru": "Нет", "options-1-points": "0"}, "no points"),
    ({"options-0-text_kk": "Иә", "options-0-text_ru": "", "options-0-points": "2",
      "options-1-text_kk": "Жоқ", "options-1-text_ru": "Нет", "options-1-points": "0"}, "one language"),
    ({"options-0-text_kk": "Иә", "options-0-text_ru": "Да", "options-0-points": "11",
      "options-1-text_kk": "Жоқ", "options-1-text_ru": "Нет", "options-1-points": "0"}, "too many points"),
])
def test_a_new_question_needs_two_answers_one_with_points(admin, store, options, reason):
    before = store.count(TestQuestion)
    response = post_form(admin, "/admin/test/questions/new", {"text_kk": "Сұрақ?", "text_ru": "Вопрос?", **options})
    assert response.status_code == 422, reason
    assert 'id="options-error"' in page_text(response)
    assert 'value="Иә"' in page_text(response)  # what was typed stays
    assert store.count(TestQuestion) == before


def test_a_new_question_goes_to_the_end_of_the_test(admin, store):
    last = bank(store)[-1]
    response = post_form(admin, "/admin/test/questions/new", {
        "text_kk": "Сұрақ?", "text_ru": "Вопрос?",
        "options-0-text_kk": "Иә", "options-0-text_ru": "Да", "options-0-points": "2",
        "options-2-text_kk": "Жоқ", "options-2-text_ru": "Нет", "options-2-points": ""})
    assert response.status_code == 302
    new = bank(store)[-1]
    assert new.id != last.id and new.position == last.position + 1 and new.active
    assert [(o.text_kk, o.points) for o in new.options] == [("Иә", 2), ("Жоқ", 0)]


def test_questions_are_taken_out_and_put_back_not_deleted(app, admin, store, approved, chamber):
    question = bank(store)[0]
    maximum = max_score(store)
    url = f"/admin/test/questions/{question.id}/active"
    assert post_form(admin, url, {"active": "0"}, page="/admin/test/questions").status_code == 302
    assert not store.scalar(sa.select(TestQuestion.active).where(TestQuestion.id == question.id))
    assert max_score(store) == maximum - 2
    terminal = app.test_client()
    enter_code(terminal, start_code(chamber, approved["id"]), approved["iin"])
    assert f'name="q{question.id}"' not in page_text(terminal.get("/test/questions"))
    assert post_form(admin, url, {"active": "1"}, page="/admin/test/questions").status_code == 302
    assert store.scalar(sa.select(TestQuestion.active).where(TestQuestion.id == question.id))
    assert post_form(admin, url, {}, page="/admin/test/questions").status_code == 400
    assert admin.get("/admin/test/questions/999999").status_code == 404


def test_answers_that_applicants_chose_are_not_removed(app, admin, store, approved, chamber):
    _, sent = take_test(app, start_code(chamber, approved["id"]), approved["iin"], best_answers(store))
    assert sent.status_code == 302, page_text(sent)[-3000:]
    question = bank(store)[0]
    data = {"text_kk": question.text_kk, "text_ru": question.text_ru}
    for n, option in enumerate(question.options[:2]):
        data |= {f"options-{n}-text_kk": option.text_kk, f"options-{n}-text_ru": option.text_ru,
                 f"options-{n}-points": str(option.points)}
    response = post_form(admin, f"/admin/test/questions/{question.id}", data)
    assert response.status_code == 409
    assert store.count(TestOption, TestOption.question_id == question.id) == len(question.options)


# ---- The pass mark ----

def test_the_pass_mark_defaults_to_60_percent_and_can_be_set_per_year(admin, store):
    year = today().year
    maximum = max_score(store)
    assert store.count(ProgrammeYear) == 0
    page = page_text(admin.get("/admin/test/pass-marks"))
    assert re.search(rf'id="year-{year}">\s*<td>{year}</td>\s*<td>{-(-maximum * 60 // 100)} ', page)
    url = f"/admin/test/pass-marks/{year}"
    assert admin.get(url).status_code == 200
    assert post_form(admin, url, {"pass_mark": str(maximum + 1)}).status_code == 422
    assert post_form(admin, url, {"pass_mark": "abc"}).status_code == 422
    assert store.count(ProgrammeYear) == 0
    assert post_form(admin, url, {"pass_mark": "30"}).status_code == 302
    assert store.scalar(sa.select(ProgrammeYear.pass_mark).where(ProgrammeYear.year == year)) == 30
    assert post_form(admin, url, {"pass_mark": "31"}).status_code == 302
    assert store.scalar(sa.select(ProgrammeYear.pass_mark).where(ProgrammeYear.year == year)) == 31
    entries = store.scalars(sa.select(AuditEntry).where(AuditEntry.action == "pass_mark_set"))
    assert len(entries) == 2 and entries[0].actor_id == admin.user.id
    assert admin.get("/admin/test/pass-marks/1999").status_code == 404


# ---- A supervised test at a terminal ----

@pytest.mark.parametrize("choose, status, passed", [
    (best_answers, Status.TEST_PASSED, True),
    (worst_answers, Status.TEST_FAILED, False),
])
def test_terminal_test_records_the_result_and_the_status(app, store, approved, chamber, choose, status, passed):
    code = start_code(chamber, approved["id"])
    assert re.fullmatch(r"\d{3} \d{3}", code)
    sitting = store.scalar(sa.select(Sitting))
    digits = code.replace(" ", "")
    assert sitting.code_hash == hashlib.sha256(f"{approved['iin']}:{digits}".encode()).hexdigest()
    assert sitting.expires_at - sitting.opened_at == timedelta(hours=3)
    answers = choose(store)
    terminal, response = take_test(app, code, approved["iin"], answers)
    assert response.status_code == 302 and response.location.endswith("/test/result")
    result = terminal.get("/test/result")
    assert result.status_code == 200 and f'data-passed="{str(passed).lower()}"' in page_text(result)
    assert 'action="/finish"' in page_text(result)

    maximum = max_score(store)
    score = maximum if passed else 0
    sitting = store.scalar(sa.select(Sitting))
    assert (sitting.method, sitting.score, sitting.max_score, sitting.passed) == (
        Method.TERMINAL, score, maximum, passed)
    assert sitting.pass_mark == -(-maximum * 60 // 100) and sitting.finished_at is not None
    assert json.loads(sitting.answers) == {k[1:]: int(v) for k, v in answers.items()}
    assert store.scalar(sa.select(Application.status)) == status
    entry = store.scalar(sa.select(AuditEntry).where(AuditEntry.action == "test_result"))
    assert (entry.from_status, entry.to_status, entry.actor_id, entry.actor_role, entry.note) == (
        Status.LIST_APPROVED, status, chamber.user.id, "chamber_staff", f"{score}/{maximum}")

    # The Finish button ends the terminal's session: the result is gone from the screen.
    post_form(terminal, "/finish", {}, page="/test/result")
    assert terminal.get("/test/result").status_code == 302

    # The applicant sees the result on the status page.
    applicant = app.test_client()
    look_up(applicant, approved)
    page = page_text(applicant.get("/status/view"))
    assert re.search(r'id="current-status">([^<]+)<', page).group(1) == translated(
        "Entrepreneurship test passed" if passed else "Entrepreneurship test not passed", "kk")
    listed = re.search(r'id="test-results">(.*?)</ul>', page, re.S).group(1)
    assert ("test-passed" if passed else "test-failed") in listed
    assert str(score) in listed and str(maximum) in listed


def test_a_used_code_is_refused_kindly(app, store, approved, chamber):
    code = start_code(chamber, approved["id"])
    take_test(app, code, approved["iin"], best_answers(store))
    again = enter_code(app.test_client(), code, approved["iin"])
    assert again.status_code == 409 and 'id="test-error"' in page_text(again)
    assert store.count(Sitting) == 1 and store.count(AuditEntry, AuditEntry.action == "test_result") == 1


def test_wrong_code_or_iin_give_one_neutral_answer(app, store, approved, chamber):
    code = start_code(chamber, approved["id"]).replace(" ", "")
    wrong_code = f"{(int(code) + 1) % 10**6:06d}"
    terminal = app.test_client()
    answers = []
    for typed_code, iin in ((wrong_code, approved["iin"]), (code, new_iin()), ("12", approved["iin"])):
        response = enter_code(terminal, typed_code, iin)
        answers.append((response.status_code, re.search(r'id="test-error">([^<]+)<', page_text(response)).group(1)))
    assert [status for status, _ in answers] == [404, 404, 404]
    assert len({message for _, message in answers}) == 1
    assert terminal.get("/test/questions").status_code == 302  # nothing opened


def test_expired_and_replaced_codes_are_refused(app, store, approved, chamber):
    first = start_code(chamber, approved["id"])
    second = start_code(chamber, approved["id"])  # a new code stops the old one
    assert enter_code(app.test_client(), first, approved["iin"]).status_code == 409
    store.execute(sa.update(Sitting).where(Sitting.finished_at.is_(None))
                  .values(expires_at=utcnow() - timedelta(minutes=1)))
    assert enter_code(app.test_client(), second, approved["iin"]).status_code == 409
    assert store.scalar(sa.select(Application.status)) == Status.LIST_APPROVED


def test_code_entry_is_rate_limited(app, approved):
    terminal = app.test_client()
    codes = [enter_code(terminal, "000000", approved["iin"]).status_code for _ in range(11)]
    assert codes == [404] * 10 + [429]


def test_unanswered_questions_are_named_and_answers_kept(app, store, approved, chamber):
    answers = best_answers(store)
    left_out = list(answers)[3:5]
    partial = {k: v for k, v in answers.items() if k not in left_out}
    terminal, response = take_test(app, start_code(chamber, approved["id"]), approved["iin"], partial)
    assert response.status_code == 422
    body = page_text(response)
    for name in left_out:
        assert f'id="question-{name[1:]}-error"' in body
    for name, value in partial.items():
        assert re.search(rf'name="{name}" value="{value}" checked', body)
    assert store.scalar(sa.select(Application.status)) == Status.LIST_APPROVED
    assert store.scalar(sa.select(Sitting.finished_at)) is None
    assert re.search(rf'name="{list(partial)[0]}" value="{partial[list(partial)[0]]}" checked',
                     page_text(terminal.get("/test/questions")))  # kept in the session too
    response = post_form(terminal, "/test/questions", answers)
    assert response.status_code == 302 and store.scalar(sa.select(Application.status)) == Status.TEST_PASSED


def test_answers_still_count_when_the_terminal_session_ran_out(app, store, approved, chamber):
    """A long test on a terminal whose idle session ended: the signed form still records the answers."""
    terminal = app.test_client()
    enter_code(terminal, start_code(chamber, approved["id"]), approved["iin"])
    body = page_text(terminal.get("/test/questions"))
    token = re.search(r'name="sitting" value="([^"]+)"', body).group(1)
    store.execute(sa.delete(WebSession).where(WebSession.user_id.is_(None)))  # the idle session is gone
    response = terminal.post("/test/questions", data={**best_answers(store), "sitting": token, "csrf_token": "old"})
    assert response.status_code == 302 and response.location.endswith("/test/result")
    assert store.scalar(sa.select(Application.status)) == Status.TEST_PASSED
    assert terminal.get("/test/result").status_code == 200


def test_without_the_signed_form_the_answers_wait_for_the_code_again(app, store, approved, chamber):
    code = start_code(chamber, approved["id"])
    terminal = app.test_client()
    enter_code(terminal, code, approved["iin"])
    answers = best_answers(store)
    store.execute(sa.delete(WebSession).where(WebSession.user_id.is_(None)))
    response = terminal.post("/test/questions", data={**answers, "csrf_token": "old"})
    assert response.status_code == 400 and 'id="test-notice"' in page_text(response)
    assert all(f'name="{k}" value="{v}"' in page_text(response) for k, v in answers.items())
    assert enter_code(terminal, code, approved["iin"], **answers).status_code == 302
    page = page_text(terminal.get("/test/questions"))
    assert all(re.search(rf'name="{k}" value="{v}" checked', page) for k, v in answers.items())
    assert store.scalar(sa.select(Application.status)) == Status.LIST_APPROVED  # nothing sent yet


def test_the_code_is_shown_once_and_kept_only_hashed(store, approved, chamber):
    code = start_code(chamber, approved["id"])
    page = page_text(chamber.get(chamber_page(approved["id"])))
    assert code not in page and 'id="open-sitting"' in page
    sitting = store.scalar(sa.select(Sitting))
    assert code.replace(" ", "") not in (sitting.code_hash or "")
    assert store.count(WebSession, WebSession.data.contains(code.replace(" ", ""))) == 0


# ---- A paper test ----

def test_paper_score_is_recorded_at_once(store, approved, chamber):
    maximum = max_score(store)
    url = f"{chamber_page(approved['id'])}/paper"
    assert post_form(chamber, url, {"score": str(maximum + 1)}, page=chamber_page(approved["id"])).status_code == 422
    assert post_form(chamber, url, {"score": "-1"}, page=chamber_page(approved["id"])).status_code == 422
    assert store.count(Sitting) == 0
    start_code(chamber, approved["id"])  # an open terminal code stops working when a paper score is entered
    response = post_form(chamber, url, {"score": "40"}, page=chamber_page(approved["id"]))
    assert response.status_code == 302
    paper = store.scalar(sa.select(Sitting).where(Sitting.method == Method.PAPER))
    assert (paper.score, paper.max_score, paper.passed, paper.code_hash) == (40, maximum, 40 >= paper.pass_mark, None)
    assert store.scalar(sa.select(Application.status)) == Status.TEST_PASSED
    terminal_sitting = store.scalar(sa.select(Sitting).where(Sitting.method == Method.TERMINAL))
    assert terminal_sitting.expires_at <= utcnow()
    entry = store.scalar(sa.select(AuditEntry).where(AuditEntry.action == "test_result"))
    assert (entry.from_status, entry.to_status, entry.actor_id, entry.note) == (
        Status.LIST_APPROVED, Status.TEST_PASSED, chamber.user.id, f"40/{maximum}")
    again = post_form(chamber, url, {"score": "10"}, page=chamber_page(approved["id"]))
    assert again.status_code == 409 and store.count(Sitting, Sitting.method == Method.PAPER) == 1


def test_the_years_pass_mark_decides(admin, store, approved, chamber):
    maximum = max_score(store)
    post_form(admin, f"/admin/test/pass-marks/{today().year}", {"pass_mark": str(maximum)})
    url = f"{chamber_page(approved['id'])}/paper"
    assert post_form(chamber, url, {"score": str(maximum - 1)}, page=chamber_page(approved["id"])).status_code == 302
    sitting = store.scalar(sa.select(Sitting))
    assert (sitting.pass_mark, sitting.passed) == (maximum, False)
    assert store.scalar(sa.select(Application.status)) == Status.TEST_FAILED


# ---- Refusals ----

@pytest.mark.parametrize("status", [Status.TARGET_GROUP_CONFIRMED, Status.TEST_PASSED, Status.WITHDRAWN])
def test_only_applicants_on_an_approved_list_take_the_test(store, receipt, chamber, status):
    store.execute(sa.update(Application).values(status=status))
    application_id = store.scalar(sa.select(Application.id))
    page = chamber.get(chamber_page(application_id))
    assert page.status_code == 200 and 'id="not-waiting"' in page_text(page)
    token = csrf_token(chamber, chamber_page(application_id))
    terminal = chamber.post(f"{chamber_page(application_id)}/terminal", data={"csrf_token": token})
    paper = chamber.post(f"{chamber_page(application_id)}/paper", data={"csrf_token": token, "score": "40"})
    assert (terminal.status_code, paper.status_code) == (409, 409)
    assert 'id="test-error"' in page_text(terminal)
    assert store.count(Sitting) == 0 and store.scalar(sa.select(Application.status)) == status
    assert store.count(AuditEntry, AuditEntry.action == "test_result") == 0


def test_a_sitting_opened_before_a_status_change_cannot_record(app, store, approved, chamber):
    code = start_code(chamber, approved["id"])
    terminal = app.test_client()
    enter_code(terminal, code, approved["iin"])
    store.execute(sa.update(Application).values(status=Status.WITHDRAWN))
    response = post_form(terminal, "/test/questions", best_answers(store))
    assert response.status_code == 409
    assert store.scalar(sa.select(Application.status)) == Status.WITHDRAWN
    assert store.scalar(sa.select(Sitting.finished_at)) is None


def test_another_districts_chamber_gets_not_found(app, make_user, store, approved):
    stranger = app.test_client()
    login(stranger, make_user(Role.CHAMBER_STAFF, OTHER_DISTRICT))
    assert stranger.get(chamber_page(approved["id"])).status_code == 404
    token = csrf_token(stranger, "/chamber/tests")
    assert stranger.post(f"{chamber_page(approved['id'])}/terminal", data={"csrf_token": token}).status_code == 404
    assert stranger.post(f"{chamber_page(approved['id'])}/paper",
                         data={"csrf_token": token, "score": "40"}).status_code == 404
    assert approved["reference"] not in page_text(stranger.get("/chamber/tests"))
    assert store.count(Sitting) == 0


def test_chamber_sees_who_waits_for_the_test(store, approved, chamber):
    page = page_text(chamber.get("/chamber/tests"))
    assert re.search(r'id="waiting">.*' + re.escape(approved["reference"]), page, re.S)


def test_sending_the_answers_twice_records_once(app, store, approved, chamber):
    terminal, first = take_test(app, start_code(chamber, approved["id"]), approved["iin"], best_answers(store))
    again = post_form(terminal, "/test/questions", best_answers(store), page="/test/result")
    assert (first.status_code, again.status_code) == (302, 302) and again.location.endswith("/test/result")
    assert store.count(AuditEntry, AuditEntry.action == "test_result") == 1


def test_terminals_sending_one_sitting_at_the_same_instant_record_it_once(app, store, approved, chamber):
    import threading

    code = start_code(chamber, approved["id"])
    terminals = []
    for _ in range(4):
        terminal = app.test_client()
        assert enter_code(terminal, code, approved["iin"]).status_code == 302
        terminals.append((terminal, csrf_token(terminal, "/test/questions")))
    answers = best_answers(store)
    start = threading.Barrier(len(terminals))
    codes = []

    def send(terminal, token):
        start.wait()
        codes.append(terminal.post("/test/questions", data={**answers, "csrf_token": token}).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in terminals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == [302] * len(terminals)  # each terminal ends on the one recorded result
    assert store.count(AuditEntry, AuditEntry.action == "test_result") == 1
    assert store.scalar(sa.select(Application.status)) == Status.TEST_PASSED
