"""Accessibility in Chromium: axe-core (WCAG 2.1 A/AA) on every page in both languages, as every role, with the
demo data; forms usable with the keyboard alone; errors announced and linked to their fields."""
from __future__ import annotations

import time
from datetime import timedelta
from collections import Counter, deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from bastau import demo, rules
from bastau.clock import today
from bastau.extensions import db
from bastau.models import (ApplicantList, Application, Certificate, Cohort, DefenceResult, DefenceSession, Role,
                           Status, User, utcnow)
from tests.conftest import PASSWORD, browser_sign_in, new_iin, translated
from tests.journey import fill_application

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
NO_AXE = f"""
##########################################################################
#  ACCESSIBILITY TESTS SKIPPED: {AXE.name} not found.
#  Run `npm ci --no-audit --no-fund` in the project root (needs Node.js).
##########################################################################"""
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not AXE.exists(), reason=NO_AXE)]

LOCALES = ("kk", "ru")
AXE_RUN = """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                     resultTypes: ['violations']})
  .then(result => result.violations.map(v => ({rule: v.id, impact: v.impact,
                                                targets: v.nodes.map(n => n.target.join(' '))})))"""
BLOCKING = {"serious", "critical"}
PER_ENDPOINT = {"kk": 2, "ru": 1}  # pages of one kind look alike; the second language only changes the words
NOT_FOLLOWED = {  # links the crawl must not follow
    "i18n.switch": "changes the language of the whole session",
    "home.session_ended": "signs the person out (visited last, on purpose)",
}
SHOWN_DIFFERENTLY_TO_STAFF = {"apply.form"}  # an operator enters applications for citizens
NOT_PAGES = {  # GET endpoints that never render an HTML page, and why
    "assets.serve": "static files",
    "health.check": "JSON for the load balancer",
    "i18n.switch": "redirects back to the page it came from",
    "apply.districts": "htmx fragment: the <select> of districts inside the application form",
    "training.districts": "htmx fragment: the <select> of districts inside the cohort form",
    "lists.csv": "download", "lists.xlsx": "download",
    "plans.download": "download", "plans.download_own": "download",
    "defence.cohort_certificates": "PDF", "defence.my_certificate": "PDF", "defence.staff_certificate": "PDF",
    "defence.protocol_pdf": "PDF",
    "my_data.as_pdf": "PDF", "my_data.as_json": "JSON", "read_log_admin.accesses": "CSV or XLSX",
    "plan_admin.national_template": "download", "plan_admin.region_template": "download",
}
DOWNLOAD_SUFFIXES = (".xlsx", ".csv", ".pdf")


class Crawl:
    """One browser context (one person, one language): visits pages, runs axe on each, follows links."""

    def __init__(self, app, live_server, context, who: str, locale: str, report: Report, seen: frozenset = frozenset()):
        self.adapter = app.url_map.bind(urlsplit(live_server).netloc)
        self.origin, self.who, self.locale, self.report = live_server, who, locale, report
        self.page = context.new_page()
        self.per_endpoint: Counter = Counter()
        self.queued: set[str] = set()
        self.seen = seen  # endpoints checked already, in the same words, for anyone
        self.checked: set[str] = set()

    def endpoint(self, url: str) -> str | None:
        parts = urlsplit(url)
        try:
            return self.adapter.match(parts.path, method="GET", query_args=parts.query)[0]
        except RequestRedirect as redirect:
            return self.endpoint(redirect.new_url)
        except HTTPException:
            return None

    def check(self, label: str) -> None:
        """Run axe on the page as it is now and note its endpoint as checked."""
        self.page.wait_for_load_state()
        started = time.monotonic()
        violations = self.page.evaluate(AXE_RUN)
        endpoint = self.endpoint(self.page.url)
        self.report.seconds[endpoint] += time.monotonic() - started
        self.report.add(self.who, self.locale, label, endpoint, violations)
        self.checked.add(endpoint)

    def visit(self, url: str, label: str | None = None) -> bool:
        """Open a page; False when it is not an HTML page (a download, an error)."""
        try:
            response = self.page.goto(url)
        except Exception as error:  # noqa: BLE001 — Chromium refuses to 'navigate' to a download
            if "Download is starting" in str(error):
                return False
            raise
        if response is not None and response.status >= 500:
            self.report.problems.append(f"{self.locale} {self.who:<15} {url} answered {response.status}")
        if response is None or not response.ok or "text/html" not in response.headers.get("content-type", ""):
            return False
        self.check(label or urlsplit(self.page.url).path)
        return True

    def follow(self, link: str) -> bool:
        link = urldefrag(link)[0]
        if not link.startswith(self.origin + "/") or link in self.queued:
            return False
        if urlsplit(link).path.endswith(DOWNLOAD_SUFFIXES):
            return False
        endpoint = self.endpoint(link)
        if endpoint is None or endpoint in NOT_FOLLOWED or endpoint in NOT_PAGES or endpoint in self.seen:
            return False
        if self.per_endpoint[endpoint] >= PER_ENDPOINT[self.locale]:
            return False
        self.per_endpoint[endpoint] += 1
        self.queued.add(link)
        return True

    def links(self) -> list[str]:
        return self.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")

    def run(self, *seeds: str) -> None:
        """Breadth-first over same-origin links from the seeds."""
        queue = deque(url for url in (self.origin + seed if seed.startswith("/") else seed for seed in seeds)
                      if self.follow(url))
        while queue:
            if self.visit(queue.popleft()):
                queue.extend(link for link in self.links() if self.follow(link))


