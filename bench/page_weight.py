"""Page weight of every page: compressed bytes on the wire for the HTML, the first visit and the repeat visit.

Run alone with `.venv/bin/python bench/page_weight.py`, or as part of `make bench` (bench/run.py calls `run()`).
A fresh database gets the demo data (bastau.demo) plus what a few pages need to show something real (a full
cohort of 30 on the trainer's register, a second version of the list, an open defence session). Every GET route of
`app.url_map` is either visited here (VISITS, signed in as a role that may see it; public pages in Kazakh and
Russian) or named in NOT_PAGES with the reason; tests/test_page_budget.py keeps it that way.

Per page, as Chromium receives it (Accept-Encoding: gzip, deflate, br):
- HTML: status line + headers + the compressed body;
- first visit: HTML + every stylesheet and script the page links (none cached yet);
- repeat visit: what the browser downloads again, judged from each response's Cache-Control (a response with
  max-age > 0 or immutable, and neither no-store nor no-cache, is taken from the cache).
"""
from __future__ import annotations

import gzip
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import brotli  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bastau import demo, rules  # noqa: E402
from bastau.access_codes import hash_code  # noqa: E402
from bastau.apply.services import new_submission_key  # noqa: E402
from bastau.calendar import public_holidays  # noqa: E402
from bastau.clock import today  # noqa: E402
from bastau.consent import CURRENT_VERSION  # noqa: E402
from bastau.extensions import db  # noqa: E402
from bastau.lists.services import revise_list  # noqa: E402
from bastau.models import (  # noqa: E402
    ApplicantList,
    Application,
    Attendance,
    Certificate,
    Cohort,
    ConsentWay,
    DefenceResult,
    DefenceSession,
    District,
    Mark,
    Role,
    Status,
    TestQuestion,
    TrainingDay,
    User,
    utcnow,
)

ENCODING = "gzip, deflate, br"  # what Chromium sends over plain HTTP
HTML_BUDGET = 14 * 1024
FIRST_BUDGET = 40 * 1024
REPEAT_BUDGET = 14 * 1024
BUDGETS = (("HTML", "html", HTML_BUDGET), ("first visit", "first", FIRST_BUDGET),
           ("repeat visit", "repeat", REPEAT_BUDGET))
LOCALES = ("kk", "ru")
COHORT_SIZE = 30

# GET routes that do not answer with an HTML page of their own, and what they answer with instead.
NOT_PAGES = {
    "assets.serve": "static files, counted in the first visit of every page that links them",
    "i18n.switch": "redirect",
    "health.check": "health check",
    "lists.xlsx": "XLSX",
    "lists.csv": "CSV",
    "plan_admin.national_template": "XLSX",
    "plan_admin.region_template": "XLSX",
    "defence.cohort_certificates": "PDF",
    "defence.staff_certificate": "PDF",
    "defence.my_certificate": "PDF",
    "defence.protocol_pdf": "PDF",
    "plans.download": "download",
    "plans.download_own": "download",
    "my_data.as_pdf": "PDF", "my_data.as_json": "JSON", "read_log_admin.accesses": "CSV or XLSX",
}


@dataclass
class Ids:
    """The demo records the pages are about."""
    region: int
    district: int
    year: int
    list: int
    revised_list: int
    submitted: int
    confirmed: int
    waiting_for_test: list[int]
    training_cohort: int
    finished_cohort: int
    completed_cohort: int
    register_day: int
    future_day_number: int
    flagged: int
    trainee: int
    graduate: int
    open_session: int
    closed_session: int
    defending: int
    certificate: str
    operator: int
    question: int
    assisted: int  # entered by the operator, waiting for the citizen's signature on the printed consent


@dataclass
class Visitor:
    """One browser (a test client) of one person in one language; `staff` signs another person in."""
    app: object
    client: object
    ids: Ids
    locale: str
    staff: Callable[[str], object]

    def application(self, application_id: int) -> tuple[str, str]:
        """(reference, IIN) of an application. Requests must run outside this app context: inside one, the test
        client would share its `g` (and so the signed-in user) between clients."""
        with self.app.app_context():
            found = db.session.get(Application, application_id)
            return found.reference, found.iin


