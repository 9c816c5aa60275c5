"""The applicant's journey: form, check your answers, confirmation with receipt."""
from __future__ import annotations

import time

import segno
import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from .. import rules
from ..clock import today
from ..config import public_url, short_address
from ..consents.forms import assisted_consent
from ..consent import CURRENT_VERSION, consent_text, paragraphs
from ..documents import official_date
from ..extensions import db, htmx, limiter
from ..forms import IIN_MESSAGES
from ..i18n import language_check, language_draft
from ..models import Application, Channel, ConsentWay, Role, utcnow
from ..sessions import clear_site_data
from ..web import current_operator, render_page, role_required, try_again_in
from .duplicates import PAUSED, spend_a_look_up
from .forms import ApplicationForm, describe_birth
from .services import (
    DuplicateApplication,
    NewApplication,
    format_access_code,
    new_access_code,
    new_submission_key,
    submit_application,
)

bp = Blueprint("apply", __name__, url_prefix="/apply")
DRAFT, RECEIPT = "apply_draft", "apply_receipt"
FIELDS = ("iin", "surname", "first_name", "patronymic", "phone", "region", "district",
          "social_status", "education", "business_idea", "channel", "sms", "consent")


def _typed(formdata) -> dict:
    return {name: formdata.get(name, "")[:400] for name in FIELDS if formdata.get(name)}


def _form(formdata=None, **kwargs) -> ApplicationForm:
    """The form, filled from `formdata`, or from the request when it is None (FlaskForm's default)."""
    operator = current_operator()
    if formdata is not None:
        kwargs["formdata"] = formdata
    form = ApplicationForm(fixed_district=operator.district if operator else None, assisted=operator is not None,
                           **kwargs)
    if operator and operator.office:
        form.channel.data = operator.office.value
    return form


def _refusal_of(draft: dict | None) -> dict:
    """The duplicate refusal this session was already given (kept across a language switch), if any."""
    refused = (draft or {}).get("refused")
    return {"refused": refused} if isinstance(refused, dict) else {}


def _refused_before(form: ApplicationForm) -> bool:
    """Show the refusal again (in the new language) only for the IIN it was given for, and without asking the
    database: this session was told already, and a language switch must not become a way to ask."""
    refused = session.get(DRAFT, {}).get("refused") or {}
    if refused.get("iin") != form.iin.data or not isinstance(refused.get("year"), int):
        return False
    form.mark_duplicate(refused["year"])
    return True


def _draft_form() -> ApplicationForm | None:
    draft = session.get(DRAFT)
    if not draft or "submission_key" not in draft:
        return None
    return _form(MultiDict(draft["typed"]), meta={"csrf": False})


def _render_form(form: ApplicationForm, status: int = 200, **context):
    operator = current_operator()  # the operator's district names the processors in the consent text
    consent = paragraphs(consent_text(str(get_locale()), district=operator.district if operator else None))
    return render_page("apply/form.html", form=form.offer_places(), consent=consent,
                       operator=operator, birth=_birth_if_valid(form.iin.data), status=status, **context)


def _birth_if_valid(iin: str | None) -> dict | None:
    try:
        return describe_birth(rules.parse_iin(rules.normalise_iin(iin or "")))
    except rules.IINError:
        return None


@bp.route("", methods=["GET", "POST"])
def form():
    if request.method == "GET":
        switched = language_draft()  # the language was switched on this form (or on the duplicate refusal)
        if switched is not None:
            session[DRAFT] = {"typed": _typed(switched), **_refusal_of(session.get(DRAFT))}
        typed = session.get(DRAFT, {}).get("typed")
        form = _form(MultiDict(typed), meta={"csrf": False}) if typed else _form(formdata=MultiDict())
        if switched is not None and language_check():  # its messages, in the new language
            if not form.validate():
                return _render_form(form, status=422)
            if _refused_before(form):
                return _render_form(form, status=409)
        return _render_form(form)
    form = _form()
    # Keep what was typed, so that a language switch or a slip never loses it.
    session[DRAFT] = {"typed": _typed(request.form)}
    if request.form.get("action") == "districts":  # the no-JavaScript way to refresh the district list
        return _render_form(form)
    if not form.validate():
        return _render_form(form, status=422)
    session[DRAFT] |= {"submission_key": new_submission_key(), "access_code": new_access_code()}
    return redirect(url_for(".check"))


RENEWED = _l("For your safety the page was renewed. Check your answers and press Continue again.")
form.on_csrf_error = lambda: _render_form(_form(), status=400, notice=RENEWED)


@bp.get("/districts")
def districts():
    """The district list of a region, for htmx when the region changes."""
    if not htmx or htmx.history_restore_request:  # not a page of its own
        return redirect(url_for(".form"))
    form = _form(MultiDict({"region": request.args.get("region", "")}), meta={"csrf": False})
    return render_page("apply/_district_field.html", form=form.offer_places())


@bp.post("/iin")
def iin_feedback():
    """What the IIN says (birth date, sex) or what is wrong with it, while the person types."""
    iin = rules.normalise_iin(request.form.get("iin", ""))
    context = {}
    if len(iin) >= 12:
        try:
            facts = rules.parse_iin(iin)
        except rules.IINError as error:
            context["iin_error"] = IIN_MESSAGES[error.code]
        else:
            context["birth"] = describe_birth(facts)
            if not rules.is_adult(facts.birth_date, today()):
                context["iin_error"] = _l("Applicants must be 18 or older on the day of application.")
    return render_template("apply/_iin_feedback.html", **context)


