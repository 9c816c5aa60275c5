"""The life cycle as one table and one door (bastau/lifecycle.py): every allowed and every refused move,
who may make it, the audit entry and the event, withdrawal, and `move_to` as the only writer of a status."""
from __future__ import annotations

import ast
import re
import itertools
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from bastau import lifecycle
from bastau.extensions import db
from bastau.lifecycle import APPLICANT, CALENDAR, GROUPS, LIFE_CYCLE, move_to, status_changed
from bastau.models import Application, AuditEntry, Role, Status, User
from bastau.refusals import Refused
from tests.conftest import login, page_text, post_form
from tests.journey import RU, apply, look_up, receipt_details

S = Status
# DESIGN.md's life cycle, written out by hand so that a change to the table has to change this too.
EXPECTED = {
    S.SUBMITTED: {S.TARGET_GROUP_CONFIRMED: "centre_officer", S.NOT_TARGET_GROUP: "centre_officer"},
    S.TARGET_GROUP_CONFIRMED: {S.LIST_APPROVED: "chamber_staff", S.NOT_TARGET_GROUP: "centre_officer"},
    S.LIST_APPROVED: {S.TEST_PASSED: "chamber_staff", S.TEST_FAILED: "chamber_staff"},
    S.TEST_PASSED: {S.ENROLLED: "chamber_staff", S.TEST_FAILED: "chamber_staff"},  # a corrected paper score
    S.TEST_FAILED: {S.TEST_PASSED: "chamber_staff"},  # a corrected paper score
    S.ENROLLED: {S.IN_TRAINING: CALENDAR, S.TEST_PASSED: "chamber_staff"},
    S.IN_TRAINING: {S.EXPELLED: "commission", S.TRAINING_COMPLETED: CALENDAR},
    S.TRAINING_COMPLETED: {S.DEFENDED: "commission", S.NOT_DEFENDED: "commission"},
    S.DEFENDED: {S.REFERRED_FOR_FINANCING: "chamber_staff", S.TRAINING_COMPLETED: "regional_admin"},
    S.NOT_DEFENDED: {S.TRAINING_COMPLETED: "regional_admin"},  # a reopened defence session (a correction)
    S.REFERRED_FOR_FINANCING: {S.LOAN_APPROVED: "chamber_staff", S.LOAN_DECLINED: "chamber_staff"},
}
BEFORE_TRAINING_COMPLETED = {S.SUBMITTED, S.TARGET_GROUP_CONFIRMED, S.LIST_APPROVED, S.TEST_PASSED, S.ENROLLED,
                             S.IN_TRAINING}
for _status in BEFORE_TRAINING_COMPLETED:
    EXPECTED[_status][S.WITHDRAWN] = APPLICANT
ALL_PAIRS = list(itertools.product(Status, Status))


@pytest.mark.parametrize("current, target", ALL_PAIRS, ids=[f"{a.value}->{b.value}" for a, b in ALL_PAIRS])
def test_the_table_allows_exactly_the_designed_moves(current, target):
    assert lifecycle.may_move(current, target) == (target in EXPECTED.get(current, {}))


def test_every_status_has_words_and_a_next_step_for_the_applicant(app):
    assert set(LIFE_CYCLE) == set(Status)
    with app.app_context(), force_locale("ru"):
        russian = {s: str(step.label) for s, step in LIFE_CYCLE.items()}
    with app.app_context(), force_locale("kk"):
        kazakh = {s: str(step.label) for s, step in LIFE_CYCLE.items()}
    assert all(kazakh[s] != russian[s] for s in Status), "labels must be translated"
    # Every status, final ones too, tells the applicant what they can do now (issue 14).
    assert [s for s, step in LIFE_CYCLE.items() if not step.next_step] == []
    with app.app_context(), force_locale("ru"):
        russian_steps = {s: str(step.next_step) for s, step in LIFE_CYCLE.items()}
    with app.app_context(), force_locale("kk"):
        kazakh_steps = {s: str(step.next_step) for s, step in LIFE_CYCLE.items()}
    assert [s for s in Status if kazakh_steps[s] == russian_steps[s]] == [], "next steps must be translated"


def test_groups_come_from_the_table():
    assert GROUPS["trained"] == {S.TRAINING_COMPLETED, S.DEFENDED, S.NOT_DEFENDED, S.REFERRED_FOR_FINANCING,
                                 S.LOAN_APPROVED, S.LOAN_DECLINED}
    assert GROUPS["defended"] == {S.DEFENDED, S.REFERRED_FOR_FINANCING, S.LOAN_APPROVED, S.LOAN_DECLINED}
    assert S.EXPELLED in GROUPS["enrolled"] and S.EXPELLED not in GROUPS["trained"]
    assert S.WITHDRAWN not in GROUPS["confirmed"] and S.NOT_TARGET_GROUP not in GROUPS["confirmed"]
    assert GROUPS["withdrawable"] == BEFORE_TRAINING_COMPLETED


