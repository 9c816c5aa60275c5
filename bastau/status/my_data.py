""""My data" (law 94-V, art. 24: a person may know what is held about them): after the status look-up, the
person downloads everything Bastau holds about their application — a PDF in the page's language and a
machine-readable JSON — with the office that made each decision.

`collect` walks every table that points at the application: the ones named in SECTIONS get their own section,
and any other (a table added later) is still written out, column by column, under "other_records", so nothing
about the person can be left out (tests/test_my_data.py walks the models). Secrets (hashes of access codes and
test codes) and internal file names are never written. Both downloads only read; the read log is for staff.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, Response, redirect, session, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from fpdf import FPDF

from .. import withdrawal
from ..calendar import module_title
from ..clock import now
from ..defence.certificate import FONTS
from ..extensions import db
from ..formats import decimal, percent
from ..forms import CHANNEL_LABELS, EDUCATION_LABELS, SOCIAL_STATUS_LABELS
from ..documents import official_date, set_metadata
from ..i18n import phone, short_date
from ..labels import (
    ABSENCE_REASON_LABELS,
    ACTION_LABELS,
    ALL_REASON_LABELS,
    EXPULSION_REASON_LABELS,
    KEEP_REASON_LABELS,
    MARK_LABELS,
    STATUS_LABELS,
)
from ..models import (
    Application,
    Attendance,
    AuditEntry,
    BusinessFollowUp,
    BusinessPlan,
    Certificate,
    Channel,
    DefenceResult,
    DefenceScore,
    ExpulsionReview,
    ListEntry,
    LoanReferral,
    RevokedCertificate,
    Role,
    RubricCriterion,
    SmsMessage,
    TestSitting,
    TrainingDay,
    User,
)
from ..web import OPENED

bp = Blueprint("my_data", __name__, url_prefix="/status")
FORMAT = "bastau-my-data/1"
NEVER_WRITTEN = ("hash", "stored_name", "submission_key", "search_name")  # keys, internal names, derived columns
STAFF_ID = "_by_id"  # which member of staff: the person gets the office instead (a name is the staff member's)

# The tables with a section of their own; every other table that refers to an application goes to
# "other_records" as it is.
SECTIONS = {
    "audit_entry": "decisions",
    "test_sitting": "test_sittings",
    "list_entry": "lists",
    "attendance": "attendance",
    "expulsion_review": "commission_decisions",
    "business_plan": "business_plans",
    "defence_score": "defence_scores",
    "defence_result": "defence_results",
    "certificate": "certificates",
    "revoked_certificate": "revoked_certificates",
    "loan_referral": "loan_referrals",
    "business_follow_up": "follow_ups",
    "sms_message": "sms",
}
# Internal bookkeeping that says nothing new about the person: a mark's delivery key duplicates the mark,
# a notice is a staff reminder about a decision that "decisions" already shows.
BOOKKEEPING = {"attendance_key": "attendance", "notice": "decisions"}


# ---- what is held ----

def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value"):  # an enum
        return value.value
    return value


def _written(key: str) -> bool:
    return not key.endswith(STAFF_ID) and not any(word in key for word in NEVER_WRITTEN)


def _row(obj) -> dict:
    return {column.key: _plain(getattr(obj, column.key)) for column in sa.inspect(obj).mapper.column_attrs
            if _written(column.key)}


def _table_row(mapping) -> dict:
    return {key: _plain(value) for key, value in mapping.items() if _written(key)}


def office(actor: User | None, actor_role: str | None, action: str, loans: dict[str, str]) -> dict:
    """Who decided, as an office (never a member of staff's name): the employment centre of a district, the
    chamber branch, the trainer, the commission, the lender, the calendar, or the person."""
    if action in ("loan_approved", "loan_declined", "loan_issued") and loans.get("lender"):
        return {"kind": "lender", "name": loans["lender"]}
    if actor is None:
        return {"kind": actor_role or "applicant"}
    place = actor.district or actor.region
    found = {"kind": actor.role.value, "district_kato": actor.district.kato_code if actor.district else None,
             "region_kato": actor.region.kato_code if actor.region else None,
             "place": place.name if place else None}
    if actor.role == Role.OPERATOR and actor.office:
        found["office"] = actor.office.value
    return found


def office_words(found: dict) -> str:
    place = found.get("place")
    kind = found["kind"]
    if kind == "lender":
        return _("Lender: %(name)s", name=found["name"])
    if kind == "calendar":
        return _("Automatically, by the programme's calendar")
    if kind == "applicant":
        return _("You")
    words = {
        Role.CENTRE_OFFICER.value: _("Employment centre of %(place)s", place=place),
        Role.CHAMBER_STAFF.value: _("Chamber of entrepreneurs branch, %(place)s", place=place),
        Role.TRAINER.value: _("Business trainer of the cohort"),
        Role.COMMISSION.value: _("Commission, %(place)s", place=place),
        Role.REGIONAL_ADMIN.value: _("Regional administration of the programme, %(place)s", place=place),
        Role.NATIONAL_ADMIN.value: _("National administration of the programme"),
    }
    if kind == Role.OPERATOR.value:
        where = CHANNEL_LABELS.get(Channel(found["office"])) if found.get("office") else None
        if where is None:
            return _("Front desk, %(place)s", place=place)
        return _("Front desk (%(office)s), %(place)s", office=where, place=place)
    return words.get(kind, kind)


def _referring_tables() -> list[sa.Table]:
    """Every table with a column that points at application.id."""
    return [table for table in db.metadata.sorted_tables if table.name != "application"
            and any(fk.column.table.name == "application" for fk in table.foreign_keys)]


def collect(application: Application) -> dict:
    """Everything held about the application, as plain JSON values (codes, ISO dates)."""
    of = application.id
    referral = db.session.scalar(sa.select(LoanReferral).where(LoanReferral.application_id == of)
                                 .order_by(LoanReferral.id.desc()).limit(1))
    from ..loans.services import lender_name
    loans = {"lender": lender_name(referral.institution) if referral else None}
    person = _row(application)
    person.update(reference=application.reference, place=application.place,
                  district_kato=application.district.kato_code)
    if application.entered_by:
        person["entered_by_office"] = office(application.entered_by, None, "submitted", {})

    entries = list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.application_id == of)
                                      .order_by(AuditEntry.id)))
    decisions = []
    for entry in entries:
        found = _row(entry)
        found.pop("actor_id", None)  # the office is enough; a member of staff's name is theirs
        found.pop("subject_user_id", None)
        found["office"] = office(entry.actor, entry.actor_role, entry.action, loans)
        decisions.append(found)

    cohort = application.cohort
    attendance = []
    for mark, day in db.session.execute(
            sa.select(Attendance, TrainingDay).join(TrainingDay, TrainingDay.id == Attendance.training_day_id)
            .where(Attendance.application_id == of).order_by(TrainingDay.date)):
        found = _row(mark)
        found.update(date=day.date.isoformat(), day_number=day.day_number, module_number=day.module_number)
        attendance.append(found)

    criteria = {c.id: c for c in db.session.scalars(sa.select(RubricCriterion))}
    members: dict[int, int] = {}
    scores = []
    for score in db.session.scalars(sa.select(DefenceScore).where(DefenceScore.application_id == of)
                                    .order_by(DefenceScore.member_id, DefenceScore.criterion_id)):
        found = _row(score)
        found["member"] = members.setdefault(found.pop("member_id"), len(members) + 1)  # member 1, 2, … not names
        found["criterion_kk"] = criteria[score.criterion_id].text_kk if score.criterion_id in criteria else None
        found["criterion_ru"] = criteria[score.criterion_id].text_ru if score.criterion_id in criteria else None
        scores.append(found)

    def rows(model, order=None):
        return [_row(obj) for obj in db.session.scalars(sa.select(model).where(model.application_id == of)
                                                        .order_by(order if order is not None else model.id))]

    data = {
        "format": FORMAT,
        "generated_at": now().isoformat(timespec="seconds"),
        "language": str(get_locale()),
        "application": person,
        # version, language, when, and how it was given (online, on paper, by a code): whatever the row keeps
        "consent": {key.removeprefix("consent_"): value for key, value in person.items()
                    if key.startswith("consent_")},
        "status_changes": [{"at": d["created_at"], "from": d["from_status"], "to": d["to_status"],
                            "office": d["office"]} for d in decisions
                           if d["to_status"] and d["to_status"] != d["from_status"]],
        "decisions": decisions,
        "test_sittings": rows(TestSitting),
        "lists": [dict(_row(e), list=e.list.title, list_version=e.list.version) for e in db.session.scalars(
            sa.select(ListEntry).where(ListEntry.application_id == of).order_by(ListEntry.id))],
        "cohort": {"title": cohort.title, "venue": cohort.venue, "start_date": cohort.start_date.isoformat(),
                   "language": cohort.language} if cohort else None,
        "attendance": attendance,
        "commission_decisions": rows(ExpulsionReview),
        "business_plans": rows(BusinessPlan, BusinessPlan.version),
        "defence_scores": scores,
        "defence_results": rows(DefenceResult),
        "certificates": rows(Certificate),
        "revoked_certificates": rows(RevokedCertificate),
        "loan_referrals": [dict(r, lender=lender_name(r["institution"])) for r in
                           rows(LoanReferral)],
        "follow_ups": rows(BusinessFollowUp, BusinessFollowUp.months_after),
        "sms": _sms(of),
        "other_records": _other_records(of),
    }
    return data


def _sms(application_id: int) -> list[dict]:
    from ..sms.outbox import shown_text
    found = []
    for message in db.session.scalars(sa.select(SmsMessage).where(SmsMessage.application_id == application_id)
                                      .order_by(SmsMessage.id)):
        row = _row(message)
        row["text"] = shown_text(message)  # an access code, even an old one, is a key: never in a file
        for key in ("key", "gateway", "gateway_id", "attempts", "not_before", "last_error"):
            row.pop(key, None)
        found.append(row)
    return found


def _other_records(application_id: int) -> dict[str, list[dict]]:
    """Tables about the person that have no section of their own (added after this module), as they are."""
    found = {}
    for table in _referring_tables():
        if table.name in SECTIONS or table.name in BOOKKEEPING:
            continue
        columns = [c for fk in table.foreign_keys if fk.column.table.name == "application" for c in [fk.parent]]
        condition = sa.or_(*(column == application_id for column in columns))
        found[table.name] = [_table_row(row) for row in db.session.execute(
            sa.select(table).where(condition)).mappings()]
    return found


# ---- the two downloads ----

def _opened() -> Application | None:
    application_id = session.get(OPENED)
    return db.session.get(Application, application_id) if isinstance(application_id, int) else None


def _attachment(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/my-data.json")
def as_json():
    application = _opened()
    if application is None:
        return redirect(url_for("status.lookup"))
    body = json.dumps(collect(application), ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")
    return _attachment(body, "application/json; charset=utf-8", f"{application.reference}-my-data.json")


@bp.get("/my-data.pdf")
def as_pdf():
    application = _opened()
    if application is None:
        return redirect(url_for("status.lookup"))
    return _attachment(render(collect(application)), "application/pdf", f"{application.reference}-my-data.pdf")


# ---- the PDF ----

def _when(value: str | None) -> str:
    if not value:
        return "—"
    if "T" in value:
        return format_datetime(datetime.fromisoformat(value), "dd.MM.yyyy HH:mm")
    return short_date(date.fromisoformat(value))


def _label(labels: dict, code) -> str:
    if code is None:
        return "—"
    for key, label in labels.items():
        if getattr(key, "value", key) == code:
            return str(label)
    return str(code)


class _Document:
    def __init__(self):
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        set_metadata(pdf, title=_("My data in the Bastau programme"),
                     subject=_("Bastau Business entrepreneurship training programme"), language=str(get_locale()))
        pdf.set_auto_page_break(True, margin=15)
        pdf.add_page()
        self.pdf = pdf
        self.width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(self, text: str, size: int = 12) -> None:
        self.pdf.ln(3)
        self.pdf.set_font("DejaVu", "B", size)
        self.pdf.multi_cell(self.width, 6.5, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font("DejaVu", "", 9.5)

    def line(self, text: str) -> None:
        self.pdf.multi_cell(self.width, 5, text, new_x="LMARGIN", new_y="NEXT")

    def pair(self, label: str, value) -> None:
        self.line(f"{label}: {'—' if value in (None, '') else value}")

    def nothing(self) -> None:
        self.line(_("None."))


def render(data: dict) -> bytes:
    """The same facts as the JSON, in words, in the page's language."""
    doc = _Document()
    person = data["application"]
    doc.heading(_("My data in the Bastau programme"), 15)
    made_on = datetime.fromisoformat(data["generated_at"]).date()
    doc.line(_("Date of the document: %(date)s", date=official_date(made_on, str(get_locale()))))
    doc.line(_("Everything the programme's system holds about application %(reference)s, as of %(date)s.",
               reference=person["reference"], date=_when(data["generated_at"])))
    doc.heading(_("Application"))
    for label, value in (
            (_("Reference number"), person["reference"]), (_("IIN"), person["iin"]),
            (_("Full name"), " ".join(p for p in (person["surname"], person["first_name"], person["patronymic"]) if p)),
            (_("Date of birth"), _when(person["birth_date"])), (_("Mobile phone"), phone(person["phone"])),
            (_("District or town"), person["place"]),
            (_("Social status"), _label(SOCIAL_STATUS_LABELS, person["social_status"])),
            (_("Education"), _label(EDUCATION_LABELS, person["education"])),
            (_("Business idea"), person["business_idea"]),
            (_("Where you applied"), _label(CHANNEL_LABELS, person["channel"])),
            (_("Current status"), _label(STATUS_LABELS, person["status"])),
            (_("Date"), _when(person["created_at"])),
            (_("SMS about the application"), _("Yes") if person["sms_opt_in"] else _("No"))):
        doc.pair(label, value)
    consent = data["consent"]
    doc.heading(_("Consent to the processing of personal data"))
    agreed = (_("Version %(version)s in Russian, agreed on %(date)s.") if consent["language"] == "ru" else
              _("Version %(version)s in Kazakh, agreed on %(date)s."))
    doc.line(agreed % {"version": consent["version"], "date": _when(consent["at"])})

    doc.heading(_("Decisions and who made them"))
    reasons = {**ALL_REASON_LABELS, **withdrawal.REASON_LABELS}
    for entry in data["decisions"]:
        text = f"{_when(entry['created_at'])} — {_label(ACTION_LABELS, entry['action'])}"
        if entry["from_status"] and entry["to_status"] and entry["to_status"] != entry["from_status"]:
            text += f": {_label(STATUS_LABELS, entry['from_status'])} → {_label(STATUS_LABELS, entry['to_status'])}"
        if entry["reason"] in reasons:
            text += f" ({reasons[entry['reason']]})"
        doc.line(text + f". {office_words(entry['office'])}.")
    if not data["decisions"]:
        doc.nothing()

    doc.heading(_("Entrepreneurship test"))
    for sitting in data["test_sittings"]:
        if sitting["finished_at"]:
            doc.line(_("%(date)s: %(score)s of %(max)s, pass mark %(mark)s — %(result)s",
                       date=_when(sitting["finished_at"]), score=sitting["score"], max=sitting["max_score"],
                       mark=sitting["pass_mark"], result=_("passed") if sitting["passed"] else _("not passed")))
    if not any(s["finished_at"] for s in data["test_sittings"]):
        doc.nothing()

    doc.heading(_("Training"))
    if data["cohort"]:
        cohort = data["cohort"]
        doc.line(_("Cohort №%(title)s, %(venue)s, from %(date)s", title=cohort["title"], venue=cohort["venue"],
                   date=_when(cohort["start_date"])))
    absence = {**ABSENCE_REASON_LABELS}
    for mark in data["attendance"]:
        text = (f"{_when(mark['date'])} · {_('Module %(number)d: %(title)s', number=mark['module_number'], title=module_title(mark['module_number']))}"
                f" — {_label(MARK_LABELS, mark['mark'])}")
        if mark["reason"]:
            text += f" ({absence.get(mark['reason'], mark['reason'])})"
        if mark["note"]:
            text += f" — {mark['note']}"
        doc.line(text)
    for review in data["commission_decisions"]:
        labels = EXPULSION_REASON_LABELS if review["expel"] else KEEP_REASON_LABELS
        decided = (_("%(date)s: the commission decided to expel you (%(reason)s).") if review["expel"] else
                   _("%(date)s: the commission decided to keep you in training (%(reason)s)."))
        doc.line(decided % {"date": _when(review["decided_on"]), "reason": _label(labels, review["reason"])})
    if not data["cohort"] and not data["attendance"]:
        doc.nothing()

    doc.heading(_("Business plan"))
    for plan in data["business_plans"]:
        doc.line(_("Version %(number)s, %(date)s: %(name)s; %(amount)s ₸ needed, %(jobs)s jobs planned, %(village)s",
                   number=plan["version"], date=_when(plan["uploaded_at"]), name=plan["original_name"],
                   amount=f"{plan['amount_needed']:,}".replace(",", " "), jobs=plan["jobs_planned"],
                   village=plan["village"]))
    if not data["business_plans"]:
        doc.nothing()

    doc.heading(_("Defence"))
    for result in data["defence_results"]:
        words = _("Did not come") if result["absent"] else (
            _("Business plan defended") if result["defended"] else _("Business plan not defended"))
        score = f" — {percent(result['average_percent'])}" if result["average_percent"] is not None else ""
        doc.line(f"{_when(result['decided_at'])}: {words}{score}")
    language = "ru" if str(get_locale()) == "ru" else "kk"
    for score in data["defence_scores"]:
        doc.line(_("Commission member %(member)s: %(points)s points — %(criterion)s", member=score["member"],
                   points=score["points"], criterion=score[f"criterion_{language}"] or "—"))
    if not data["defence_results"] and not data["defence_scores"]:
        doc.nothing()

    doc.heading(_("Certificate"))
    for certificate in data["certificates"]:
        doc.line(_("№%(number)s, issued on %(date)s", number=certificate["number"], date=_when(certificate["issued_on"])))
    for certificate in data["revoked_certificates"]:
        doc.line(_("№%(number)s, revoked on %(date)s", number=certificate["number"],
                   date=_when(certificate["revoked_on"])))
    if not data["certificates"] and not data["revoked_certificates"]:
        doc.nothing()

    doc.heading(_("Loan"))
    from ..loans.services import OUTCOME_LABELS
    for referral in data["loan_referrals"]:
        doc.line(_("%(date)s: referred to %(lender)s for %(amount)s ₸, %(months)s months at %(rate)s — %(outcome)s",
                   date=_when(referral["referred_on"]), lender=referral["lender"],
                   amount=decimal(referral["amount_requested"], 0), months=referral["term_months"],
                   rate=percent(Decimal(referral["rate_percent"])),
                   outcome=_label(OUTCOME_LABELS, referral["outcome"])))
    for follow_up in data["follow_ups"]:
        doc.line(_("%(months)s months after the training: business opened — %(answer)s, jobs created: %(jobs)s",
                   months=follow_up["months_after"], answer=_("Yes") if follow_up["business_opened"] else _("No"),
                   jobs=follow_up["jobs_created"]))
    if not data["loan_referrals"] and not data["follow_ups"]:
        doc.nothing()

    doc.heading(_("SMS sent to you"))
    for message in data["sms"]:
        doc.line(f"{_when(message['created_at'])}: {message['text']}")
    if not data["sms"]:
        doc.nothing()

    for table, records in data["other_records"].items():
        if records:
            doc.heading(table)
            for record in records:
                doc.line("; ".join(f"{key}: {value}" for key, value in record.items()))

    doc.heading(_("Your rights"))
    doc.line(_("You may ask the programme to correct these data, and you may withdraw your consent on the status "
               "page. The same data in machine-readable form are in the JSON file on the status page."))
    return bytes(doc.pdf.output())