class Report:
    def __init__(self):
        self.pages: Counter = Counter()  # locale -> pages checked
        self.endpoints: set[str] = set()
        self.problems: list[str] = []
        self.rules: Counter = Counter()  # (rule, impact) -> pages, of every impact
        self.seconds: Counter = Counter()  # endpoint -> time axe took on its pages

    def summary(self) -> str:
        return "\n".join(f"  {count:>4} × {rule} ({impact})" for (rule, impact), count in self.rules.most_common())

    def add(self, who: str, locale: str, label: str, endpoint: str | None, violations: list[dict]) -> None:
        self.pages[locale] += 1
        if endpoint:
            self.endpoints.add(endpoint)
        for violation in violations:
            self.rules[violation["rule"], violation["impact"]] += 1
            if violation["impact"] in BLOCKING:
                for target in violation["targets"]:
                    self.problems.append(f"{locale} {who:<15} {label:<45} {violation['rule']:<24} "
                                         f"{violation['impact']:<9} {target}")


def new_context(browser, live_server, locale: str):
    # axe is injected as an inline script, which the app's Content-Security-Policy rightly forbids; as an init script
    # (the same file, run before each page's own scripts) it costs 0.03 s a page, add_script_tag's 0.2 s
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    context.add_init_script(path=str(AXE))
    context.add_cookies([{"name": "lang", "value": locale, "url": live_server}])
    return context


def sign_in(crawl: Crawl, username: str, password: str) -> None:
    crawl.page.goto(crawl.origin + "/staff/login")
    crawl.page.fill("#login", username)
    crawl.page.fill("#password", password)
    with crawl.page.expect_navigation():
        crawl.page.click("main button")
    assert "/staff/login" not in crawl.page.url, f"{username} could not sign in"


def submit(page, selector: str = "main form button:not([tabindex='-1'])") -> None:
    with page.expect_navigation():
        page.click(selector)


