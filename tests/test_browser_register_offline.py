"""In Chromium on a phone with a weak connection: marks are saved as they are tapped; with the network gone they stay
on the phone, shown "not sent yet" in words, and go once (never twice) when it returns, also after the session ended
and the trainer signed in again. Screenshots in Kazakh and Russian at 360×640 and 1280×800."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bastau.clock import today
from bastau.models import Attendance, AttendanceKey, AuditEntry, Mark, Role, Status, TrainingDay, WebSession
from tests.conftest import PASSWORD, browser_sign_in, translated
from tests.test_browser import SHOTS, VIEWPORTS
from tests.test_trainer import PAST_DAYS, absent_on, make_cohort

pytestmark = pytest.mark.browser
NAMES = ("Әбенова", "Бекұлы", "Ғалымов", "Иванова", "Қасенова", "Нұрланов")


@pytest.fixture
def cohort(app, make_user, make_application) -> dict:
    trainer = make_user(Role.TRAINER)
    made = make_cohort(app, trainer.id)
    people = [make_application(status=Status.IN_TRAINING, cohort_id=made["id"], surname=name) for name in NAMES]
    past = [made["days"][today() - timedelta(days=n)] for n in range(PAST_DAYS, 0, -1)]
    absent_on(app, trainer.id, people[4], past[:3])   # Қасенова: 3 unexcused days, at risk
    absent_on(app, trainer.id, people[5], past[3:7])  # Нұрланов: 4, flagged
    return dict(made, trainer=trainer, people=people, today=made["days"][today()])


def saved_marks(store, day_id: int) -> dict[int, str]:
    return {row.application_id: row.mark.value for row in store.scalars(
        sa.select(Attendance).where(Attendance.training_day_id == day_id))}


def row_says(page, person: int, text: str) -> None:
    page.wait_for_function("([id, text]) => document.getElementById('s' + id).textContent === text",
                           arg=[person, text], timeout=10000)


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_marks_wait_on_the_phone_while_offline_and_go_once_when_back(live_server, browser, store, cohort, locale):
    context, page = browser_sign_in(browser, live_server, cohort["trainer"], locale, VIEWPORTS["phone"])
    page.goto(f"{live_server}/trainer/days/{cohort['today']}")
    first, second, third = cohort["people"][:3]
    page.click(f"label[for=m{first}a]")
    row_says(page, first, translated("Saved", locale))
    assert saved_marks(store, cohort["today"]) == {first: "absent"}  # without pressing Save

    context.set_offline(True)
    page.click(f"label[for=m{second}a]")
    page.click(f"label[for=m{third}e]")
    page.select_option(f"#r{third}", "illness")
    page.check("#delivered")
    row_says(page, second, translated("Not sent yet", locale))
    row_says(page, third, translated("Not sent yet", locale))
    assert page.is_visible("#not-sent")
    assert "3" in page.inner_text("#not-sent")  # two marks and the module's tick
    assert saved_marks(store, cohort["today"]) == {first: "absent"}
    queued = page.evaluate(f"JSON.parse(localStorage.getItem('bastau-register:{cohort['trainer'].id}:"
                           f"{cohort['today']}'))")
    assert {item.get("person") for item in queued} == {second, third, None}

    context.set_offline(False)
    row_says(page, second, translated("Saved", locale))
    row_says(page, third, translated("Saved", locale))
    page.wait_for_selector("#not-sent", state="detached")
    assert saved_marks(store, cohort["today"]) == {first: "absent", second: "absent", third: "excused"}
    assert store.scalar(sa.select(TrainingDay.delivered_at).where(TrainingDay.id == cohort["today"])) is not None
    assert store.count(AuditEntry, AuditEntry.action == "attendance_marked") == 3  # once each
    assert page.evaluate(f"localStorage.getItem('bastau-register:{cohort['trainer'].id}:{cohort['today']}')") is None

    context.set_offline(True)  # "Save attendance" with no network: nothing lost, it goes by itself later
    page.click("#save")
    page.wait_for_selector("#not-sent")
    assert "/trainer/days/" in page.url
    context.set_offline(False)
    page.wait_for_url(f"**/trainer/cohorts/{cohort['id']}")
    assert len(saved_marks(store, cohort["today"])) == len(cohort["people"])
    assert store.count(AuditEntry, AuditEntry.action == "attendance_marked") == 3
    context.close()


def test_a_mark_tapped_before_the_script_arrived_is_sent_when_it_does(live_server, browser, store, cohort):
    """On a slow phone the register's script starts seconds after the page: a tap made meanwhile still goes."""
    context, page = browser_sign_in(browser, live_server, cohort["trainer"], "kk", VIEWPORTS["phone"])
    held, holding = [], [True]
    page.route("**/static/js/register.*.js",
               lambda route: held.append(route) if holding[0] else route.continue_())
    page.goto(f"{live_server}/trainer/days/{cohort['today']}")
    first = cohort["people"][0]
    page.click(f"label[for=m{first}a]")  # no script yet: only the radio changes
    page.wait_for_timeout(300)
    assert saved_marks(store, cohort["today"]) == {}
    assert held, "the register's script was not asked for"
    holding[0] = False
    for route in held:
        route.continue_()
    row_says(page, first, translated("Saved", "kk"))  # sent by the script once it ran, without pressing Save
    assert saved_marks(store, cohort["today"]) == {first: "absent"}
    assert store.count(AuditEntry, AuditEntry.action == "attendance_marked") == 1
    context.close()


