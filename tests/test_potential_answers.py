"""The entrepreneurship test keeps every answer as the person goes, numbers the unanswered questions as the person
sees them, shows progress; and a mistyped paper score can be corrected (issue 14)."""
from __future__ import annotations

import json
import re

import sqlalchemy as sa

from bastau.models import Application, AuditEntry, Status
from bastau.models import TestSitting as Sitting
from tests.conftest import login, page_text, post_form, translated
from tests.test_potential import (  # noqa: F401  (fixtures)
    admin,
    approved,
    bank,
    bank_as_loaded,
    best_answers,
    chamber,
    chamber_page,
    enter_code,
    max_score,
    start_code,
    worst_answers,
)

RU = {"Accept-Language": "ru"}
FETCH = {"X-Requested-With": "fetch"}


def checked(page: str) -> dict[str, str]:
    """{q<id>: option id} of the radio buttons drawn checked."""
    return {m.group(1): m.group(2) for m in
            re.finditer(r'<input type="radio" id="[^"]+" name="(q\d+)" value="(\d+)" checked', page)}


def started(app, approved, chamber):
    code = start_code(chamber, approved["id"])
    terminal = app.test_client()
    assert enter_code(terminal, code, approved["iin"]).status_code == 302
    return terminal, code


def kept_on_sitting(store) -> dict:
    sitting = store.scalar(sa.select(Sitting))
    return json.loads(sitting.answers or "{}")


# ---- 1. The unanswered box names the numbers the person reads ----

def test_the_unanswered_box_names_the_numbers_beside_the_questions(app, store, approved, chamber):
    terminal, _code = started(app, approved, chamber)
    questions = bank(store)
    answers = best_answers(store)
    third, seventh = questions[2], questions[6]
    del answers[f"q{third.id}"], answers[f"q{seventh.id}"]
    response = post_form(terminal, "/test/questions", answers, page="/test/questions")
    assert response.status_code == 422
    page = page_text(response)
    summary = re.search(r'id="error-summary".*?</div>', page, re.S).group(0)
    links = re.findall(r'<a href="#(q\d+)-0">([^<]+)</a>', summary)
    assert links == [(f"q{third.id}", translated("Question %(number)s", "kk", number=3)),
                     (f"q{seventh.id}", translated("Question %(number)s", "kk", number=7))]
    # The number in the box is the number in the question's own legend.
    for question_id, number in ((third.id, 3), (seventh.id, 7)):
        legend = re.search(rf'id="question-{question_id}">\s*<legend>(\d+)\.', page).group(1)
        assert legend == str(number)


# ---- 2. Progress ----

def test_progress_says_how_many_are_answered_without_a_script(app, store, approved, chamber):
    terminal, _code = started(app, approved, chamber)
    total = len(bank(store))
    page = page_text(terminal.get("/test/questions", headers=RU))
    assert translated("%(answered)s of %(total)s answered", "ru", answered=0, total=total) in page
    five = dict(list(best_answers(store).items())[:5])
    post_form(terminal, "/test/questions", {**five, "action": "save"}, page="/test/questions")
    page = page_text(terminal.get("/test/questions", headers=RU))
    assert translated("%(answered)s of %(total)s answered", "ru", answered=5, total=total) in page
    assert re.search(rf'<progress id="progress-bar" max="{total}" value="5"', page)  # not colour alone: words too
    live = re.search(r'<p[^>]*id="progress-live"[^>]*>', page).group(0)
    assert 'aria-live="polite"' in live and 'role="status"' in live
    kk = page_text(terminal.get("/test/questions"))
    assert translated("%(answered)s of %(total)s answered", "kk", answered=5, total=total) in kk


# ---- 3. Answers kept on the server, per sitting ----

def test_save_and_go_on_keeps_the_answers_on_the_sitting(app, store, approved, chamber):
    terminal, _code = started(app, approved, chamber)
    some = dict(list(best_answers(store).items())[:4])
    response = post_form(terminal, "/test/questions", {**some, "action": "save"}, page="/test/questions")
    assert response.status_code == 303 and response.location.endswith("/test/questions#progress")
    assert kept_on_sitting(store) == {k[1:]: int(v) for k, v in some.items()}
    sitting = store.scalar(sa.select(Sitting))
    assert sitting.finished_at is None and sitting.score is None
    assert checked(page_text(terminal.get("/test/questions"))) == some
    assert store.scalar(sa.select(Application.status)) == Status.LIST_APPROVED  # nothing decided