def applicant_journey(app, crawl: Crawl) -> None:
    """The applicant's pages, including the forms after a submission with errors."""
    page = crawl.page
    crawl.visit(crawl.origin + "/apply")
    submit(page, "#continue")
    crawl.check("/apply (empty, errors)")
    fill_application(page, new_iin(), locale=crawl.locale)
    crawl.check("/apply (filled in: the IIN feedback and districts htmx fetched)")
    submit(page, "#continue")
    crawl.check("/apply/check")
    submit(page, f"text={translated('Send the application', crawl.locale)}")
    crawl.check("/apply/done (receipt)")
    reference, code = page.inner_text("#reference"), page.inner_text("#access-code")
    iin = page.inner_text("#receipt-iin")

    crawl.visit(crawl.origin + "/status")
    look_up(page, reference, iin, "00000000")
    crawl.check("/status (wrong data)")
    look_up(page, "", "", "")
    crawl.check("/status (empty, errors)")
    look_up(page, reference, iin, code)
    crawl.check("/status/view (new application)")
    for status in (Status.IN_TRAINING, Status.LOAN_APPROVED, Status.TEST_PASSED):
        reference, iin = demo_applicant(app, status)
        crawl.visit(crawl.origin + "/status")
        look_up(page, reference, iin, demo.DEMO_ACCESS_CODE)
        crawl.check(f"/status/view ({status.value})")
        crawl.run(*crawl.links())

    take_the_test(app, crawl)
    with app.app_context():
        number = db.session.scalar(sa.select(Certificate.number).limit(1))
    crawl.visit(crawl.origin + "/certificates")
    page.fill("#number", number)
    submit(page)
    crawl.check("/certificates/<number>")
    crawl.visit(crawl.origin + "/certificates/BB-0000-000000", "/certificates/<number> (not found)")
    crawl.visit(crawl.origin + "/status/consent/done", "/status/consent/done (after a withdrawal of consent)")
    crawl.visit(crawl.origin + "/staff/login")
    page.fill("#login", "operator")
    page.fill("#password", "not the password")
    submit(page)
    crawl.check("/staff/login (wrong password)")
    crawl.page.goto(crawl.origin + "/no-such-page")
    crawl.check("404 (the error page)")
    crawl.visit(crawl.origin + "/finished")
    crawl.visit(crawl.origin + "/session-ended")


def look_up(page, reference: str, iin: str, code: str) -> None:
    page.fill("#reference", reference)
    page.fill("#iin", iin)
    page.fill("#access_code", code)
    submit(page)


def demo_applicant(app, status: Status) -> tuple[str, str]:
    with app.app_context():
        application = db.session.scalars(sa.select(Application).where(
            Application.status == status, Application.programme_year == rules.programme_year(today()))).first()
        return application.reference, application.iin


def take_the_test(app, crawl: Crawl) -> None:
    """The entrepreneurship test at a terminal: the code a chamber staff member opens it with, errors, answers."""
    from bastau.potential.services import start_terminal_sitting
    with app.app_context():
        application = db.session.scalars(sa.select(Application).where(
            Application.status == Status.LIST_APPROVED)).first()
        chamber = db.session.scalar(sa.select(User).where(User.username == "chamber"))
        _sitting, code = start_terminal_sitting(application.id, chamber)
        iin = application.iin
    page = crawl.page
    crawl.visit(crawl.origin + "/test")
    submit(page)
    crawl.check("/test (empty, errors)")
    page.fill("#code", code)
    page.fill("#iin", iin)
    submit(page)
    submit(page)
    crawl.check("/test/questions (unanswered, errors)")
    for group in page.locator("main fieldset").all():
        group.locator("input[type=radio]").first.check()
    submit(page)
    crawl.check("/test/result")


def demo_with_every_page(app) -> None:
    """The demo data, plus what it lacks for a few pages: a revised list, and an open defence session."""
    from bastau.lists.services import ready_to_send, revise_list
    with app.app_context():
        demo.load()
        users = {u.username: u for u in db.session.scalars(sa.select(User))}
        sent = db.session.scalars(sa.select(ApplicantList)).first()
        waiting = db.session.scalars(ready_to_send(users["centre"])).first()
        revise_list(users["centre"], sent, [], [waiting.id], "Қосымша")
        cohort = db.session.scalar(sa.select(Cohort).where(Cohort.number == 1))
        cohort.participants[0].status = Status.TRAINING_COMPLETED
        db.session.add(DefenceSession(cohort=cohort, held_on=today(), place="Қаскелең", members=[users["commission"]],
                                      created_by_id=users["chamber"].id))
        db.session.commit()