@bp.get("/check")
def check():
    form = _draft_form()
    if form is None:
        return redirect(url_for(".form"))
    if not form.validate():
        return _render_form(form, status=422)
    paused_until = session[DRAFT].get("paused_until")
    if isinstance(paused_until, (int, float)) and paused_until > time.time():
        return _paused(form, paused_until)
    return render_page("apply/check.html", form=form, birth=describe_birth(form.iin_facts),
                       district=form.district_object(), operator=current_operator())


@bp.post("/submit")
@limiter.limit(lambda: current_app.config["SUBMIT_LIMIT"])
def submit():
    form = _draft_form()
    if form is None:  # sent twice after it already went through: show the receipt again
        return redirect(url_for(".done") if session.get(RECEIPT) else url_for(".form"))
    draft = session[DRAFT]
    application = db.session.scalar(db.select(Application).where(Application.submission_key == draft["submission_key"]))
    if application is not None:  # a double click: the first click already created it
        return _show_receipt(application, draft)
    if not form.validate():
        return _render_form(form, status=422)
    # Only now, with everything else valid, is the IIN looked up, and only so many times (duplicates.py).
    paused_until = spend_a_look_up(form.iin.data)
    if paused_until is not None:  # shown on the check page (its own address: reload and the language switch work)
        session[DRAFT] = {**draft, "paused_until": paused_until}
        return redirect(url_for(".check"))
    try:  # the IIN's active application, if any, is looked for inside (one statement with the double click's)
        application = submit_application(_new_application(form, draft), draft["access_code"],
                                         entered_by=current_operator())
    except DuplicateApplication as duplicate:  # already made, however long ago, or another terminal won the race
        return _refused(form, duplicate.year)
    return _show_receipt(application, draft)


def _refused(form: ApplicationForm, year: int):
    """The kind refusal: the form with the IIN marked and a link to the status page; what was typed stays."""
    session[DRAFT] = {**session[DRAFT], "refused": {"iin": form.iin.data, "year": year}}
    form.mark_duplicate(year)
    return _render_form(form, status=409)


def _paused(form: ApplicationForm, paused_until: float):
    """Too many look-ups from here or for this IIN: the answers, ready to send later, and when to try again."""
    again, wait = try_again_in(paused_until)
    response = render_page("apply/check.html", form=form, birth=describe_birth(form.iin_facts),
                           district=form.district_object(), operator=current_operator(), status=429,
                           paused=PAUSED, paused_again=again)
    response.headers["Retry-After"] = str(wait)
    return response


def _show_receipt(application: Application, draft: dict):
    # The id as the session knows it: application.id after submit_application's commit would load the row again.
    session[RECEIPT] = {"id": sa.inspect(application).identity[0], "code": draft["access_code"]}
    session.pop(DRAFT, None)
    return redirect(url_for(".done"))


def _new_application(form: ApplicationForm, draft: dict) -> NewApplication:
    language = str(get_locale())
    facts = form.iin_facts
    return NewApplication(
        iin=form.iin.data, surname=form.surname.data, first_name=form.first_name.data,
        patronymic=form.patronymic.data or None, birth_date=facts.birth_date, sex=facts.sex,
        phone=rules.normalise_mobile(form.phone.data), district_id=int(form.district.data),
        social_status=form.social_status.data, education=form.education.data,
        business_idea=form.business_idea.data or None, channel=Channel(form.channel.data),
        language=language, consent_version=CURRENT_VERSION, consent_language=language, consent_at=utcnow(),
        consent_way=ConsentWay.PENDING if current_operator() else ConsentWay.ONLINE,
        programme_year=rules.programme_year(today()), submission_key=draft["submission_key"],
        sms_opt_in=form.sms_opt_in)


@bp.get("/done")
def done():
    receipt = session.get(RECEIPT)
    application = db.session.get(Application, receipt["id"]) if receipt else None
    if application is None:
        return redirect(url_for("home.start"))
    status_address = short_address(public_url("status.lookup"))
    qr = qr_svg(public_url("status.lookup", reference=application.reference),
                _l("QR code: opens the status check with your reference number filled in"))
    return render_page("apply/done.html", application=application, access_code=format_access_code(receipt["code"]),
                       operator=current_operator(), status_address=status_address, qr=qr,
                       receipt_date=official_date(application.created_at, str(get_locale())),
                       **assisted_consent(application))


def qr_svg(text: str, label) -> Markup:
    """A small inline SVG QR code (no extra request, prints sharp) with an accessible name."""
    svg = segno.make(text, error="m").svg_inline(scale=3, svgclass="qr", lineclass=None)
    return Markup(svg.replace("<svg ", Markup('<svg role="img" aria-label="{}" ').format(str(label)), 1))


@bp.post("/next")
@role_required(Role.OPERATOR)
def next_applicant():
    """Operators: clear this citizen's data and start the next one, staying logged in."""
    session.pop(RECEIPT, None)
    session.pop(DRAFT, None)
    return clear_site_data(redirect(url_for(".form")), storage=False)  # Back shows no receipt (bastau/sessions.py)
