"""The entrepreneurial-potential test: question bank, supervised terminal sittings, paper scores.

Three kinds of pages:
- national administrators edit the question bank and each programme year's pass mark;
- chamber staff of the applicant's district open a terminal sitting (one-time code) or enter a paper score;
- the applicant, at a terminal, enters the code and their IIN, answers, and sees the result.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadData, URLSafeTimedSerializer

from .. import rules, staff_search
from ..access import applications_for
from ..clock import today
from ..collation import by_name, name_contains
from ..extensions import db, limiter
from ..ids import as_id
from ..labels import NEXT_STEPS, STATUS_LABELS, plain
from ..models import (
    Application,
    Listed,
    ProgrammeYear,
    Role,
    Status,
    TestMethod,
    TestQuestion,
    TestSitting,
    listed_rows,
    listing,
    utcnow,
)
from ..paging import page_of
from ..web import PERSONAL_KEYS, render_page, role_required
from . import services
from .forms import OPTION_ROWS, CodeForm, PaperScoreForm, PassMarkForm, QuestionForm, ScoreCorrectionForm

bp = Blueprint("potential", __name__)

FIRST_YEAR = 2017  # the programme's first year
METHOD_LABELS = {TestMethod.TERMINAL: _l("At a terminal"), TestMethod.PAPER: _l("On paper")}
WRONG_CODE = _l("We could not find an open test with this code and IIN. Check both and try again, "
                "or ask the chamber staff.")
SESSION_ENDED = _l("The page was open too long, so the session ended. Enter the code and your IIN again: "
                   "your answers are kept.")

# The terminal's test lives in the (server-side) session until the result is recorded.
SITTING, ANSWERS, RESULT = "test_sitting_id", "test_answers", "test_result_id"


def _when(value) -> str:
    """A stored UTC time as people in Kazakhstan read it."""
    return format_datetime(value, "dd.MM.yyyy HH:mm") if value else ""


# ---- National administrator: the question bank ----

@bp.get("/admin/test/questions")
@role_required(Role.NATIONAL_ADMIN)
def questions():
    bank = db.session.scalars(sa.select(TestQuestion).order_by(TestQuestion.active.desc(), TestQuestion.position,
                                                               TestQuestion.id)).all()
    active = [q for q in bank if q.active]
    maximum = services.max_score(active)
    return render_page("potential/questions.html", bank=bank, active_count=len(active), maximum=maximum,
                       pass_mark=services.pass_mark_for(today().year, maximum), year=today().year)


@bp.route("/admin/test/questions/new", methods=["GET", "POST"])
@role_required(Role.NATIONAL_ADMIN)
def new_question():
    form = QuestionForm()
    if form.validate_on_submit():
        return _save(form, None)
    return render_page("potential/question.html", form=form, question=None, status=422 if form.errors else 200)


@bp.route("/admin/test/questions/<int:question_id>", methods=["GET", "POST"])
@role_required(Role.NATIONAL_ADMIN)
def edit_question(question_id: int):
    question = db.session.get(TestQuestion, question_id)
    if question is None:
        abort(404)
    form = QuestionForm(data={
        "text_kk": question.text_kk, "text_ru": question.text_ru, "position": question.position,
        "options": [{"text_kk": o.text_kk, "text_ru": o.text_ru, "points": str(o.points)}
                    for o in question.options[:OPTION_ROWS]]})
    if form.validate_on_submit():
        return _save(form, question)
    return render_page("potential/question.html", form=form, question=question,
                       in_use=services.question_in_use(question.id), status=422 if form.errors else 200)


def _save(form: QuestionForm, question: TestQuestion | None):
    question_id = question.id if question else None
    try:
        services.save_question(question_id, form.text_kk.data, form.text_ru.data, form.position.data,
                               form.rows, current_user)
    except services.Refused as refused:
        question = db.session.get(TestQuestion, question_id) if question_id else None
        return render_page("potential/question.html", form=form, question=question, error=refused.message,
                           in_use=bool(question_id) and services.question_in_use(question_id), status=409)
    return redirect(url_for(".questions"))


@bp.post("/admin/test/questions/<int:question_id>/active")
@role_required(Role.NATIONAL_ADMIN)
def question_active(question_id: int):
    """Take a question out of the test or put it back (questions are never deleted)."""
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        abort(400)
    services.set_question_active(question_id, wanted == "1", current_user)
    return redirect(url_for(".questions"))


# ---- National administrator: the pass mark of each programme year ----

def _years() -> list[int]:
    years = set(db.session.scalars(sa.select(ProgrammeYear.year)))
    years |= set(db.session.scalars(sa.select(Application.programme_year).distinct()))
    years |= {today().year, today().year + 1}
    return sorted((y for y in years if FIRST_YEAR <= y), reverse=True)


@bp.get("/admin/test/pass-marks")
@role_required(Role.NATIONAL_ADMIN)
def pass_marks():
    maximum = services.max_score()
    rows = [(year, *services.pass_mark_for(year, maximum)) for year in _years()]
    return render_page("potential/pass_marks.html", rows=rows, maximum=maximum,
                       default=rules.default_pass_mark(maximum), share=rules.PASS_SHARE_PERCENT)


@bp.route("/admin/test/pass-marks/<int:year>", methods=["GET", "POST"])
@role_required(Role.NATIONAL_ADMIN)
def pass_mark(year: int):
    if not FIRST_YEAR <= year <= today().year + 1:
        abort(404)
    maximum = services.max_score()
    current, is_set = services.pass_mark_for(year, maximum)
    form = PassMarkForm(maximum=maximum, data={"pass_mark": current})
    error = None
    if form.validate_on_submit():
        try:
            services.set_pass_mark(year, form.pass_mark.data, current_user)
        except services.Refused as refused:
            error = refused.message
        else:
            return redirect(url_for(".pass_marks"))
    return render_page("potential/pass_mark.html", form=form, year=year, maximum=maximum, is_set=is_set,
                       default=rules.default_pass_mark(maximum), error=error,
                       status=409 if error else 422 if form.errors else 200)


# ---- Chamber staff: the test of one applicant ----

@bp.route("/chamber/tests", methods=["GET", "POST"])
@role_required(Role.CHAMBER_STAFF)
def waiting():
    """Applicants of the district who wait for the test, and the latest results. The search is POSTed and kept
    under a key, so that a name or an IIN never sits in the address (bastau/staff_search.py)."""
    if request.method == "POST":
        return staff_search.posted_search(".waiting")
    moved = staff_search.text_out_of_address(".waiting")
    if moved is not None:
        return moved
    mine = applications_for(current_user)
    text = staff_search.recalled(request.args)[0]
    query = _waiting_search(mine.where(Application.status == Status.LIST_APPROVED), text)
    # Sorted in the database in the page's alphabetical order, then cut into pages: nobody drops off the end.
    paged = page_of(listing(query.order_by(by_name(Application.surname), by_name(Application.first_name),
                                           Application.id)), as_id(request.args.get("page")), WAITING_PAGE,
                    whole_rows=True)
    tested = listed_rows(mine.where(Application.status.in_((Status.TEST_PASSED, Status.TEST_FAILED)))
                         .order_by(Application.updated_at.desc()).limit(50))
    return render_page("potential/waiting.html", "potential/_waiting.html", waiting=Listed.all(paged.items),
                       tested=tested,
                       labels=plain(STATUS_LABELS), q=text, paged=paged,
                       search_key=request.args.get(staff_search.PARAM, ""),
                       search_lost=staff_search.lost_notice(request.args))


WAITING_PAGE = 50


def _waiting_search(query: sa.Select, text: str) -> sa.Select:
    """Name, IIN (or its first digits) or reference number."""
    if not text:
        return query
    reference = Application.parse_reference(text)
    if reference and not text.replace(" ", "").isdigit():
        return query.where(Application.programme_year == reference[0], Application.id == reference[1])
    compact = text.replace(" ", "")
    if compact.isdigit():
        return query.where(Application.iin.startswith(compact))
    return query.where(name_contains(Application.search_name, text))  # case, Ё/Е, NFC: bastau.collation


def _application(application_id: int) -> Application:
    found = db.session.scalar(applications_for(current_user).where(Application.id == application_id))
    if found is None:
        abort(404)
    return found


def _chamber_page(application_id: int, status: int = 200, **context):
    application = _application(application_id)
    maximum = services.max_score()
    now = utcnow()
    sittings = services.sittings_of(application)
    open_sitting = next((s for s in sittings if s.method == TestMethod.TERMINAL and s.finished_at is None
                         and s.expires_at and s.expires_at > now), None)
    context.setdefault("paper_form", PaperScoreForm(formdata=None, maximum=maximum))
    correctable = _correctable(application, sittings)
    if correctable is not None:
        context.setdefault("correction_form", ScoreCorrectionForm(formdata=None, maximum=correctable.max_score or 0))
    return render_page("potential/application.html", application=application, sittings=sittings,
                       correctable=correctable,
                       open_sitting=open_sitting, maximum=maximum, now=now,
                       pass_mark=services.pass_mark_for(application.programme_year, maximum)[0],
                       waiting=application.status == Status.LIST_APPROVED, labels=STATUS_LABELS,
                       methods=METHOD_LABELS, when=_when, status=status, **context)


@bp.get("/chamber/applications/<int:application_id>/test")
@role_required(Role.CHAMBER_STAFF)
def application_test(application_id: int):
    return _chamber_page(application_id)


@bp.post("/chamber/applications/<int:application_id>/test/terminal")
@role_required(Role.CHAMBER_STAFF)
def start_terminal(application_id: int):
    """Open a supervised sitting: the code is shown on this page once and is kept only as a hash."""
    _application(application_id)
    try:
        sitting, code = services.start_terminal_sitting(application_id, current_user)
    except services.Refused as refused:
        return _chamber_page(application_id, error=refused.message, status=409)
    return _chamber_page(application_id, code=f"{code[:3]} {code[3:]}", code_expires=_when(sitting.expires_at))


@bp.post("/chamber/applications/<int:application_id>/test/paper")
@role_required(Role.CHAMBER_STAFF)
def paper_score(application_id: int):
    _application(application_id)
    form = PaperScoreForm(maximum=services.max_score())
    if not form.validate_on_submit():
        return _chamber_page(application_id, paper_form=form, status=422)
    try:
        services.record_paper_score(application_id, current_user, form.score.data)
    except services.Refused as refused:
        return _chamber_page(application_id, paper_form=form, error=refused.message, status=409)
    return redirect(url_for(".application_test", application_id=application_id, _anchor="results"))


def _correctable(application: Application, sittings: list[TestSitting]) -> TestSitting | None:
    """The paper score that may still be corrected: the latest result, if it was a paper one."""
    finished = [s for s in sittings if s.finished_at is not None]
    if finished and finished[0].method == TestMethod.PAPER and application.status in services.CORRECTABLE:
        return finished[0]
    return None


@bp.post("/chamber/applications/<int:application_id>/test/<int:sitting_id>/correct")
@role_required(Role.CHAMBER_STAFF)
def correct_score(application_id: int, sitting_id: int):
    """A mistyped paper score, corrected with the reason (old and new value in the history)."""
    application = _application(application_id)
    sitting = db.session.get(TestSitting, sitting_id)
    if sitting is None or sitting.application_id != application.id:
        abort(404)
    form = ScoreCorrectionForm(maximum=sitting.max_score or 0)
    if not form.validate_on_submit():
        return _chamber_page(application_id, correction_form=form, status=422)
    try:
        services.correct_paper_score(application_id, sitting_id, current_user, form.score.data, form.reason.data)
    except services.Refused as refused:
        return _chamber_page(application_id, correction_form=form, correction_error=refused.message, status=409)
    flash(str(_l("The score is corrected. The history of the application shows the old and the new score.")))
    return redirect(url_for(".application_test", application_id=application_id, _anchor="results"))


# ---- The applicant at a terminal ----

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="bastau-test-sitting")


def _sitting_from_token(token: str | None) -> int | None:
    """The sitting named by the answer form's signed token (its proof of origin when the session ended)."""
    if not token:
        return None
    try:
        return int(_serializer().loads(token, max_age=int(services.CODE_VALID_FOR.total_seconds())))
    except (BadData, TypeError, ValueError):
        return None