def deep_seeds(app, role: Role) -> list[str]:
    """Pages that the crawl's few visits per kind of page may not reach through links: the trainer's upload form
    for a participant in training (the demo's cohorts also hold people who cannot upload); the page of a form kept
    after it was open too long, and the summary after recording follow-ups in bulk (no link leads to either)."""
    if role == Role.REGIONAL_ADMIN:  # the demo's session closed 10 days ago: its reopen form and protocol
        with app.app_context():
            closed = db.session.scalar(sa.select(sa.func.min(DefenceResult.session_id))
                                       .where(DefenceResult.decided_at > utcnow() - timedelta(days=30)))
        return [f"/defence/{closed}"] if closed else []
    if role == Role.CHAMBER_STAFF:
        with app.app_context():
            anyone = db.session.scalar(sa.select(Application.id).order_by(Application.id).limit(1))
            open_session = db.session.scalar(sa.select(DefenceSession.id).join(Cohort)
                                             .where(Cohort.number == 1).limit(1))
        return ["/kept/nothing-kept", f"/financing/follow-ups/recorded?done={anyone}-6",
                f"/defence/{open_session}/close"]  # the confirmation before closing (a GET form leads there)
    if role != Role.TRAINER:
        return []
    with app.app_context():
        trainee = db.session.scalar(sa.select(Application.id).where(Application.status == Status.IN_TRAINING)
                                    .order_by(Application.id).limit(1))
    return [f"/plans/applications/{trainee}"]


@pytest.fixture(scope="module")
def axe_report(app, live_server, browser) -> Report:
    demo_with_every_page(app)
    report = Report()
    started = time.monotonic()
    for locale in LOCALES:
        context = new_context(browser, live_server, locale)
        crawl = Crawl(app, live_server, context, "anonymous", locale, report)
        crawl.run("/")
        applicant_journey(app, crawl)
        context.close()
        public = frozenset(crawl.checked - SHOWN_DIFFERENTLY_TO_STAFF)  # the staff bar is checked on every staff page
        for username, role, _name, _office in demo.USERS:
            context = new_context(browser, live_server, locale)
            crawl = Crawl(app, live_server, context, role.value, locale, report, seen=public)
            sign_in(crawl, username, demo.DEMO_PASSWORD)
            crawl.run("/", crawl.page.url, *deep_seeds(app, role))
            context.close()
    print(f"\naxe-core checked {dict(report.pages)} pages in {time.monotonic() - started:.0f} s; "
          f"violations of any impact:\n{report.summary() or '  none'}\nslowest: {report.seconds.most_common(8)}")
    return report


def test_axe_finds_what_it_should(browser, live_server):
    """The check itself works: a page with an unlabelled field and an image without text fails it."""
    context = new_context(browser, live_server, "kk")
    page = context.new_page()
    page.goto(live_server + "/")
    page.set_content('<html lang="kk"><title>x</title><main><img src="x.png"><input></main></html>')
    found = {(v["rule"], v["impact"]) for v in page.evaluate(AXE_RUN)}
    context.close()
    assert {("image-alt", "critical"), ("label", "critical")} <= found


def test_no_serious_or_critical_violations_on_any_page(axe_report):
    assert not axe_report.problems, "axe-core found serious or critical problems:\n" + "\n".join(
        sorted(set(axe_report.problems)))


def test_every_page_is_checked(app, axe_report):
    gets = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert set(NOT_PAGES) <= gets, f"NOT_PAGES names what is no GET endpoint: {set(NOT_PAGES) - gets}"
    pages = gets - set(NOT_PAGES)
    missed = sorted(pages - axe_report.endpoints)
    assert not missed, f"pages axe-core never saw (reach them in the crawl, or explain in NOT_PAGES): {missed}"


# ---- Keyboard alone ----

FOCUS_STYLE = """() => { const el = document.activeElement, style = getComputedStyle(el);
  return {id: el.id, tag: el.tagName, outline: style.outlineStyle === 'none' || style.outlineWidth === '0px' ? 'none'
          : style.outlineColor, shadow: style.boxShadow}; }"""


def contrast_with_white(rgb: str) -> float:
    """WCAG contrast ratio of a CSS rgb()/rgba() colour against white."""
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    red, green, blue = (float(part) for part in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])
    return 1.05 / (0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue) + 0.05)


