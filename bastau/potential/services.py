"""The entrepreneurial-potential test: the question bank, the pass mark, and recording results.

Every writing service runs in one `with writing():` block (SQLite serializes writers), applies the rules from
bastau.rules, writes its audit entry and commits once. A refused change raises Refused and changes nothing.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from .. import audit, rules
from ..sms import events as sms
from ..access import applications_for
from ..database import writing
from ..extensions import db
from ..lifecycle import may_move, move_to
from ..models import (
    Application,
    ProgrammeYear,
    Status,
    TestMethod,
    TestOption,
    TestQuestion,
    TestSitting,
    User,
    utcnow,
)
from ..refusals import NotFound, Refused

CODE_VALID_FOR = timedelta(hours=3)
TEST_RESULT = "test_result"  # the audit action of a recorded score


class Unanswered(Exception):
    """The applicant left questions without an answer (ids in `question_ids`)."""

    def __init__(self, question_ids: list[int], answers: dict[int, int] | None = None):
        super().__init__(question_ids)
        self.question_ids = question_ids
        self.answers = answers or {}  # everything chosen so far (kept on the sitting)


NOT_APPROVED = _l("The test can be recorded only for an applicant whose list the chamber has approved, "
                  "and only once.")
NO_QUESTIONS = _l("The question bank has no active questions. Ask the national administrator.")
ALREADY_USED = _l("This code has already been used. If you have not taken the test, ask the chamber staff "
                  "for a new code.")
EXPIRED = _l("This code is no longer valid. Ask the chamber staff for a new code.")


# ---- The bank ----

def active_questions() -> list[TestQuestion]:
    """The questions an applicant answers now, in order, with their options."""
    return list(db.session.scalars(
        sa.select(TestQuestion).where(TestQuestion.active.is_(True))
        .options(selectinload(TestQuestion.options)).order_by(TestQuestion.position, TestQuestion.id)))


def max_score(questions: list[TestQuestion] | None = None) -> int:
    questions = active_questions() if questions is None else questions
    return rules.max_test_score([o.points for o in q.options] for q in questions)


def pass_mark_for(year: int, maximum: int) -> tuple[int, bool]:
    """The year's pass mark and whether it was set for the year (False: the default share of the maximum)."""
    row = db.session.get(ProgrammeYear, year)
    if row is not None:
        return row.pass_mark, True
    return rules.default_pass_mark(maximum), False


def question_in_use(question_id: int) -> bool:
    """Has any applicant answered this question? (Their answers name its options: those must stay.)"""
    key = f'%"{question_id}":%'  # answers are stored as {"question id": option id}
    # Only finished sittings count: the answers kept while someone is still answering are not a result yet.
    return db.session.scalar(sa.select(TestSitting.id).where(TestSitting.answers.like(key),
                                                             TestSitting.finished_at.is_not(None))
                             .limit(1)) is not None


@dataclass(frozen=True)
class OptionText:
    text_kk: str
    text_ru: str
    points: int


def save_question(question_id: int | None, text_kk: str, text_ru: str, position: int | None,
                  rows: list[OptionText | None], actor: User) -> TestQuestion:
    """Create or change a question. `rows` are the form's fixed option rows in order; None is an empty row.

    Options keep their ids when changed in place, so earlier answers still point at the same option;
    an option already chosen by an applicant cannot be removed.
    """
    with writing():
        if question_id is None:
            question = TestQuestion(text_kk=text_kk, text_ru=text_ru, active=True, options=[])
            top = db.session.scalar(sa.select(sa.func.max(TestQuestion.position)))
            question.position = position if position is not None else (top or 0) + 1
            db.session.add(question)
            existing: list[TestOption] = []
        else:
            question = db.session.scalar(sa.select(TestQuestion).where(TestQuestion.id == question_id)
                                         .options(selectinload(TestQuestion.options)))
            if question is None:
                raise NotFound
            question.text_kk, question.text_ru = text_kk, text_ru
            if position is not None:
                question.position = position
            existing = list(question.options)
        filled = [row for row in rows if row is not None]
        if not rules.question_is_complete(row.points for row in filled):
            raise Refused(_l("A question needs at least two answers, and at least one of them must give points."))
        removed = [option for n, option in enumerate(existing) if n >= len(rows) or rows[n] is None]
        if removed and question_id is not None and question_in_use(question_id):
            raise Refused(_l("Applicants have already chosen among these answers, so none of them can be removed. "
                             "Deactivate the question and write a new one instead."))
        for option in removed:
            question.options.remove(option)
        for n, row in enumerate(rows):
            if row is None:
                continue
            option = existing[n] if n < len(existing) else None
            if option is None:
                option = TestOption()
                question.options.append(option)
            option.position, option.text_kk, option.text_ru, option.points = n + 1, row.text_kk, row.text_ru, row.points
        db.session.flush()
        audit.record("test_question_saved", actor, note=f"question {question.id}")
    return question


