"""In Chromium: test answers are kept as they are chosen and progress follows them; the plan upload checks a file in
the browser before sending it and shows photos in the order chosen (issue 14)."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from PIL import Image

from bastau.models import TestSitting as Sitting
from tests.conftest import translated
from tests.test_plan_photos import OLE2_DOC
from tests.test_plans import folder, participant  # noqa: F401  (fixtures)
from tests.test_potential import approved, bank, bank_as_loaded, chamber, start_code  # noqa: F401

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 640}


def test_each_answer_is_kept_when_chosen_and_progress_follows(app, live_server, browser, store, approved, chamber):
    code = start_code(chamber, approved["id"])
    total = len(bank(store))
    context = browser.new_context(viewport=PHONE)
    context.add_cookies([{"name": "lang", "value": "ru", "url": live_server}])
    page = context.new_page()
    page.goto(live_server + "/test")
    page.fill("#code", code)
    page.fill("#iin", approved["iin"])
    page.locator("main form button.button").click()
    page.wait_for_url("**/test/questions")
    assert page.inner_text("#progress-text") == translated("%(answered)s of %(total)s answered", "ru", answered=0,
                                                           total=total)
    radios = page.locator("fieldset[id^=question-] input[type=radio]")
    page.locator("fieldset[id^=question-]").nth(0).locator("input").nth(1).check()
    page.locator("fieldset[id^=question-]").nth(4).locator("input").nth(0).check()
    assert page.inner_text("#progress-text") == translated("%(answered)s of %(total)s answered", "ru", answered=2,
                                                           total=total)
    assert page.locator("#progress-bar").evaluate("e => e.value") == 2
    # The live region speaks once, a moment after the last choice.
    assert page.inner_text("#progress-live") == ""
    for _ in range(40):  # the page's policy forbids eval, so poll from here
        if page.inner_text("#progress-live") and len(json.loads(store.scalar(sa.select(Sitting.answers)) or "{}")) == 2:
            break
        page.wait_for_timeout(100)
    assert page.inner_text("#progress-live") == page.inner_text("#progress-text")
    kept = json.loads(store.scalar(sa.select(Sitting.answers)) or "{}")
    assert len(kept) == 2
    # Reloading, or the header's language link, loses nothing: the answers come from the server.
    page.click("nav.lang a[lang=kk]")
    page.wait_for_url("**/test/questions")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.locator("fieldset[id^=question-]").nth(0).locator("input").nth(1).is_checked()
    assert page.locator("fieldset[id^=question-]").nth(4).locator("input").nth(0).is_checked()
    assert radios.count() > 0
    context.close()


def test_the_upload_page_checks_a_file_before_sending_and_lists_photos_in_order(app, live_server, browser, store,
                                                                               participant, tmp_path, make_user):
    application_id, trainer = participant
    from tests.conftest import browser_sign_in
    context, page = browser_sign_in(browser, live_server, trainer, locale="ru", viewport=PHONE)
    page.goto(f"{live_server}/plans/applications/{application_id}/upload")
    button = page.locator("#plan-button")
    box = button.bounding_box()
    assert box["height"] >= 44  # a touch target, not the browser's 21 px control
    assert button.inner_text().strip() == translated("Choose the file or photos", "ru")
    assert page.locator("#plan").evaluate("e => document.activeElement !== e && e.tabIndex >= 0")  # focusable
    page.fill("#village", "Ұзынағаш")
    page.fill("#amount_needed", "2 400 000")
    requests = []
    page.on("request", lambda request: requests.append(request) if request.method == "POST" else None)
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 10))
    page.set_input_files("#plan", str(big))
    error = page.locator("#plan-error")
    assert error.is_visible() and error.inner_text() == translated(
        "The file is larger than 10 MB. Make it smaller (for example, save the scans in lower quality) and upload "
        "it again.", "ru")
    page.click("#upload")
    page.wait_for_timeout(300)
    assert requests == []  # nothing travelled
    doc = tmp_path / "план.doc"
    doc.write_bytes(OLE2_DOC)
    page.set_input_files("#plan", str(doc))
    assert "PDF" in error.inner_text() and ".docx" in error.inner_text()
    # Photos, picked in two goes: the list keeps the order they were picked in.
    paths = []
    for n, colour in enumerate([(200, 0, 0), (0, 200, 0), (0, 0, 200)], start=1):
        path = tmp_path / f"бет-{n}.jpg"
        Image.new("RGB", (40, 60), colour).save(path, "JPEG")
        paths.append(str(path))
    page.click("#plan-clear")
    page.set_input_files("#plan", [paths[2], paths[0]])
    page.set_input_files("#plan", paths[1])
    assert error.is_hidden()
    assert [t.split(" (")[0] for t in page.locator("#plan-files li").all_inner_texts()] == [
        "бет-3.jpg", "бет-1.jpg", "бет-2.jpg"]
    page.check("input[value=trade]")
    page.fill("#jobs_planned", "1")
    with page.expect_navigation():
        page.click("#upload")
    from bastau.models import BusinessPlan
    plan = store.scalar(sa.select(BusinessPlan).where(BusinessPlan.application_id == application_id))
    assert plan is not None and plan.content_type == "application/pdf"
    context.close()