@dataclass(frozen=True)
class Visit:
    """How to reach a page: who looks (a demo staff username, or an applicant's browser), at which path, after
    which steps (run on the same browser, in VISITS order). A fragment is HTML that htmx puts into a page."""
    endpoint: str
    who: str
    path: Callable[[Ids], str]
    label: str = ""
    before: Callable[[Visitor], None] | None = None
    fragment: bool = False


@dataclass
class Row:
    endpoint: str
    label: str
    who: str
    locale: str
    status: int
    html: int
    first: int
    repeat: int
    uncompressed: int
    fragment: bool = False
    problems: list[str] = field(default_factory=list)

    def over(self) -> list[str]:
        """The budgets this page exceeds (a fragment has only the HTML one: the page around it brought the rest)."""
        return [what for what, attr, budget in BUDGETS
                if getattr(self, attr) > budget and (attr == "html" or not self.fragment)]


# ---- Wire sizes ----

def wire_size(response) -> int:
    headers = sum(len(f"{k}: {v}\r\n") for k, v in response.headers.items())
    return len(f"HTTP/1.1 {response.status}\r\n") + headers + 2 + len(response.get_data())


def text(response) -> str:
    """The page as the browser sees it, after decompression."""
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        body = brotli.decompress(body)
    elif encoding == "gzip":
        body = gzip.decompress(body)
    return body.decode()


def cached_for_repeat(response) -> bool:
    """Would a browser reuse this response without asking again? Only with an explicit freshness lifetime."""
    directives = response.headers.get("Cache-Control", "").lower()
    if re.search(r"\bno-(store|cache)\b", directives):
        return False
    max_age = re.search(r"\bmax-age=(\d+)", directives)
    return "immutable" in directives or bool(max_age and int(max_age.group(1)) > 0)


SUBRESOURCE = re.compile(r'<(?:script|img)\b[^>]*\bsrc="(/[^"]+)"'
                         r'|<link\b(?=[^>]*\brel="(?:stylesheet|icon|preload|modulepreload)")[^>]*\bhref="(/[^"]+)"')


def assets_of(body: str) -> list[str]:
    """Scripts, images, stylesheets and icons the page makes the browser fetch from us (not links to follow)."""
    return list(dict.fromkeys(script or link for script, link in SUBRESOURCE.findall(body)))


class AssetSizes:
    """Each asset fetched once, as Chromium asks for it: (wire bytes, kept in the cache for the repeat visit)."""

    def __init__(self, app):
        self.client = app.test_client()
        self.seen: dict[str, tuple[int, bool]] = {}

    def __call__(self, url: str) -> tuple[int, bool]:
        if url not in self.seen:
            response = self.client.get(url, headers={"Accept-Encoding": ENCODING})
            assert response.status_code == 200, (url, response.status_code)
            self.seen[url] = (wire_size(response), cached_for_repeat(response))
        return self.seen[url]


# ---- Realistic data ----

def demo_app(name: str = "page-weight", url: str | None = None):
    """A fresh database with the demo data and the extra rows some pages need; returns (app, ids)."""
    from common import fresh_app
    app, _url, _counter = fresh_app(name, url)
    with app.app_context():
        demo.load()
        extend_demo()
        ids = demo_ids()
        db.session.remove()
    return app, ids


def _participant(cohort, serial: int, status, born, sex: str = "female", surname: str = "Нұрланова",
                 name: str = "Айгерім"):
    return Application(
        programme_year=cohort.programme_year, iin=rules.compose_iin(born, sex, serial), surname=surname,
        first_name=name, birth_date=born, sex=sex, phone=f"+7708{serial:07d}", district_id=cohort.district_id,
        social_status="unemployed", education="secondary", channel="employment_centre", status=status, cohort=cohort,
        access_code_hash=hash_code(demo.DEMO_ACCESS_CODE),
        submission_key=new_submission_key(), language=cohort.language, consent_version=CURRENT_VERSION,
        consent_language=cohort.language, consent_at=utcnow())