def set_question_active(question_id: int, active: bool, actor: User) -> TestQuestion:
    """Questions are never deleted (answers refer to them): they are taken out of the test and back."""
    with writing():
        question = db.session.get(TestQuestion, question_id)
        if question is None:
            raise NotFound
        if question.active != active:
            question.active = active
            audit.record("test_question_activated" if active else "test_question_deactivated", actor,
                         note=f"question {question.id}")
    return question


def set_pass_mark(year: int, pass_mark: int, actor: User) -> ProgrammeYear:
    """The year's pass mark, from 0 to the maximum score of the bank as it is now."""
    with writing():
        maximum = max_score()
        if not rules.pass_mark_is_valid(pass_mark, maximum):
            raise Refused(_l("The pass mark must be from 0 to %(max)s.", max=maximum))
        row = db.session.get(ProgrammeYear, year)
        before = row.pass_mark if row else rules.default_pass_mark(maximum)
        if row is None:
            row = ProgrammeYear(year=year, pass_mark=pass_mark)
            db.session.add(row)
        row.pass_mark = pass_mark
        audit.record("pass_mark_set", actor, note=f"{year}: {before} -> {pass_mark}/{maximum}")
    return row


# ---- Sittings ----

def code_hash(iin: str, code: str) -> str:
    """What is kept of a one-time code: its SHA-256 together with the IIN it was given for.

    Six digits allow only a million codes; bound to the IIN, two applicants' codes never collide on
    the unique column, and a code is worth nothing without its owner's IIN.
    """
    return hashlib.sha256(f"{iin}:{code}".encode()).hexdigest()


def _application_for_update(application_id: int, user: User) -> Application:
    application = db.session.scalar(applications_for(user).where(Application.id == application_id)
                                    .with_for_update())
    if application is None:
        raise NotFound
    return application


def _refuse_unless_waiting(application: Application) -> None:
    if not may_move(application.status, Status.TEST_PASSED):
        raise Refused(NOT_APPROVED)


def _cancel_open_sittings(application_id: int, now: datetime) -> None:
    db.session.execute(sa.update(TestSitting).where(
        TestSitting.application_id == application_id, TestSitting.finished_at.is_(None),
        TestSitting.expires_at > now).values(expires_at=now))


def start_terminal_sitting(application_id: int, user: User) -> tuple[TestSitting, str]:
    """Open a supervised sitting at a terminal; returns it with its one-time code (shown once, kept hashed).

    A new sitting cancels an unfinished earlier one, so that only the latest code works.
    """
    with writing():
        application = _application_for_update(application_id, user)
        _refuse_unless_waiting(application)
        if max_score() == 0:
            raise Refused(NO_QUESTIONS)
        now = utcnow()
        _cancel_open_sittings(application.id, now)
        while True:  # a person's earlier code may repeat once in a million times: draw again
            code = f"{secrets.randbelow(10 ** rules.TEST_CODE_DIGITS):0{rules.TEST_CODE_DIGITS}d}"
            hashed = code_hash(application.iin, code)
            if db.session.scalar(sa.select(TestSitting.id).where(TestSitting.code_hash == hashed)) is None:
                break
        sitting = TestSitting(application=application, method=TestMethod.TERMINAL, code_hash=hashed,
                              opened_by_id=user.id, opened_at=now, expires_at=now + CODE_VALID_FOR)
        db.session.add(sitting)
        audit.record("test_sitting_opened", user, application, note=TestMethod.TERMINAL.value)
        db.session.flush()
        sms.test_opened(application, sitting.id)
    return sitting, code


