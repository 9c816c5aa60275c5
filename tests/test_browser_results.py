"""In Chromium: a participant uploads a business plan from the status page, the commission scores it, and the
participant downloads the completion certificate from the results page (Kazakh, 360 px)."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from bastau import rules
from bastau.calendar import public_holidays
from bastau.clock import today
from bastau.extensions import db
from bastau.models import Application, BusinessPlan, Certificate, Cohort, Role, RubricCriterion, Status, TrainingDay
from tests.conftest import district, login, post_form, translated
from tests.journey import apply, receipt_details
from tests.test_defence import confirm_close
from tests.test_browser import SHOTS, VIEWPORTS

pytestmark = pytest.mark.browser
MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")


def trained_participant(app, make_user) -> tuple[dict, int, int]:
    """An applicant (with a real receipt) who finished a Kazakh-language cohort; returns receipt, ids."""
    response = apply(app.test_client(), app)
    reference, code = receipt_details(response)
    iin = re.search(r'id="receipt-iin">(\d{12})<', response.get_data(as_text=True)).group(1)
    trainer = make_user(Role.TRAINER)
    with app.app_context():
        dates = rules.training_dates(today() - timedelta(days=60), 25, public_holidays())
        cohort = Cohort(district_id=district().id, programme_year=dates[0].year, number=3, language="kk",
                        venue="Қаскелең", start_date=dates[0], training_days=25, capacity=20, trainer_id=trainer.id,
                        created_by_id=trainer.id)
        cohort.days = [TrainingDay(day_number=i + 1, date=d, module_number=rules.module_of_day(i, 25))
                       for i, d in enumerate(dates)]
        db.session.add(cohort)
        application = db.session.scalar(sa.select(Application).where(Application.iin == iin))
        application.status, application.cohort = Status.TRAINING_COMPLETED, cohort
        db.session.commit()
        return {"reference": reference, "iin": iin, "access_code": code}, application.id, cohort.id


def test_from_plan_upload_to_certificate_download(live_server, browser, app, make_user, tmp_path):
    details, application_id, cohort_id = trained_participant(app, make_user)
    context = browser.new_context(viewport=VIEWPORTS["phone"], accept_downloads=True)
    context.add_cookies([{"name": "lang", "value": "kk", "url": live_server}])
    page = context.new_page()
    page.goto(live_server + "/status")
    page.fill("#reference", details["reference"])
    page.fill("#iin", details["iin"])
    page.fill("#access_code", details["access_code"])
    page.click("main form button")
    page.wait_for_url("**/status/view")
    page.goto(live_server + "/plans/upload")
    plan = tmp_path / "Бизнес-жоспар.pdf"
    plan.write_bytes(MINIMAL_PDF)
    page.set_input_files("input[type=file]", str(plan))
    page.check("input[name=sector][value=agriculture]")
    page.fill("input[name=village]", "Шамалған")
    page.fill("input[name=amount_needed]", "3 500 000")
    page.fill("input[name=jobs_planned]", "2")
    page.click("main form button.button")
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / "30-plan-uploaded-kk-phone.png"), full_page=True)
    with app.app_context():
        stored = db.session.scalar(sa.select(BusinessPlan).where(BusinessPlan.application_id == application_id))
        assert (stored.original_name, stored.amount_needed, stored.version) == ("Бизнес-жоспар.pdf", 3_500_000, 1)

    # The chamber sets up the defence, two commission members score the plan well, the chamber closes it.
    chamber = app.test_client()
    login(chamber, make_user(Role.CHAMBER_STAFF))
    members = [make_user(Role.COMMISSION, username=f"member-{n}") for n in (1, 2)]
    response = post_form(chamber, f"/cohorts/{cohort_id}/defence/new",
                         {"held_on": today().isoformat(), "place": "Әкімдік", "members": [m.id for m in members]})
    session_id = int(re.search(r"/defence/(\d+)", response.location).group(1))
    with app.app_context():
        criteria = db.session.scalars(sa.select(RubricCriterion.id).order_by(RubricCriterion.position)).all()
    for member in members:
        scorer = app.test_client()
        login(scorer, member)
        post_form(scorer, f"/defence/{session_id}/score/{application_id}", {f"c{c}": "9" for c in criteria})
    closed = confirm_close(chamber, session_id, absent=[])
    assert closed.status_code == 302
    with app.app_context():
        certificate = db.session.scalar(sa.select(Certificate).where(Certificate.application_id == application_id))
        assert certificate is not None and certificate.kind.value == "completion"
        number = certificate.number

    # Back at the terminal: the results page offers the certificate.
    page.goto(live_server + "/status/results")
    page.screenshot(path=str(SHOTS / "31-results-kk-phone.png"), full_page=True)
    assert translated("Business plan defended", "kk") in page.content()
    link = page.get_attribute("a[href$='certificate.pdf']", "href")
    download = context.request.get(live_server + link)  # the browser's own cookies: the terminal's session
    assert download.status == 200 and download.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(download.body()))
    text = pdf.pages[0].extract_text()
    assert number in text and "Қ" in text.upper()
    context.close()