SURNAMES = ("Қасымбеков", "Ләззатова", "Мұхамеджанов", "Нұрсұлтанова", "Оспанов", "Өтегенова", "Рахымжанов",
            "Сағынтаева", "Тұрсынбаев", "Үмбетова", "Хасенов", "Шайхиева")
NAMES = (("Жұлдыз", "female"), ("Ержан", "male"), ("Ольга", "female"), ("Самат", "male"))


def extend_demo() -> None:
    """A full cohort of 30 on the trainer's register, list №1 changed once (a second version to compare), and a
    cohort that finished training with an open defence session (the commission's scoring pages)."""
    # the first account of each role (the demo has a second commission member)
    users = {u.role: u for u in db.session.scalars(sa.select(User).order_by(User.id.desc()))}
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.number == 1))
    past = [d for d in cohort.days if d.date < today()]
    for n in range(COHORT_SIZE - len(cohort.participants)):
        name, sex = NAMES[n % len(NAMES)]
        person = _participant(cohort, 500 + n, Status.IN_TRAINING, date(1980 + n % 20, 1 + n % 12, 1 + n % 27), sex,
                              SURNAMES[n % len(SURNAMES)], name)
        db.session.add(person)
        db.session.flush()
        db.session.add_all(Attendance(training_day_id=day.id, application_id=person.id, mark=Mark.PRESENT,
                                      recorded_by_id=users[Role.TRAINER].id) for day in past)
    dates = rules.training_dates(today() - timedelta(days=60), 25, public_holidays())
    # The demo's cohort 6 (its defence session closed ten days ago) when it has one; else a new cohort 6.
    done = db.session.scalar(sa.select(Cohort).where(Cohort.number == 6, Cohort.district_id == cohort.district_id))
    if done is None:
        done = Cohort(district_id=cohort.district_id, programme_year=cohort.programme_year, number=6, language="kk",
                      venue="Қаскелең, Абылай хан 25", start_date=dates[0], training_days=25, capacity=25,
                      trainer=users[Role.TRAINER], created_by_id=users[Role.CHAMBER_STAFF].id)
        done.days = [TrainingDay(day_number=i + 1, date=d, module_number=rules.module_of_day(i, 25)) for i, d in
                     enumerate(dates)]
    db.session.add_all(_participant(done, 600 + n, Status.TRAINING_COMPLETED, date(1985 + n, 3, 1 + n),
                                    surname=SURNAMES[n]) for n in range(4))
    db.session.add(DefenceSession(cohort=done, held_on=today() + timedelta(days=3), place="Қаскелең, әкімдік",
                                  created_by_id=users[Role.CHAMBER_STAFF].id, members=[users[Role.COMMISSION]]))
    db.session.commit()
    first_list = db.session.scalar(sa.select(ApplicantList).order_by(ApplicantList.id))
    confirmed = db.session.scalar(sa.select(Application.id).where(Application.status == Status.TARGET_GROUP_CONFIRMED)
                                  .order_by(Application.id))
    revise_list(users[Role.CENTRE_OFFICER], first_list, [], [confirmed], "Бір адам қосылды")
    db.session.commit()