def _record_result(application: Application, sitting: TestSitting, score: int, maximum: int,
                   actor: User, now: datetime) -> None:
    pass_mark, _set = pass_mark_for(application.programme_year, maximum)
    sitting.finished_at = now
    sitting.score, sitting.max_score, sitting.pass_mark = score, maximum, pass_mark
    sitting.passed = rules.test_passed(score, pass_mark)
    move_to(application, Status.TEST_PASSED if sitting.passed else Status.TEST_FAILED, by=actor,
            note=f"{score}/{maximum}")


def record_paper_score(application_id: int, user: User, score: int) -> TestSitting:
    """A paper test, scored by hand: recorded at once, like a terminal result."""
    with writing():
        application = _application_for_update(application_id, user)
        _refuse_unless_waiting(application)
        maximum = max_score()
        if maximum == 0:
            raise Refused(NO_QUESTIONS)
        if not 0 <= score <= maximum:
            raise Refused(_l("The score must be a whole number from 0 to %(max)s.", max=maximum))
        now = utcnow()
        _cancel_open_sittings(application.id, now)
        sitting = TestSitting(application=application, method=TestMethod.PAPER, opened_by_id=user.id, opened_at=now)
        db.session.add(sitting)
        _record_result(application, sitting, score, maximum, user, now)
    return sitting


def find_sitting(code: str, iin: str) -> TestSitting:
    """The open sitting for this code and IIN. Refused (kindly) when it was used or has run out;
    NotFound when nothing matches, so that a guess learns nothing."""
    code, iin = rules.normalise_test_code(code), rules.normalise_iin(iin)
    if not rules.test_code_is_well_formed(code) or not rules.iin_is_valid(iin):
        raise NotFound
    sitting = db.session.scalar(sa.select(TestSitting).where(TestSitting.code_hash == code_hash(iin, code)))
    if sitting is None or sitting.application.iin != iin:
        raise NotFound
    if sitting.finished_at is not None:
        raise Refused(ALREADY_USED)
    if sitting.expires_at is None or sitting.expires_at <= utcnow():
        raise Refused(EXPIRED)
    return sitting


def open_sitting(sitting_id: int) -> TestSitting:
    """A sitting that can still be answered (the terminal's session holds its id)."""
    return _open_for_answers(db.session.get(TestSitting, sitting_id), utcnow())


def _open_for_answers(sitting: TestSitting | None, now: datetime) -> TestSitting:
    if sitting is None or sitting.method != TestMethod.TERMINAL:
        raise NotFound
    if sitting.finished_at is not None:
        raise Refused(ALREADY_USED)
    if sitting.expires_at is None or sitting.expires_at <= now:
        raise Refused(EXPIRED)
    return sitting


def saved_answers(sitting: TestSitting | None) -> dict[int, int]:
    """The answers kept so far for a sitting still being answered: {question id: option id}."""
    if sitting is None or not sitting.answers:
        return {}
    try:
        stored = json.loads(sitting.answers)
    except ValueError:
        return {}
    return {int(k): int(v) for k, v in stored.items() if str(k).isdigit() and isinstance(v, int)}


def valid_choices(questions: list[TestQuestion], answers: dict[int, int]) -> dict[int, int]:
    """Only an option of the question it is posted for counts (anything else is dropped, not refused)."""
    options = {q.id: {o.id for o in q.options} for q in questions}
    return {qid: oid for qid, oid in answers.items() if oid in options.get(qid, ())}


def save_answers(sitting_id: int, answers: dict[int, int]) -> dict[int, int]:
    """Keep the answers chosen so far on the sitting itself, so that nothing chosen is lost when the session
    ends or the page is reloaded (in another language, say). Each answer overwrites the same question's
    earlier one: sending it again changes nothing. Returns all the answers kept now."""
    with writing():
        sitting = db.session.scalar(sa.select(TestSitting).where(TestSitting.id == sitting_id).with_for_update())
        _open_for_answers(sitting, utcnow())
        kept = saved_answers(sitting)
        fresh = valid_choices(active_questions(), answers)
        if fresh and any(kept.get(qid) != oid for qid, oid in fresh.items()):
            kept.update(fresh)
            sitting.answers = json.dumps({str(qid): oid for qid, oid in sorted(kept.items())})
    return kept


def unanswered(questions: list[TestQuestion], answers: dict[int, int]) -> list[int]:
    return [q.id for q in questions if answers.get(q.id) not in {o.id for o in q.options}]