def test_marks_left_on_the_phone_are_sent_after_the_next_sign_in(live_server, browser, store, cohort):
    context, page = browser_sign_in(browser, live_server, cohort["trainer"], "kk", VIEWPORTS["phone"])
    register = f"{live_server}/trainer/days/{cohort['today']}"
    page.goto(register)
    away = cohort["people"][1]
    context.set_offline(True)
    page.click(f"label[for=m{away}a]")
    row_says(page, away, translated("Not sent yet", "kk"))
    page.close()
    store.execute(sa.delete(WebSession))  # the session ended on the server meanwhile (idle, a restart)
    context.set_offline(False)
    page = context.new_page()
    page.goto(register)
    assert "/staff/login" in page.url
    page.fill("#login", cohort["trainer"].username)
    page.fill("#password", PASSWORD)
    page.click("main button")
    page.wait_for_url(f"**/trainer/days/{cohort['today']}")
    row_says(page, away, translated("Saved", "kk"))
    assert saved_marks(store, cohort["today"]) == {away: "absent"}
    assert store.count(AttendanceKey) == 1
    context.close()


def test_a_session_that_ends_with_marks_on_the_page_asks_to_sign_in_and_keeps_them(live_server, browser, store,
                                                                                  cohort):
    context, page = browser_sign_in(browser, live_server, cohort["trainer"], "ru", VIEWPORTS["phone"])
    page.goto(f"{live_server}/trainer/days/{cohort['today']}")
    store.execute(sa.delete(WebSession))
    away = cohort["people"][2]
    page.click(f"label[for=m{away}a]")
    page.wait_for_selector("#sync-status .error-panel a")
    assert page.inner_text(f"#s{away}") == translated("Not sent yet", "ru")
    page.click("#sync-status .error-panel a")
    page.fill("#login", cohort["trainer"].username)
    page.fill("#password", PASSWORD)
    page.click("main button")
    page.wait_for_url(f"**/trainer/days/{cohort['today']}")
    row_says(page, away, translated("Saved", "ru"))
    assert saved_marks(store, cohort["today"]) == {away: "absent"}
    context.close()


def test_without_javascript_the_plain_form_still_saves(live_server, browser, store, cohort):
    context, page = browser_sign_in(browser, live_server, cohort["trainer"], "kk", VIEWPORTS["phone"],
                                    javascript=False)
    page.goto(f"{live_server}/trainer/days/{cohort['today']}")
    away = cohort["people"][0]
    page.click(f"label[for=m{away}a]")
    page.check("#delivered")
    page.click("#save")
    page.wait_for_url(f"**/trainer/cohorts/{cohort['id']}")
    assert saved_marks(store, cohort["today"])[away] == Mark.ABSENT.value
    assert len(saved_marks(store, cohort["today"])) == len(cohort["people"])
    context.close()


@pytest.mark.parametrize("locale", ["kk", "ru"])
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_screenshots_of_the_register_offline_and_the_warnings(live_server, browser, cohort, locale, viewport):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = browser_sign_in(browser, live_server, cohort["trainer"], locale, VIEWPORTS[viewport])
    page.goto(f"{live_server}/trainer/")
    assert page.is_visible("#warnings")
    page.screenshot(path=str(SHOTS / f"46-trainer-home-warnings-{locale}-{viewport}.png"), full_page=True)
    page.goto(f"{live_server}/trainer/days/{cohort['today']}")
    page.screenshot(path=str(SHOTS / f"47-register-top-{locale}-{viewport}.png"))
    context.set_offline(True)
    page.click(f"label[for=m{cohort['people'][4]}a]")
    page.click(f"label[for=m{cohort['people'][0]}e]")
    row_says(page, cohort["people"][4], translated("Not sent yet", locale))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / f"48-register-offline-{locale}-{viewport}.png"), full_page=True)
    context.set_offline(False)
    # The waiting marks go as soon as the phone is back: let them arrive before the next test's data is written
    # (a mark still in flight met the next cohort's insert: "database is locked").
    row_says(page, cohort["people"][4], translated("Saved", locale))  # (the excused one waits for its reason)
    context.close()