def demo_ids() -> Ids:
    def first(statement):
        return db.session.scalar(statement.order_by(sa.text("1")).limit(1))

    def application(status, *where):
        return first(sa.select(Application.id).where(Application.status == status,
                                                     Application.programme_year == rules.programme_year(today()),
                                                     *where))

    place = db.session.scalar(sa.select(District).where(District.kato_code == demo.DEMO_DISTRICT))
    cohorts = {c.number: c for c in db.session.scalars(sa.select(Cohort).where(Cohort.district_id == place.id))}
    training = cohorts[1]
    day = max((d for d in training.days if d.date <= today()), key=lambda d: d.date)
    lists = db.session.scalars(sa.select(ApplicantList.id).order_by(ApplicantList.id)).all()
    open_session = db.session.scalar(sa.select(DefenceSession).where(DefenceSession.cohort_id == cohorts[6].id)
                                     .order_by(DefenceSession.id.desc()))  # the one extend_demo added
    closed_session = db.session.scalar(sa.select(sa.func.max(DefenceResult.session_id)))
    return Ids(
        region=place.region_id, district=place.id, year=today().year, list=lists[0], revised_list=lists[-1],
        submitted=application(Status.SUBMITTED), confirmed=application(Status.TARGET_GROUP_CONFIRMED),
        waiting_for_test=db.session.scalars(sa.select(Application.id).where(
            Application.status == Status.LIST_APPROVED).order_by(Application.id)).all(),
        training_cohort=training.id, finished_cohort=cohorts[2].id, completed_cohort=cohorts[6].id,
        register_day=day.id, future_day_number=training.days[-1].day_number,
        flagged=application(Status.IN_TRAINING, Application.surname == "Дүйсенбаев"),
        trainee=application(Status.IN_TRAINING, Application.cohort_id == training.id),
        graduate=application(Status.LOAN_APPROVED), open_session=open_session.id, closed_session=closed_session,
        defending=application(Status.TRAINING_COMPLETED, Application.cohort_id == cohorts[6].id),
        certificate=first(sa.select(Certificate.number)), operator=first(sa.select(User.id).where(
            User.username == "operator")), question=first(sa.select(sa.func.min(TestQuestion.id))),
        assisted=first(sa.select(Application.id).where(Application.consent_way == ConsentWay.PENDING)))


# ---- What a visitor does before a page ----

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token(client, url: str) -> str:
    return TOKEN.search(text(client.get(url))).group(1)


def post(client, url: str, data: dict, page: str | None = None, expect=(200, 302)):
    response = client.post(url, data={**data, "csrf_token": token(client, page or url)})
    assert response.status_code in expect, (url, response.status_code)
    return response


def _applicant_iin(locale: str) -> str:
    born = today().replace(year=today().year - 30)
    return rules.compose_iin(born, "female", 4321 + LOCALES.index(locale))


def fill_in_form(v: Visitor) -> None:
    data = {"iin": _applicant_iin(v.locale), "surname": "Сәрсенбаева", "first_name": "Әйгерім",
            "patronymic": "Қанатқызы", "phone": "+7 701 234 56 78", "region": v.ids.region,
            "district": v.ids.district, "social_status": "unemployed", "education": "secondary",
            "business_idea": "Ауылда тігін цехын ашу", "channel": "akimat", "consent": "y"}
    post(v.client, "/apply", data, expect=(302,))


def submit(v: Visitor) -> None:
    post(v.client, "/apply/submit", {}, page="/apply/check", expect=(302,))


def finish(v: Visitor) -> None:
    post(v.client, "/finish", {}, page="/apply/done", expect=(302,))


def look_up(application_id: Callable[[Ids], int]) -> Callable[[Visitor], None]:
    def step(v: Visitor) -> None:
        reference, iin = v.application(application_id(v.ids))
        post(v.client, "/status", {"reference": reference, "iin": iin, "access_code": demo.DEMO_ACCESS_CODE},
             expect=(302,))
    return step


def start_test(v: Visitor) -> None:
    """The chamber gives a one-time code; the applicant types it with their IIN at the terminal."""
    applicant = v.ids.waiting_for_test[LOCALES.index(v.locale)]
    chamber = v.staff("chamber")
    url = f"/chamber/applications/{applicant}/test"
    page = post(chamber, f"{url}/terminal", {}, page=url, expect=(200,))
    code = re.search(r'id="test-code">([^<]+)<', text(page)).group(1)
    post(v.client, "/test", {"code": code, "iin": v.application(applicant)[1]}, expect=(302,))


def answer_test(v: Visitor) -> None:
    page = text(v.client.get("/test/questions"))
    radios = [tag for tag in re.findall(r"<input\b[^>]*>", page) if 'type="radio"' in tag]
    answers = {re.search(r'name="(q\d+)"', tag).group(1): re.search(r'value="(\d+)"', tag).group(1)
               for tag in radios}  # the last option of each question
    sitting = re.search(r'name="sitting" value="([^"]+)"', page).group(1)
    post(v.client, "/test/questions", {**answers, "sitting": sitting}, expect=(302,))