def tab_to(page, selector: str, most: int = 12, key: str = "Tab") -> None:
    """Press Tab until `selector` has focus; every stop on the way must show where the focus is."""
    for _ in range(most):
        page.keyboard.press(key)
        focus = page.evaluate(FOCUS_STYLE)
        assert focus["outline"] != "none" or focus["shadow"] != "none", f"focus not visible on {focus}"
        if focus["outline"] != "none" and page.evaluate("document.activeElement.closest('main') !== null"):
            assert contrast_with_white(focus["outline"]) >= 3, f"focus outline too faint on {focus}"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {most} presses of {key}")


def choose_with_arrows(page, selector: str, wanted: str) -> None:
    """In a focused <select> or radio group: arrow down until the wanted option is chosen (Space picks the first)."""
    if page.evaluate("document.activeElement.type") == "radio":
        page.keyboard.press("Space")
    for _ in range(40):
        if page.evaluate("([s, wanted]) => { const el = document.activeElement;"
                         " return el.tagName === 'SELECT' ? el.selectedOptions[0].text === wanted"
                         " : el.checked && el.value === wanted; }", [selector, wanted]):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{wanted} not found in {selector}")


def test_apply_with_the_keyboard_alone(live_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="kk-KZ")
    page = context.new_page()
    page.goto(live_server + "/apply")
    keys = page.keyboard
    tab_to(page, "#iin", most=8)
    keys.type(new_iin())
    page.wait_for_selector("#iin-feedback .ok-line")  # htmx shows what the IIN says
    for selector, text in (("#surname", "Жұмабекова"), ("#first_name", "Гүлжан"), ("#patronymic", "Серікқызы"),
                           ("#phone", "8 777 123 45 67")):
        tab_to(page, selector, most=3)
        keys.type(text)
    tab_to(page, "#region", most=2)
    choose_with_arrows(page, "#region", "Алматы облысы")
    page.wait_for_selector("#district option:text('Қарасай ауданы')", state="attached")
    tab_to(page, "#district", most=3)
    choose_with_arrows(page, "#district", "Қарасай ауданы")
    tab_to(page, "input[name=social_status]", most=2)
    choose_with_arrows(page, "input[name=social_status]", "self_employed")
    tab_to(page, "#education", most=2)
    choose_with_arrows(page, "#education", translated("Vocational (college)", "kk"))
    tab_to(page, "#business_idea", most=2)
    keys.type("Жылыжай салып, көкөніс өсіру")
    tab_to(page, "input[name=channel]", most=2)
    choose_with_arrows(page, "input[name=channel]", "akimat")
    tab_to(page, "#consent", most=3)
    keys.press("Space")
    tab_to(page, "#continue", most=2)
    with page.expect_navigation():
        keys.press("Enter")
    assert page.url.endswith("/apply/check"), page.inner_text("main")[:500]
    tab_to(page, "main form button", most=25)
    assert page.evaluate("document.activeElement.textContent.trim()") == translated("Send the application", "kk")
    with page.expect_navigation():
        keys.press("Enter")
    assert page.url.endswith("/apply/done")
    assert page.inner_text("#reference").startswith("BB-")
    tab_to(page, "main a, main button", most=25)  # the receipt's own controls are reachable too
    context.close()


def test_staff_sign_in_with_the_keyboard_alone(live_server, browser, make_user):
    user = make_user(Role.OPERATOR)
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    page.goto(live_server + "/staff/login")
    tab_to(page, "#login", most=8)
    page.keyboard.type(user.username)
    tab_to(page, "#password", most=2)
    page.keyboard.type(PASSWORD)
    tab_to(page, "main button", most=2)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/staff/"), page.url
    tab_to(page, "main a", most=12)
    context.close()


# ---- Errors announced and linked to their fields ----