MOVES = [(current, target, who) for current, targets in EXPECTED.items() for target, who in targets.items()]


def _actor(who: str, district_id: int):
    if who in (CALENDAR, APPLICANT):
        return who
    user = User(username=f"{who}-door", full_name="Тест", role=Role(who), district_id=district_id,
                password_hash="x", must_change_password=False)
    db.session.add(user)
    db.session.flush()
    return user


@pytest.mark.parametrize("current, target, who", MOVES, ids=[f"{a.value}->{b.value}" for a, b, _ in MOVES])
def test_each_allowed_move_goes_through_the_door(app, make_application, current, target, who):
    application_id = make_application(status=current)
    heard = []

    def listener(sender, **event):
        heard.append((sender.id, event["from_status"], event["to_status"]))

    with app.test_request_context(), status_changed.connected_to(listener):
        application = db.session.get(Application, application_id)
        entry = move_to(application, target, by=_actor(who, application.district_id), reason="other")
        db.session.commit()
        assert (entry.from_status, entry.to_status) == (current, target)
        assert entry.actor_role == (who if isinstance(who, str) else None)
        assert db.session.get(Application, application_id).status == target
    assert heard == [(application_id, current, target)]


REFUSED = [(current, target) for current, target in ALL_PAIRS if target not in EXPECTED.get(current, {})]


@pytest.mark.parametrize("current, target", REFUSED[::7], ids=[f"{a.value}->{b.value}" for a, b in REFUSED[::7]])
def test_a_refused_move_says_why_in_both_languages_and_changes_nothing(app, make_application, current, target):
    application_id = make_application(status=current)
    for locale in ("kk", "ru"):
        with app.test_request_context(), force_locale(locale):
            application = db.session.get(Application, application_id)
            with pytest.raises(Refused) as refused:
                move_to(application, target, by=CALENDAR)
            db.session.rollback()
            assert str(lifecycle.STATUS_LABELS[current]) in str(refused.value.message)
            assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0
    with app.app_context():
        assert db.session.get(Application, application_id).status == current


def test_the_wrong_role_cannot_make_an_allowed_move(app, make_application):
    application_id = make_application(status=S.SUBMITTED)
    with app.test_request_context(), force_locale("ru"):
        trainer = _actor("trainer", db.session.get(Application, application_id).district_id)
        with pytest.raises(Refused) as refused:
            move_to(db.session.get(Application, application_id), S.TARGET_GROUP_CONFIRMED, by=trainer)
        assert "Ваша роль" in str(refused.value.message)
        db.session.rollback()
        with pytest.raises(Refused):  # training completes by the calendar alone
            move_to(db.session.get(Application, application_id), S.TRAINING_COMPLETED, by=CALENDAR)


# ---- `move_to` is the only code that writes a status ----

SOURCE = Path(__file__).resolve().parent.parent / "bastau"