# ---- Every page ----

PUBLIC = ("public", "applicant", "participant", "trainee", "terminal")  # measured in every language
HTMX = {"HX-Request": "true"}

VISITS = [
    # The citizen's pages.
    Visit("home.start", "public", lambda i: "/", "start page"),
    Visit("apply.form", "applicant", lambda i: "/apply", "application form"),
    Visit("apply.districts", "applicant", lambda i: f"/apply/districts?region={i.region}", "districts of a region",
          fragment=True),
    Visit("apply.check", "applicant", lambda i: "/apply/check", "check your answers", before=fill_in_form),
    Visit("apply.done", "applicant", lambda i: "/apply/done", "receipt", before=submit),
    Visit("home.finished", "applicant", lambda i: "/finished", "finished", before=finish),
    Visit("home.session_ended", "public", lambda i: "/session-ended", "session ended"),
    Visit("status.lookup", "public", lambda i: "/status", "status look-up"),
    Visit("status.new_code", "public", lambda i: "/status/code", "send my code again"),
    Visit("status.view", "applicant", lambda i: "/status/view", "status",
          before=look_up(lambda i: i.submitted)),
    Visit("status.results", "participant", lambda i: "/status/results", "results (loan approved)",
          before=look_up(lambda i: i.graduate)),
    Visit("status.withdraw", "applicant", lambda i: "/status/withdraw", "withdrawal: confirm",
          before=look_up(lambda i: i.submitted)),
    Visit("status.withdraw_consent", "applicant", lambda i: "/status/consent", "withdrawal of consent: confirm",
          before=look_up(lambda i: i.submitted)),
    Visit("status.consent_withdrawn", "public", lambda i: "/status/consent/done", "consent withdrawn: done"),
    Visit("plans.upload", "trainee", lambda i: "/plans/upload", "business plan upload",
          before=look_up(lambda i: i.trainee)),
    Visit("potential.terminal", "public", lambda i: "/test", "test: code"),
    Visit("potential.questionnaire", "terminal", lambda i: "/test/questions", "test: questions", before=start_test),
    Visit("potential.result", "terminal", lambda i: "/test/result", "test: result", before=answer_test),
    Visit("training.upcoming", "public", lambda i: "/training", "upcoming intakes"),
    Visit("training.districts", "public", lambda i: f"/training/districts?region={i.region}",
          "districts of a region", fragment=True),
    Visit("defence.verify", "public", lambda i: "/certificates", "certificate check"),
    Visit("defence.certificate", "public", lambda i: f"/certificates/{i.certificate}", "certificate"),
    Visit("staff.login", "public", lambda i: "/staff/login", "staff sign-in"),
    # Staff pages (Kazakh).
    Visit("staff.home", "operator", lambda i: "/staff/", "operator's desk"),
    Visit("accounts.change_password", "operator", lambda i: "/staff/password", "own password"),
    Visit("home.terminal", "operator", lambda i: "/terminal", "mark this browser as a shared terminal"),
    Visit("staff.application", "centre", lambda i: f"/staff/applications/{i.submitted}", "application + history"),
    Visit("consents.versions", "centre", lambda i: "/consent/versions", "consent texts, every version"),
    Visit("consents.desk", "operator", lambda i: f"/consent/{i.assisted}", "the citizen's consent: print, record"),
    Visit("erasure.written_request", "chamber", lambda i: f"/staff/applications/{i.submitted}/consent-withdrawal",
          "withdrawal of consent on a written request"),
    Visit("centre.queue", "centre", lambda i: "/centre/", "queue"),
    Visit("centre.list_index", "centre", lambda i: "/centre/lists", "lists"),
    Visit("centre.new_list", "centre", lambda i: "/centre/lists/new", "new list"),
    Visit("centre.revise", "centre", lambda i: f"/centre/lists/{i.revised_list}/revise", "change a list"),
    Visit("lists.view", "centre", lambda i: f"/lists/{i.revised_list}", "list"),
    Visit("lists.changes", "centre", lambda i: f"/lists/{i.revised_list}/changes", "list changes"),
    Visit("chamber.list_index", "chamber", lambda i: "/chamber/lists", "lists to approve"),
    Visit("potential.waiting", "chamber", lambda i: "/chamber/tests", "waiting for the test"),
    Visit("potential.application_test", "chamber", lambda i: f"/chamber/applications/{i.waiting_for_test[0]}/test",
          "one applicant's test"),
    Visit("training.cohorts", "chamber", lambda i: "/cohorts", "cohorts"),
    Visit("training.new_cohort", "chamber", lambda i: "/cohorts/new", "new cohort"),
    Visit("training.cohort", "chamber", lambda i: f"/cohorts/{i.training_cohort}", "cohort (30)"),
    Visit("training.edit_cohort", "chamber", lambda i: f"/cohorts/{i.training_cohort}/edit", "edit cohort"),
    Visit("training.edit_day", "chamber", lambda i: f"/cohorts/{i.training_cohort}/days/{i.future_day_number}",
          "edit a day"),
    Visit("trainer.cohorts", "trainer", lambda i: "/trainer/", "trainer: my cohorts"),
    Visit("trainer.cohort", "trainer", lambda i: f"/trainer/cohorts/{i.training_cohort}", "trainer: cohort (30)"),
    Visit("trainer.attendance", "trainer", lambda i: f"/trainer/days/{i.register_day}", "trainer: register (30)"),
    Visit("plans.application", "trainer", lambda i: f"/plans/applications/{i.trainee}", "trainer: a plan"),
    Visit("plans.upload_for", "trainer", lambda i: f"/plans/applications/{i.trainee}/upload",
          "trainer: upload a plan"),
    Visit("commission.flagged", "chamber", lambda i: "/attendance/flagged", "flagged participants"),
    Visit("commission.review", "commission", lambda i: f"/commission/participants/{i.flagged}", "commission decision"),
    Visit("defence.sessions", "chamber", lambda i: "/defence", "defence sessions"),
    Visit("defence.cohort", "chamber", lambda i: f"/cohorts/{i.finished_cohort}/defence", "cohort's defences"),
    Visit("defence.new_session", "chamber", lambda i: f"/cohorts/{i.completed_cohort}/defence/new",
          "new defence session"),
    Visit("defence.session_page", "commission", lambda i: f"/defence/{i.open_session}", "defence session"),
    Visit("defence.close_confirm", "chamber", lambda i: f"/defence/{i.open_session}/close",
          "close a defence session: confirm"),
    Visit("defence.reopen_form", "region", lambda i: f"/defence/{i.closed_session}/reopen",
          "reopen a defence session"),
    Visit("defence.protocol", "region", lambda i: f"/defence/{i.closed_session}/protocol", "defence protocol"),
    Visit("defence.score", "commission", lambda i: f"/defence/{i.open_session}/score/{i.defending}",
          "scoring a plan"),
    Visit("loans.index", "chamber", lambda i: "/financing", "financing"),
    Visit("loans.participant", "chamber", lambda i: f"/financing/{i.graduate}", "financing: one person"),
    Visit("loans.follow_ups_recorded", "chamber", lambda i: f"/financing/follow-ups/recorded?done={i.graduate}-6",
          "follow-ups recorded in bulk: summary"),
    Visit("kept.show", "chamber", lambda i: "/kept/nothing-kept", "a form kept after the page was open too long"),
    Visit("sms.messages", "chamber", lambda i: "/staff/sms/", "sent messages (SMS)"),
    Visit("dashboard.index", "admin", lambda i: "/dashboard", "national dashboard"),
    Visit("dashboard.region", "admin", lambda i: f"/dashboard/regions/{i.region}", "region dashboard"),
    Visit("dashboard.district", "chamber", lambda i: f"/dashboard/districts/{i.district}", "district dashboard"),
    Visit("dashboard.cohort", "chamber", lambda i: f"/dashboard/cohorts/{i.training_cohort}", "cohort dashboard"),
    Visit("dashboard.trainers", "admin", lambda i: "/dashboard/trainers", "trainers (country)"),
    Visit("dashboard.region_trainers", "admin", lambda i: f"/dashboard/regions/{i.region}/trainers",
          "trainers (region)"),
    Visit("dashboard.district_trainers", "chamber", lambda i: f"/dashboard/districts/{i.district}/trainers",
          "trainers (district)"),
    Visit("plan_admin.index", "admin", lambda i: "/yearly-plans/", "yearly plans"),
    Visit("plan_admin.region", "admin", lambda i: f"/yearly-plans/{i.year}/regions/{i.region}", "region's plan"),
    Visit("accounts.users", "admin", lambda i: "/admin/users", "staff accounts"),
    Visit("accounts.new_user", "admin", lambda i: "/admin/users/new", "new account"),
    Visit("accounts.user", "admin", lambda i: f"/admin/users/{i.operator}", "one account"),
    Visit("accounts.disable", "admin", lambda i: f"/admin/users/{i.operator}/disable", "disable an account: confirm"),
    Visit("potential.questions", "admin", lambda i: "/admin/test/questions", "question bank"),
    Visit("potential.new_question", "admin", lambda i: "/admin/test/questions/new", "new question"),
    Visit("potential.edit_question", "admin", lambda i: f"/admin/test/questions/{i.question}", "edit a question"),
    Visit("potential.pass_marks", "admin", lambda i: "/admin/test/pass-marks", "pass marks"),
    Visit("potential.pass_mark", "admin", lambda i: f"/admin/test/pass-marks/{i.year}", "pass mark of a year"),
    Visit("reference_admin.index", "admin", lambda i: "/admin/reference", "reference data"),
    Visit("reference_admin.mci", "admin", lambda i: "/admin/reference/mci", "MCI by year"),
    Visit("reference_admin.new_mci", "admin", lambda i: "/admin/reference/mci/new", "new MCI rate"),
    Visit("reference_admin.edit_mci", "admin", lambda i: "/admin/reference/mci/2026-01-01", "change an MCI rate"),
    Visit("reference_admin.calendar_year", "admin", lambda i: f"/admin/reference/calendar/{i.year}",
          "public holidays of a year"),
    Visit("reference_admin.new_day", "admin", lambda i: f"/admin/reference/calendar/{i.year}/new", "new calendar day"),
    Visit("reference_admin.edit_day", "admin", lambda i: "/admin/reference/calendar/day/2026-03-08",
          "change a calendar day"),
    Visit("reference_admin.lenders", "admin", lambda i: "/admin/reference/lenders", "lenders"),
    Visit("reference_admin.new_lender", "admin", lambda i: "/admin/reference/lenders/new", "new lender"),
    Visit("reference_admin.edit_lender", "admin", lambda i: "/admin/reference/lenders/damu", "change a lender"),
    Visit("reference_admin.districts", "admin", lambda i: f"/admin/reference/districts?region={i.region}",
          "districts of a region"),
    Visit("reference_admin.district", "admin", lambda i: f"/admin/reference/districts/{i.district}",
          "close or rename a district"),
    Visit("read_log_admin.index", "admin", lambda i: "/admin/read-log", "read log: who looked, accesses"),
]