ERRORS_WIRED = """() => {
  const problems = [], summary = document.getElementById('error-summary');
  if (!summary) return ['no error summary'];
  if (summary.getAttribute('role') !== 'alert') problems.push('the error summary is not role=alert');
  const links = [...summary.querySelectorAll('a')];
  if (!links.length) problems.push('the error summary links to no field');
  for (const link of links) {
    const target = document.getElementById(link.hash.slice(1));
    const input = target && target.matches('input, select, textarea') ? target
                  : target && target.querySelector('input, select, textarea');
    if (!input) { problems.push(`${link.hash} names no field`); continue; }
    if (!input.closest('.field.invalid')) problems.push(`${link.hash} is not a field marked invalid`);
  }
  for (const field of document.querySelectorAll('.field.invalid')) {
    for (const input of field.querySelectorAll('input:not([type=hidden]), select, textarea')) {
      const described = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
        .map(id => document.getElementById(id));
      if (input.getAttribute('aria-invalid') !== 'true') problems.push(`#${input.id} lacks aria-invalid=true`);
      if (!described.some(el => el && el.classList.contains('error') && el.textContent.trim()))
        problems.push(`#${input.id} is not described by its error message`);
    }
  }
  return problems;
}"""


def assert_errors_announced_and_linked(page, where: str) -> None:
    problems = page.evaluate(ERRORS_WIRED)
    assert not problems, f"{where}: {problems}"
    assert page.evaluate("document.activeElement.id") == "error-summary", f"{where}: summary not focused on load"
    for index in range(page.locator("#error-summary a").count()):
        link = page.locator("#error-summary a").nth(index)
        target = link.get_attribute("href")[1:]
        link.click()
        focused = page.evaluate("t => { const el = document.activeElement; return el.id === t"
                                " || document.getElementById(t).contains(el); }", target)
        assert focused, f"{where}: following {link.inner_text()!r} did not move focus into #{target}"


def submit_empty(page, url: str) -> None:
    page.goto(url)
    page.evaluate("""() => document.querySelectorAll('main form input:not([type=hidden]):not([type=radio])'
                     + ':not([type=checkbox]), main form textarea').forEach(el => { el.value = ''; })""")
    with page.expect_navigation():
        page.click("main form button:not([tabindex='-1']):not([name=action][value=districts]) >> nth=-1")


@pytest.mark.parametrize("url", ["/apply", "/status", "/staff/login"])
def test_public_form_errors_are_announced_and_linked(live_server, browser, url):
    context = browser.new_context(locale="kk-KZ")
    page = context.new_page()
    submit_empty(page, live_server + url)
    assert_errors_announced_and_linked(page, url)
    context.close()


def test_wrong_password_and_unknown_receipt_are_announced(live_server, browser, make_user):
    make_user(Role.OPERATOR, username="operator")
    context = browser.new_context(locale="kk-KZ")
    page = context.new_page()
    page.goto(live_server + "/staff/login")
    page.fill("#login", "operator")
    page.fill("#password", "not the password")
    with page.expect_navigation():
        page.click("main form button")
    assert page.locator("main [role=alert]").count() == 1
    page.goto(live_server + "/status")
    look_up(page, "BB-2026-000001", new_iin(), "12345678")
    assert page.locator("main [role=alert]").count() == 1
    context.close()


def test_unanswered_test_questions_are_announced_and_linked(app, live_server, browser, make_user, make_application):
    from bastau.potential.services import start_terminal_sitting
    application_id = make_application(status=Status.LIST_APPROVED)
    chamber = make_user(Role.CHAMBER_STAFF)
    with app.app_context():
        _sitting, code = start_terminal_sitting(application_id, db.session.get(User, chamber.id))
        iin = db.session.get(Application, application_id).iin
    context = browser.new_context(locale="kk-KZ")
    page = context.new_page()
    page.goto(live_server + "/test")
    page.fill("#code", code)
    page.fill("#iin", iin)
    submit(page)
    submit(page)
    assert_errors_announced_and_linked(page, "/test/questions")
    context.close()


@pytest.mark.parametrize(("role", "url"), [(Role.NATIONAL_ADMIN, "/admin/users/new"),
                                           (Role.CHAMBER_STAFF, "/cohorts/new")])
def test_staff_form_errors_are_announced_and_linked(live_server, browser, make_user, role, url):
    make_user(Role.TRAINER)  # a cohort needs a trainer of the district
    context, page = browser_sign_in(browser, live_server, make_user(role))
    submit_empty(page, live_server + url)
    assert_errors_announced_and_linked(page, url)
    context.close()