def _posted_answers(form) -> dict[int, int]:
    """{question id: option id} from radio buttons named q<question id>; anything else is ignored."""
    answers = {}
    for key, value in form.items():
        question, option = as_id(key[1:]) if key.startswith("q") else None, as_id(value)
        if question is not None and option is not None:
            answers[question] = option
    return answers


def _iin_key() -> str:
    """Guesses are limited per IIN too, not only per terminal."""
    return "test-iin:" + rules.normalise_iin(request.form.get("iin", ""))[:12]


@bp.route("/test", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TEST_CODE_LIMIT"], methods=["POST"])
@limiter.limit("20 per hour", key_func=_iin_key, methods=["POST"])
def terminal():
    """Start of the test at a terminal: the one-time code from the chamber staff and the applicant's IIN."""
    form = CodeForm()
    carried = _posted_answers(request.form) if request.method == "POST" else {}
    if form.validate_on_submit():
        try:
            sitting = services.find_sitting(form.code.data, form.iin.data)
        except services.NotFound:
            return _start_page(form, carried, error=WRONG_CODE, status=404)
        except services.Refused as refused:
            return _start_page(form, carried, error=refused.message, status=409)
        for key in (*PERSONAL_KEYS, SITTING, ANSWERS, RESULT):  # nothing of the person before stays
            session.pop(key, None)
        session.regenerate()
        session[SITTING] = sitting.id
        if carried:  # answers the start page held for a session that had ended: kept on the sitting now
            try:
                services.save_answers(sitting.id, carried)
            except (services.NotFound, services.Refused):
                pass
        return redirect(url_for(".questionnaire"))
    return _start_page(form, carried, status=422 if form.errors else 200)


def _start_page(form, carried: dict, status: int = 200, **context):
    return render_page("potential/terminal.html", form=form, carried=carried, status=status, **context)


def _questions_page(sitting: TestSitting, answers: dict[int, int], missing: set[int] = frozenset(), status=200,
                    **context):
    questions = services.active_questions()
    answered = len(services.valid_choices(questions, answers))
    return render_page("potential/questionnaire.html", sitting=sitting, questions=questions,
                       answers=answers, missing=missing, token=_serializer().dumps(sitting.id), status=status,
                       answered=answered, languages=current_app.config["LANGUAGES"],
                       idle_seconds=max(current_app.config["APPLICANT_IDLE_MINUTES"], 30) * 60, show_finish=True,
                       **context)


# What a button of the answer form asks for: send the answers (default), keep them and go on, or keep them and
# switch the page's language. Every one of them keeps what is chosen so far.
SEND, SAVE, LANGUAGE = "send", "save", "lang-"
SAVED = _l("Your answers so far are kept. You can go on.")


def _is_background() -> bool:
    """An answer sent by the page's script as it is chosen (fetch), not a form the person sent."""
    return request.headers.get("X-Requested-With") == "fetch"


def _action() -> str:
    wanted = request.form.get("action", SEND)
    if wanted.startswith(LANGUAGE) and wanted[len(LANGUAGE):] in current_app.config["LANGUAGES"]:
        return wanted
    return SAVE if wanted == SAVE else SEND


def _keep(sitting_id: int):
    """Save and go on (no script), the script's save of one choice, or save and switch the language."""
    action = _action()
    try:
        kept = services.save_answers(sitting_id, _posted_answers(request.form))
    except services.NotFound:
        session.pop(SITTING, None)
        return ("", 404) if _is_background() else redirect(url_for(".terminal"))
    except services.Refused as refused:
        session.pop(SITTING, None)
        if _is_background():
            return {"error": str(refused.message)}, 409
        return _start_page(CodeForm(formdata=None), {}, error=refused.message, status=409)
    if _is_background():
        return {"answered": len(kept)}, 200
    back = url_for(".questionnaire")
    if action.startswith(LANGUAGE):
        return redirect(url_for("i18n.switch", code=action[len(LANGUAGE):], next=back), code=303)
    flash(str(SAVED))
    return redirect(back + "#progress", code=303)


@bp.route("/test/questions", methods=["GET", "POST"])
def questionnaire():
    sitting_id = session.get(SITTING)
    if sitting_id is None:  # finished already (Back, then Send again), or never started here
        return redirect(url_for(".result" if session.get(RESULT) else ".terminal"))
    if request.method == "POST":
        return _submit(sitting_id)
    try:
        sitting = services.open_sitting(sitting_id)
    except services.NotFound:
        session.pop(SITTING, None)
        return redirect(url_for(".terminal"))
    except services.Refused as refused:
        session.pop(SITTING, None)
        return _start_page(CodeForm(formdata=None), {}, error=refused.message, status=409)
    return _questions_page(sitting, services.saved_answers(sitting))


def _submit(sitting_id: int, from_session: bool = True):
    if _action() != SEND:
        return _keep(sitting_id)
    answers = _posted_answers(request.form)
    try:
        sitting = services.finish_terminal_sitting(sitting_id, answers)
    except services.NotFound:
        session.pop(SITTING, None)
        return redirect(url_for(".terminal"))
    except services.Unanswered as unanswered:  # what was chosen is kept on the sitting
        return _questions_page(db.session.get(TestSitting, sitting_id), unanswered.answers,
                               set(unanswered.question_ids), status=422)
    except services.Refused as refused:
        session.pop(SITTING, None)
        finished = db.session.get(TestSitting, sitting_id)
        if from_session and finished is not None and finished.finished_at is not None:
            # Sent twice (a double click, or Back and Send): this terminal held the sitting, so it may
            # show the result that the first sending recorded.
            session.pop(ANSWERS, None)
            session[RESULT] = sitting_id
            return redirect(url_for(".result"))
        return _start_page(CodeForm(formdata=None), {}, error=refused.message, status=409)
    session.pop(SITTING, None)
    session.pop(ANSWERS, None)
    session[RESULT] = sitting.id
    return redirect(url_for(".result"))


def _answers_after_session_ended():
    """The session ran out while the applicant was answering (a long test on an idle-limited terminal).

    The form's signed token proves it came from our page, so the answers still count; without one,
    the start page keeps the answers in the form until the code and IIN are entered again.
    """
    sitting_id = _sitting_from_token(request.form.get("sitting"))
    if sitting_id is not None:
        session[SITTING] = sitting_id
        return _submit(sitting_id, from_session=False)
    return _start_page(CodeForm(formdata=None), _posted_answers(request.form), notice=SESSION_ENDED, status=400)


questionnaire.on_csrf_error = _answers_after_session_ended


@bp.get("/test/result")
def result():
    sitting = db.session.get(TestSitting, session[RESULT]) if session.get(RESULT) else None
    if sitting is None or sitting.finished_at is None:
        return redirect(url_for(".terminal"))
    return render_page("potential/result.html", sitting=sitting, labels=STATUS_LABELS,
                       next_step=NEXT_STEPS.get(sitting.application.status), show_finish=False,
                       idle_seconds=current_app.config["APPLICANT_IDLE_MINUTES"] * 60)
