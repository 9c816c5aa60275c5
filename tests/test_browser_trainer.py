"""In Chromium at 360×640: a trainer marks today's attendance on a phone, with JavaScript off and on;
the commission decides about a flagged participant. Screenshots in Kazakh and Russian."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bastau.clock import today
from bastau.models import Application, Attendance, AuditEntry, Role, Status, TrainingDay
from tests.conftest import browser_sign_in
from tests.test_browser import SHOTS, VIEWPORTS
from tests.test_trainer import PAST_DAYS, absent_on, make_cohort

pytestmark = pytest.mark.browser
PHONE = VIEWPORTS["phone"]  # 360×640
NAMES = ("Әбенова", "Бекұлы", "Ғалымов", "Иванова", "Қасенова", "Нұрланов")


def phone(browser, live_server, user, locale: str, javascript: bool = True):
    """A signed-in phone browser in the given language."""
    return browser_sign_in(browser, live_server, user, locale, PHONE, javascript)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def cohort(app, make_user, make_application) -> dict:
    trainer = make_user(Role.TRAINER)
    made = make_cohort(app, trainer.id)
    people = [make_application(status=Status.IN_TRAINING, cohort_id=made["id"], surname=name) for name in NAMES]
    return dict(made, trainer=trainer, people=people, today=made["days"][today()])


@pytest.mark.parametrize("javascript, locale", [(False, "kk"), (True, "ru")], ids=["no-js-kk", "js-ru"])
def test_trainer_marks_todays_attendance_on_a_phone(live_server, browser, store, cohort, javascript, locale):
    late, away, ill = cohort["people"][1], cohort["people"][2], cohort["people"][3]
    mode = "js" if javascript else "nojs"
    context, page = phone(browser, live_server, cohort["trainer"], locale, javascript)
    page.goto(live_server + "/trainer/")
    assert fits(page)
    page.screenshot(path=str(SHOTS / f"40-trainer-cohorts-{locale}-phone.png"), full_page=True)
    page.click(f"#today-{cohort['id']} a.button")  # the big button of today's session
    page.wait_for_url(f"**/trainer/days/{cohort['today']}")
    assert page.locator("input[type=radio][value=present]:checked").count() == len(cohort["people"])
    assert not page.is_visible(f"#r{ill}")  # the reason appears only for an excused absence
    page.click(f"label[for=m{late}a]")  # marked absent by mistake, then corrected
    page.click(f"label[for=m{late}p]")
    page.click(f"label[for=m{away}a]")
    page.click(f"label[for=m{ill}e]")
    assert page.is_visible(f"#r{ill}")
    page.select_option(f"#r{ill}", "illness")
    page.fill(f"#n{ill}", "Анықтама бар")
    page.check("#delivered")
    assert fits(page)
    page.screenshot(path=str(SHOTS / f"41-trainer-register-{mode}-{locale}-phone.png"), full_page=True)
    page.click("#save")
    page.wait_for_url(f"**/trainer/cohorts/{cohort['id']}")
    assert fits(page)
    page.screenshot(path=str(SHOTS / f"42-trainer-cohort-{mode}-{locale}-phone.png"), full_page=True)

    saved = {row.application_id: row for row in store.scalars(
        sa.select(Attendance).where(Attendance.training_day_id == cohort["today"]))}
    assert {k: v.mark.value for k, v in saved.items()} == {
        p: "absent" if p == away else "excused" if p == ill else "present" for p in cohort["people"]}
    assert (saved[ill].reason, saved[ill].note) == ("illness", "Анықтама бар")
    assert store.scalar(sa.select(TrainingDay.delivered_at).where(TrainingDay.id == cohort["today"])) is not None
    # With JavaScript each tap is saved at once, so the mistake and its correction are in the history too.
    assert store.count(AuditEntry, AuditEntry.action == "attendance_marked") == (4 if javascript else 2)
    context.close()


def test_the_register_fits_a_320_px_phone(live_server, browser, cohort):
    context, page = phone(browser, live_server, cohort["trainer"], "kk", javascript=False)
    page.set_viewport_size({"width": 320, "height": 568})
    page.goto(f"{live_server}/trainer/days/{cohort['today']}")
    page.click(f"label[for=m{cohort['people'][0]}e]")
    assert fits(page)
    page.goto(f"{live_server}/trainer/cohorts/{cohort['id']}")
    assert fits(page)
    context.close()


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_commission_keeps_a_flagged_participant_on_a_phone(live_server, browser, app, store, make_user, cohort,
                                                          locale):
    flagged = cohort["people"][0]
    days = [cohort["days"][today() - timedelta(days=n)] for n in range(PAST_DAYS, PAST_DAYS - 4, -1)]
    absent_on(app, cohort["trainer"].id, flagged, days)
    member = make_user(Role.COMMISSION)
    context, page = phone(browser, live_server, member, locale, javascript=locale == "ru")
    page.goto(live_server + "/attendance/flagged")
    assert fits(page)
    page.screenshot(path=str(SHOTS / f"43-flagged-{locale}-phone.png"), full_page=True)
    page.click(f"#a{flagged} a")
    page.wait_for_url(f"**/commission/participants/{flagged}")
    page.click("label[for=decision-1]")  # keep
    assert page.is_visible("#keep_reason") and not page.is_visible("#expel_reason")
    page.select_option("#keep_reason", "catching_up")
    assert fits(page)
    page.screenshot(path=str(SHOTS / f"44-commission-decision-{locale}-phone.png"), full_page=True)
    page.click("#record")
    page.wait_for_selector("#not-flagged")
    assert store.scalar(sa.select(Application.status).where(Application.id == flagged)) == Status.IN_TRAINING
    assert store.count(AuditEntry, AuditEntry.action == "kept_in_training") == 1
    page.screenshot(path=str(SHOTS / f"45-commission-kept-{locale}-phone.png"), full_page=True)
    context.close()