def _status_writes(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            targets = [t for target in targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
        if any(isinstance(t, ast.Attribute) and t.attr == "status" for t in targets):
            lines.append(node.lineno)
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            keywords = {k.arg for k in node.keywords}
            if name in ("Application", "values") and "status" in keywords:
                lines.append(node.lineno)
            if name == "setattr" and len(node.args) > 1 and getattr(node.args[1], "value", None) == "status":
                lines.append(node.lineno)
    return lines


def test_move_to_is_the_only_writer_of_a_status():
    found = {}
    for path in SOURCE.rglob("*.py"):
        lines = _status_writes(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[str(path.relative_to(SOURCE))] = lines
    door = found.pop("lifecycle.py", [])
    assert len(door) == 1, "lifecycle.move_to assigns the status once"
    assert found == {}, f"status written outside lifecycle.move_to: {found}"


def test_the_static_check_would_catch_a_direct_write():
    assert _status_writes(ast.parse("application.status = Status.EXPELLED"))
    assert _status_writes(ast.parse("a.cohort_id, a.status = 1, 'x'"))
    assert _status_writes(ast.parse("sa.update(Application).values(status=Status.WITHDRAWN)"))
    assert _status_writes(ast.parse("Application(iin='1', status=Status.DEFENDED)"))
    assert not _status_writes(ast.parse("render_page('x.html', status=422)"))


# ---- Withdrawal ----

@pytest.mark.parametrize("locale, headers", [("kk", {}), ("ru", RU)])
def test_the_applicant_withdraws_after_a_confirm_step_and_may_apply_again(app, client, store, locale, headers):
    response = apply(client, app, headers=headers)
    reference, code = receipt_details(response)
    iin = store.scalar(sa.select(Application.iin))
    look_up(client, {"reference": reference, "iin": iin, "access_code": code}, headers=headers)
    status_page = page_text(client.get("/status/view", headers=headers))
    assert 'id="withdraw-link"' in status_page
    confirm = page_text(client.get("/status/withdraw", headers=headers))
    assert 'id="confirm-withdraw"' in confirm
    assert store.scalar(sa.select(Application.status)) == S.SUBMITTED  # the confirm page changes nothing

    refused = post_form(client, "/status/withdraw", {}, headers=headers)
    assert refused.status_code == 422 and 'id="reason-error"' in page_text(refused)
    assert store.scalar(sa.select(Application.status)) == S.SUBMITTED

    done = post_form(client, "/status/withdraw", {"reason": "found_work", "note": "Жұмыс таптым"}, headers=headers)
    assert done.status_code == 302
    page = page_text(client.get("/status/view", headers=headers))
    with app.test_request_context(headers=headers), force_locale(locale):
        assert str(lifecycle.STATUS_LABELS[S.WITHDRAWN]) in page
    assert 'id="withdraw-link"' not in page
    entry = store.scalar(sa.select(AuditEntry).where(AuditEntry.to_status == S.WITHDRAWN))
    assert (entry.actor_id, entry.actor_role, entry.reason) == (None, APPLICANT, "found_work")

    again = apply(app.test_client(), app, headers=headers, iin=iin)  # the same IIN, the same year
    assert again.status_code == 200
    assert store.count(Application, Application.iin == iin) == 2


def test_an_expired_page_keeps_the_chosen_reason(app, client, store, make_application):
    application_id = make_application(status=S.SUBMITTED)
    with client.session_transaction() as session:
        session["status_application_id"] = application_id
    page = client.post("/status/withdraw", data={"reason": "moved_away", "note": "Алматыға көштім",
                                                 "csrf_token": "expired"})
    assert page.status_code == 400
    body = page_text(page)
    assert 'value="moved_away" checked' in body or 'checked value="moved_away"' in body or \
        re.search(r'<input[^>]*checked[^>]*value="moved_away"|<input[^>]*value="moved_away"[^>]*checked', body)
    assert "Алматыға көштім" in body
    assert store.scalar(sa.select(Application.status)) == S.SUBMITTED


def test_no_withdrawal_after_training_is_completed(app, client, store, make_application):
    application_id = make_application(status=S.TRAINING_COMPLETED)
    with client.session_transaction() as session:
        session["status_application_id"] = application_id
    assert 'id="withdraw-link"' not in page_text(client.get("/status/view"))
    response = post_form(client, "/status/withdraw", {"reason": "other"}, page="/status/view")
    assert response.status_code == 422 and 'id="withdraw-error"' in page_text(response)
    assert store.scalar(sa.select(Application.status)) == S.TRAINING_COMPLETED


def test_staff_record_a_withdrawal_with_a_reason(app, client, store, make_user, make_application):
    chamber = make_user(Role.CHAMBER_STAFF)
    application_id = make_application(status=S.ENROLLED)
    login(client, chamber)
    url = f"/staff/applications/{application_id}"
    assert 'id="record-withdrawal"' in page_text(client.get(url))
    missing = post_form(client, url + "/withdraw", {}, page=url)
    assert missing.status_code == 422 and store.scalar(sa.select(Application.status)) == S.ENROLLED
    assert post_form(client, url + "/withdraw", {"reason": "moved_away"}, page=url).status_code == 302
    assert store.scalar(sa.select(Application.status)) == S.WITHDRAWN
    entry = store.scalar(sa.select(AuditEntry).where(AuditEntry.to_status == S.WITHDRAWN))
    assert (entry.actor_id, entry.reason) == (chamber.id, "moved_away")
    again = post_form(client, url + "/withdraw", {"reason": "moved_away"}, page=url)
    assert again.status_code in (302, 409) and store.count(AuditEntry, AuditEntry.to_status == S.WITHDRAWN) == 1


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_withdrawing_in_chromium_on_a_phone(app, live_server, browser, store, locale):
    terminal = app.test_client()
    response = apply(terminal, app, headers=RU if locale == "ru" else {})
    reference, code = receipt_details(response)
    iin = store.scalar(sa.select(Application.iin))
    context = browser.new_context(viewport={"width": 360, "height": 640})
    context.add_cookies([{"name": "lang", "value": locale, "url": live_server}])
    page = context.new_page()
    page.goto(live_server + "/status")
    page.fill("#reference", reference)
    page.fill("#iin", iin)
    page.fill("#access_code", code)
    page.click("main button")
    page.wait_for_selector("#withdraw-link")
    page.click("#withdraw-link")
    page.wait_for_selector("#confirm-withdraw")
    page.click("#confirm-withdraw")  # no reason chosen: the error is shown, nothing changes
    page.wait_for_selector("#reason-error")
    assert store.scalar(sa.select(Application.status)) == S.SUBMITTED
    page.check("#reason-1")
    page.click("#confirm-withdraw")
    page.wait_for_selector("#current-status")
    with app.test_request_context(), force_locale(locale):
        expected = str(lifecycle.STATUS_LABELS[S.WITHDRAWN])
    assert page.inner_text("#current-status").strip() == expected
    assert store.scalar(sa.select(Application.status)) == S.WITHDRAWN
    context.close()