def finish_terminal_sitting(sitting_id: int, answers: dict[int, int]) -> TestSitting:
    """Score the answers from the stored options (never from the browser) and record the result.

    The code is used up with it. The result is recorded in the name of the staff member who opened
    (and supervised) the sitting.
    """
    with writing():
        sitting = db.session.scalar(sa.select(TestSitting).where(TestSitting.id == sitting_id).with_for_update())
        if sitting is None:
            raise NotFound
        now = utcnow()
        if sitting.finished_at is not None:
            raise Refused(ALREADY_USED)
        if sitting.expires_at is None or sitting.expires_at <= now:
            raise Refused(EXPIRED)
        application = db.session.scalar(sa.select(Application).where(Application.id == sitting.application_id)
                                        .with_for_update())
        _refuse_unless_waiting(application)
        questions = active_questions()
        # What was kept as the person went, with what this form sends on top (a refused sending keeps it too).
        kept = saved_answers(sitting)
        answers = {**kept, **valid_choices(questions, answers)}
        missing = unanswered(questions, answers)
        if missing:
            # Kept, then refused after the commit: a refusal inside the block would roll the answers back.
            if answers != kept:
                sitting.answers = json.dumps({str(qid): oid for qid, oid in sorted(answers.items())})
        else:
            _score(sitting, application, questions, answers, now)
    if missing:
        raise Unanswered(missing, answers)
    return sitting


def _score(sitting: TestSitting, application: Application, questions: list[TestQuestion],
           answers: dict[int, int], now: datetime) -> None:
    points = {o.id: o.points for q in questions for o in q.options}
    chosen = {q.id: answers[q.id] for q in questions}
    sitting.answers = json.dumps({str(qid): oid for qid, oid in chosen.items()})
    _record_result(application, sitting, rules.test_score(points[oid] for oid in chosen.values()),
                   max_score(questions), sitting.opened_by, now)


def sittings_of(application: Application) -> list[TestSitting]:
    return list(db.session.scalars(sa.select(TestSitting).where(TestSitting.application_id == application.id)
                                   .order_by(TestSitting.id.desc())))


# ---- Correcting a mistyped paper score ----

SCORE_CORRECTED = "test_score_corrected"  # the audit action of a corrected score (old and new in the note)
CORRECTABLE = frozenset({Status.TEST_PASSED, Status.TEST_FAILED})
NOT_CORRECTABLE = _l("Only the latest paper score can be corrected, and only while the applicant waits for a "
                     "cohort or has not passed. Someone already placed in a cohort must be taken out of it first.")
SAME_SCORE = _l("The new score is the same as the recorded one: nothing was changed.")


def correct_paper_score(application_id: int, sitting_id: int, user: User, score: int, reason: str) -> TestSitting:
    """Chamber staff correct a paper score typed wrongly, with the reason; the old and the new value go into the
    audit log. If the new score is on the other side of the pass mark the sitting had, the status moves (through
    the life cycle's door) to passed or not passed. Refused once the applicant is in a cohort, when the
    correction would fail them."""
    with writing():
        application = _application_for_update(application_id, user)
        sitting = db.session.scalar(sa.select(TestSitting).where(TestSitting.id == sitting_id,
                                                                 TestSitting.application_id == application.id)
                                    .with_for_update())
        if sitting is None:
            raise NotFound
        latest = db.session.scalar(sa.select(sa.func.max(TestSitting.id)).where(
            TestSitting.application_id == application.id, TestSitting.finished_at.is_not(None)))
        if (sitting.method != TestMethod.PAPER or sitting.finished_at is None or sitting.id != latest
                or application.status not in CORRECTABLE):
            raise Refused(NOT_CORRECTABLE)
        if not 0 <= score <= (sitting.max_score or 0):
            raise Refused(_l("The score must be a whole number from 0 to %(max)s.", max=sitting.max_score))
        if score == sitting.score:
            raise Refused(SAME_SCORE)
        old = sitting.score
        passed = rules.test_passed(score, sitting.pass_mark)
        audit.record(SCORE_CORRECTED, user, application,
                     note=f"{old} → {score} / {sitting.max_score}", typed=reason)
        sitting.score, sitting.passed = score, passed
        target = Status.TEST_PASSED if passed else Status.TEST_FAILED
        if application.status != target:
            move_to(application, target, by=user, note=f"{score}/{sitting.max_score}")
    return sitting