def sign_in(app, username: str, locale: str):
    client = new_client(app, locale)
    post(client, "/staff/login", {"login": username, "password": demo.DEMO_PASSWORD}, expect=(302,))
    return client


def new_client(app, locale: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_ENCODING"] = ENCODING
    client.set_cookie("lang", locale)
    return client


def measure(app, ids: Ids, assets: AssetSizes, locales=LOCALES, visits=VISITS) -> Iterator[Row]:
    """A Row per visit and language (staff pages in Kazakh only), in VISITS order."""
    for locale in locales:
        clients: dict[str, object] = {}

        def client_of(who: str, locale=locale, clients=clients):
            if who not in clients:
                clients[who] = new_client(app, locale) if who in PUBLIC else sign_in(app, who, locale)
            return clients[who]

        for visit in visits:
            if locale != locales[0] and visit.who not in PUBLIC:
                continue
            visitor = Visitor(app, client_of(visit.who), ids, locale, client_of)
            if visit.before:
                visit.before(visitor)
            response = visitor.client.get(visit.path(ids), headers=HTMX if visit.fragment else {})
            yield _row(visit, locale, response, assets)


def _row(visit: Visit, locale: str, response, assets: AssetSizes) -> Row:
    body = text(response) if response.status_code == 200 else ""
    html = wire_size(response)
    first, repeat = html, 0 if cached_for_repeat(response) else html
    for url in [] if visit.fragment else assets_of(body):
        size, cached = assets(url)
        first += size
        repeat += 0 if cached else size
    row = Row(visit.endpoint, visit.label, visit.who, locale, response.status_code, html, first, repeat,
              len(body.encode()), visit.fragment)
    if response.status_code != 200:
        row.problems.append(f"answered {response.status_code}")
    elif response.headers.get("Content-Encoding") not in ("br", "gzip"):
        row.problems.append("not compressed")
    return row


# ---- The report ----

def _kb(n: int) -> str:
    return f"{n / 1024:.1f}"


def markdown(rows: list[Row], asset_sizes: dict[str, tuple[int, bool]]) -> str:
    lines = [
        "## Page weight",
        "",
        f"Every page of `app.url_map` with the demo data (plus a cohort of {COHORT_SIZE}, a changed list and an open "
        "defence session), signed in as a role that may see it; public pages in Kazakh and Russian, staff pages in "
        "Kazakh. KB on the wire (1 KB = 1,024 B: status line + headers + Brotli body, as Chromium asks). "
        "First visit = HTML + every stylesheet and script it links; repeat visit = what is fetched again given the "
        "Cache-Control headers. Budgets: HTML ≤ 14 KB, first visit ≤ 40 KB, repeat visit ≤ 14 KB. "
        "Fragments (htmx) are measured as HTML only.",
        "",
        "| page | endpoint | as | lang | HTML | first visit | repeat visit | uncompressed HTML | within budget |",
        "|---|---|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        verdict = ("✗ " + ", ".join(r.over() + r.problems)) if (r.over() or r.problems) else "✓"
        first, repeat = ("—", "—") if r.fragment else (_kb(r.first), _kb(r.repeat))
        lines.append(f"| {r.label} | `{r.endpoint}` | {r.who} | {r.locale} | {_kb(r.html)} | {first} | {repeat} | "
                     f"{_kb(r.uncompressed)} | {verdict} |")
    lines += ["", "Assets: " + ", ".join(
        f"`{url.rsplit('/', 1)[-1]}` {_kb(size)} KB ({'cached' if cached else 'NOT cached'} on repeat)"
        for url, (size, cached) in asset_sizes.items()) + ".",
        "", "Not pages (not measured): " + "; ".join(f"`{e}` ({why})" for e, why in NOT_PAGES.items()) + "."]
    met = []
    for what, attr, budget in BUDGETS:
        largest = max((r for r in rows if what == "HTML" or not r.fragment), key=lambda r: getattr(r, attr))
        value = getattr(largest, attr)
        met.append(f"{what} ≤ {budget // 1024} KB {'**met**' if value <= budget else '**MISSED**'} "
                   f"(largest {_kb(value)} KB: {largest.label}, {largest.locale})")
    broken = [r for r in rows if r.problems]
    lines += ["", f"Goals, {len(rows)} measurements of {len({r.endpoint for r in rows})} routes: " + "; ".join(met)
              + (f"; {len(broken)} pages did not answer properly." if broken else ".")]
    return "\n".join(lines) + "\n"


def run() -> str:
    print("page weight: building the demo database …", flush=True)
    app, ids = demo_app()
    assets, rows = AssetSizes(app), []
    for row in measure(app, ids, assets):
        rows.append(row)
        flag = " OVER: " + ", ".join(row.over() + row.problems) if row.over() or row.problems else ""
        print(f"  {row.endpoint:<30} {row.locale} HTML {row.html:>6,} B  first {row.first:>6,} B  "
              f"repeat {row.repeat:>6,} B{flag}", flush=True)
    return markdown(rows, assets.seen)


if __name__ == "__main__":
    print(run())
