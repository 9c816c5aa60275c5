"""The history shows an audit entry's codes in words in the page's language; the stored entry stays as written."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from bastau import audit, audit_notes
from bastau.extensions import db
from bastau.models import Application, AuditEntry, Role, Status
from tests.conftest import login, page_text


def shown(app, locale: str, action: str, note: str | None, reason: str | None = None, to_status=None) -> tuple:
    entry = AuditEntry(action=action, note=note, reason=reason, to_status=to_status)
    with app.test_request_context(headers={"Cookie": f"lang={locale}"}):
        return audit_notes.shown_note(entry), audit_notes.shown_reason(entry)


@pytest.mark.parametrize("locale, words", [("kk", "Келмеді"), ("ru", "Пропуск")])
def test_attendance_mark_in_words(app, locale, words):
    note, _ = shown(app, locale, "attendance_marked", "2026-11-03: absent")
    assert note == f"03.11.2026: {words}" and "absent" not in note


@pytest.mark.parametrize("locale, expected", [
    ("kk", ["бизнес ашылды: иә", "жеке кәсіпкер ретінде тіркелді: жоқ", "жұмыс орындары: 2"]),
    ("ru", ["бизнес открыт: да", "как ИП: нет", "рабочих мест: 2"]),
])
def test_follow_up_booleans_as_words(app, locale, expected):
    note, _ = shown(app, locale, "follow_up_recorded", "6 months: opened=True, IE=False, jobs=2")
    assert all(part in note for part in expected), note
    assert "True" not in note and "opened=" not in note


@pytest.mark.parametrize("locale, lender", [("kk", "Ауыл шаруашылығын қаржылай қолдау қоры"),
                                            ("ru", "Фонд финансовой поддержки сельского хозяйства")])
def test_referral_names_the_lender_and_the_sum(app, locale, lender):
    note, _ = shown(app, locale, "referred_for_financing", "agricultural_support_fund; 5000000 KZT; 36 months; 6%",
                    to_status=Status.REFERRED_FOR_FINANCING)
    assert note.startswith(lender) and "5\u00a0000\u00a0000\u00a0₸" in note and "KZT" not in note
    assert "agricultural_support_fund" not in note


def test_other_codes_dates_and_sums(app):
    assert shown(app, "ru", "test_sitting_opened", "terminal")[0] != "terminal"
    assert shown(app, "kk", "loan_issued", "3000000 KZT; 2026-10-05")[0] == "3\u00a0000\u00a0000\u00a0₸; 05.10.2026"
    assert shown(app, "ru", "plan_uploaded", "v2")[0] == "версия 2"
    assert shown(app, "ru", "defence_result", None, reason="did_not_come")[1] == "Не пришёл на защиту"
    assert shown(app, "ru", "certificate_issued", "KZ-1", reason="completion")[1] != ""


def test_account_notes_in_words(app):
    note, _ = shown(app, "ru", "account_changed", "role: operator → trainer; district: — → 195200000 Карасайский; "
                                                  "office: akimat → —")
    assert "operator" not in note and "akimat" not in note and "195200000" not in note
    assert "Роль" in note or "Рөл" in note


def test_a_typed_note_stays_as_typed(app):
    assert shown(app, "ru", "withdrawn", "уехал в Алматы; opened=?")[0] == "уехал в Алматы; opened=?"
    assert shown(app, "kk", "loan_declined", "Кепіл жоқ")[0] == "Кепіл жоқ"


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_the_application_history_page_shows_words(app, make_user, make_application, locale):
    application_id = make_application(status=Status.IN_TRAINING)
    staff = make_user(Role.CHAMBER_STAFF)
    with app.app_context():
        application = db.session.get(Application, application_id)
        audit.record("attendance_marked", None, application, note="2026-11-03: absent", actor_role="trainer")
        audit.record("follow_up_recorded", None, application, note="6 months: opened=True, IE=False, jobs=0",
                     actor_role="calendar")
        db.session.commit()
    client = app.test_client()
    login(client, staff)
    client.set_cookie("lang", locale)
    html = page_text(client.get(f"/staff/applications/{application_id}"))
    history = html.split('id="history"')[1].split("</table>")[0]
    assert "absent" not in history and "opened=True" not in history and "03.11.2026" in history
    with app.app_context():  # the stored log is unchanged
        notes = db.session.scalars(sa.select(AuditEntry.note).where(AuditEntry.application_id == application_id)).all()
    assert "2026-11-03: absent" in notes and "6 months: opened=True, IE=False, jobs=0" in notes


def test_the_account_history_page_shows_words(app, make_user):
    admin = make_user(Role.NATIONAL_ADMIN)
    client = app.test_client()
    login(client, admin)
    from tests.conftest import post_form
    from tests.test_accounts import new_account
    post_form(client, "/admin/users/new", new_account(app, username="new.one"))
    with app.app_context():
        from bastau.models import User
        made = db.session.scalar(sa.select(User).where(User.username == "new.one"))
    client.set_cookie("lang", "ru")
    html = page_text(client.get(f"/admin/users/{made.id}"))
    history = html.split('id="history"')[1].split("</ol>")[0]
    assert "role: operator" not in history and "office: akimat" not in history and "195200000" not in history
    assert "Оператор" in history and "+7 701 555 12 34" in history