def test_each_choice_sent_by_the_script_is_kept_and_sending_it_again_changes_nothing(app, store, approved, chamber):
    terminal, _code = started(app, approved, chamber)
    answers = list(best_answers(store).items())
    for name, value in answers[:3] + answers[:3]:
        response = post_form(terminal, "/test/questions", {name: value, "action": "save"}, page="/test/questions",
                             headers=FETCH)
        assert response.status_code == 200
    assert response.get_json() == {"answered": 3}
    other = next(o for q in bank(store) if f"q{q.id}" == answers[0][0] for o in q.options if str(o.id) != answers[0][1])
    post_form(terminal, "/test/questions", {answers[0][0]: str(other.id), "action": "save"}, page="/test/questions",
              headers=FETCH)  # a changed mind: the question's answer is replaced
    kept = kept_on_sitting(store)
    assert len(kept) == 3 and kept[answers[0][0][1:]] == other.id
    # An option of another question does not count.
    post_form(terminal, "/test/questions", {answers[5][0]: answers[6][1], "action": "save"}, page="/test/questions",
              headers=FETCH)
    assert len(kept_on_sitting(store)) == 3


def test_a_refused_sending_keeps_the_answers_and_coming_back_shows_them(app, store, approved, chamber):
    terminal, code = started(app, approved, chamber)
    answers = best_answers(store)
    half = dict(list(answers.items())[: len(answers) // 2])
    assert post_form(terminal, "/test/questions", half, page="/test/questions").status_code == 422
    # The session ends (the terminal is left; another day, another browser): the person enters the code again.
    again = app.test_client()
    assert enter_code(again, code, approved["iin"]).status_code == 302
    page = page_text(again.get("/test/questions"))
    assert checked(page) == half
    rest = {k: v for k, v in answers.items() if k not in half}
    response = post_form(again, "/test/questions", rest, page="/test/questions")  # only the rest is sent now
    assert response.status_code == 302
    sitting = store.scalar(sa.select(Sitting))
    assert sitting.score == max_score(store) and sitting.passed


def test_a_language_switch_keeps_the_answers_without_a_script(app, store, approved, chamber):
    terminal, _code = started(app, approved, chamber)
    some = dict(list(best_answers(store).items())[:6])
    response = post_form(terminal, "/test/questions", {**some, "action": "lang-ru"}, page="/test/questions")
    assert response.status_code == 303 and "/lang/ru" in response.location
    page = terminal.get(response.location, follow_redirects=True)
    assert '<html lang="ru">' in page_text(page)
    assert checked(page_text(page)) == some
    assert bank(store)[0].text_ru in page_text(page)


def test_the_header_language_link_keeps_answers_already_kept(app, store, approved, chamber):
    """With the script each choice is kept when chosen, so the header's plain link loses nothing."""
    terminal, _code = started(app, approved, chamber)
    name, value = next(iter(best_answers(store).items()))
    post_form(terminal, "/test/questions", {name: value, "action": "save"}, page="/test/questions", headers=FETCH)
    page = terminal.get("/lang/ru?next=/test/questions", follow_redirects=True)
    assert checked(page_text(page)) == {name: value}


def test_kept_answers_do_not_lock_the_question_bank(app, store, approved, chamber):
    from bastau.potential import services
    terminal, _code = started(app, approved, chamber)
    name, value = next(iter(best_answers(store).items()))
    post_form(terminal, "/test/questions", {name: value, "action": "save"}, page="/test/questions")
    with app.app_context():
        assert not services.question_in_use(int(name[1:]))  # an unfinished sitting is not a result


def test_after_the_session_ended_a_save_with_the_pages_token_still_keeps_the_answers(app, store, approved, chamber):
    terminal, _code = started(app, approved, chamber)
    page = page_text(terminal.get("/test/questions"))
    token = re.search(r'name="sitting" value="([^"]+)"', page).group(1)
    name, value = next(iter(best_answers(store).items()))
    fresh = app.test_client()  # no session: the CSRF check fails, the signed sitting token still counts
    response = fresh.post("/test/questions", data={"sitting": token, name: value, "action": "save",
                                                   "csrf_token": "gone"})
    assert response.status_code == 303
    assert kept_on_sitting(store) == {name[1:]: int(value)}


# ---- 4. A mistyped paper score ----

def paper(chamber, approved, score: int):
    url = f"{chamber_page(approved['id'])}/paper"
    assert post_form(chamber, url, {"score": str(score)}, page=chamber_page(approved["id"])).status_code == 302
    return chamber


def correct(chamber, approved, store, score, reason="Қате терілді: 12 емес, 21"):
    sitting = store.scalar(sa.select(Sitting).order_by(Sitting.id.desc()))
    return post_form(chamber, f"{chamber_page(approved['id'])}/{sitting.id}/correct",
                     {"correction-score": str(score), "correction-reason": reason}, page=chamber_page(approved["id"]))


def test_a_corrected_paper_score_that_crosses_the_pass_mark_moves_the_status(app, store, approved, chamber):
    paper(chamber, approved, 1)
    assert store.scalar(sa.select(Application.status)) == Status.TEST_FAILED
    maximum = max_score(store)
    response = correct(chamber, approved, store, maximum)
    assert response.status_code == 302
    sitting = store.scalar(sa.select(Sitting))
    assert (sitting.score, sitting.passed) == (maximum, True)
    assert store.scalar(sa.select(Application.status)) == Status.TEST_PASSED
    corrected = store.scalar(sa.select(AuditEntry).where(AuditEntry.action == "test_score_corrected"))
    assert corrected.actor_id == chamber.user.id
    # The scores in the entry; the typed reason beside it, where erasure can reach it.
    assert corrected.note == f"1 → {maximum} / {maximum}" and "12 емес, 21" in corrected.typed.text
    moved = store.scalar(sa.select(AuditEntry).where(AuditEntry.action == "test_result",
                                                     AuditEntry.from_status == Status.TEST_FAILED))
    assert moved.to_status == Status.TEST_PASSED
    history = page_text(chamber.get(f"/staff/applications/{approved['id']}"))
    assert translated("Paper test score corrected", "kk") in history and "12 емес, 21" in history


def test_a_correction_on_the_same_side_changes_the_score_not_the_status(app, store, approved, chamber):
    maximum = max_score(store)
    paper(chamber, approved, maximum)
    assert correct(chamber, approved, store, maximum - 1).status_code == 302
    assert store.scalar(sa.select(Application.status)) == Status.TEST_PASSED
    assert store.count(AuditEntry, AuditEntry.action == "test_result") == 1  # the first recording only


def test_a_correction_needs_a_reason_and_a_new_score(app, store, approved, chamber):
    paper(chamber, approved, 3)
    response = correct(chamber, approved, store, 30, reason="")
    assert response.status_code == 422 and 'id="correction-reason-error"' in page_text(response)
    assert 'value="30"' in page_text(response)  # what was typed stays
    assert correct(chamber, approved, store, 3).status_code == 409
    assert store.count(AuditEntry, AuditEntry.action == "test_score_corrected") == 0
    assert store.scalar(sa.select(Sitting.score)) == 3


def test_no_correction_that_would_fail_someone_already_in_a_cohort(app, store, approved, chamber):
    paper(chamber, approved, max_score(store))
    store.execute(sa.update(Application).values(status=Status.ENROLLED))
    assert 'id="correction-form"' not in page_text(chamber.get(chamber_page(approved["id"])))
    assert correct(chamber, approved, store, 0).status_code == 409
    assert store.scalar(sa.select(Application.status)) == Status.ENROLLED


def test_a_terminal_score_is_not_corrected_by_hand(app, store, approved, chamber):
    terminal, _code = started(app, approved, chamber)
    assert post_form(terminal, "/test/questions", worst_answers(store), page="/test/questions").status_code == 302
    assert 'id="correction-form"' not in page_text(chamber.get(chamber_page(approved["id"])))
    assert correct(chamber, approved, store, max_score(store)).status_code == 409


def test_another_districts_chamber_cannot_correct(app, store, approved, chamber, make_user):
    from bastau.models import Role
    from tests.test_potential import OTHER_DISTRICT
    paper(chamber, approved, 1)
    other = app.test_client()
    login(other, make_user(Role.CHAMBER_STAFF, OTHER_DISTRICT))
    sitting = store.scalar(sa.select(Sitting))
    response = other.post(f"{chamber_page(approved['id'])}/{sitting.id}/correct",
                          data={"correction-score": "20", "correction-reason": "x",
                                "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                        page_text(other.get("/chamber/tests"))).group(1)})
    assert response.status_code == 404
    assert store.scalar(sa.select(Sitting.score)) == 1
