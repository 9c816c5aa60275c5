"""Staff accounts: own password, the forced change of a temporary one, and administrators managing
the accounts of their area (create, edit, disable, enable, temporary password), every change audited."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from bastau.models import AuditEntry, Channel, Role, User, WebSession
from tests.conftest import PASSWORD, csrf_token, district, login, page_text, post_form, translated, translated_plural
from tests.journey import shows

OWN, OTHER = "195200000", "615200000"  # Қарасай (Алматы облысы), Сайрам (Түркістан облысы)
NEW_PASSWORD = "бес қасқыр 2026"


def session_cookie(client) -> str:
    return client.get_cookie("bastau_session").value


def with_cookie(app, cookie: str):
    """Another browser holding a copy of a session cookie."""
    other = app.test_client()
    other.set_cookie("bastau_session", cookie)
    return other


def place(app, code: str) -> SimpleNamespace:
    with app.app_context():
        found = district(code)
        return SimpleNamespace(id=found.id, region_id=found.region_id, name=found.name_kk)


def account(store, username: str) -> User | None:
    return store.scalar(sa.select(User).where(User.username == username))


def audit_of(store, action: str) -> list[AuditEntry]:
    return store.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))


def temporary_password(response) -> str:
    found = re.search(r'id="temporary-password">([^<]+)<', page_text(response))
    assert found, page_text(response)[:2000]
    return found.group(1)


def error_on(response, field_id: str) -> bool:
    """The form shows its error next to this field."""
    return f'<p class="error" id="{field_id}-error">' in page_text(response)


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, repeat=None):
    return post_form(client, "/staff/password",
                     {"current_password": current, "new_password": new, "repeat_password": repeat or new})


def new_account(app, **overrides) -> dict:
    data = {"username": "a.nurlanova", "full_name": "Айгүл Нұрланова", "phone": "8 (701) 555-12-34",
            "role": "operator", "district": str(place(app, OWN).id), "office": "akimat"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# ---- Own password ----

def test_staff_change_their_own_password_and_other_sessions_end(client, app, make_user, store):
    user = make_user(Role.TRAINER)
    elsewhere = app.test_client()
    login(elsewhere, user)
    login(client, user)
    before = session_cookie(client)
    assert client.get("/staff/password").status_code == 200
    response = change_password(client)
    assert response.status_code == 302 and response.location.endswith("/staff/")
    assert client.get("/staff/password").status_code == 200  # this browser carries on, under a new key
    assert session_cookie(client) != before
    assert "/staff/login" in with_cookie(app, before).get("/staff/password").location
    assert "/staff/login" in elsewhere.get("/staff/password").location  # the other device must sign in again
    assert store.count(WebSession, WebSession.user_id == user.id) == 1
    changed = account(store, user.username)
    assert changed.check_password(NEW_PASSWORD) and not changed.check_password(PASSWORD)
    [entry] = audit_of(store, "password_changed")
    assert (entry.actor_id, entry.subject_user_id) == (user.id, user.id)


def test_a_wrong_current_password_changes_nothing(client, make_user, store):
    user = make_user(Role.OPERATOR)
    login(client, user)
    response = change_password(client, current="not my password")
    assert response.status_code == 422 and error_on(response, "current_password")
    assert account(store, user.username).check_password(PASSWORD)
    assert not audit_of(store, "password_changed")


def test_guessing_the_current_password_is_rate_limited(client, app, make_user):
    login(client, make_user(Role.OPERATOR))
    app.config["LOGIN_LIMIT"] = "3 per minute"
    try:
        codes = [change_password(client, current="a guess").status_code for _ in range(4)]
    finally:
        app.config["LOGIN_LIMIT"] = "1000 per minute"
    assert codes == [422, 422, 422, 429]


@pytest.mark.parametrize("new, repeat, field", [
    ("short pw1", None, "new_password"),                     # fewer than 10 characters
    ("operator-195200000", None, "new_password"),            # the username
    ("OPERATOR-195200000", None, "new_password"),            # the username, in capitals
    (PASSWORD, None, "new_password"),                        # the current password
    (NEW_PASSWORD, "бес қасқыр 2027", "repeat_password"),    # the repeat differs
])
def test_weak_or_mistyped_new_passwords_are_refused(client, make_user, store, new, repeat, field):
    user = make_user(Role.OPERATOR)
    login(client, user)
    response = change_password(client, new=new, repeat=repeat)
    assert response.status_code == 422 and error_on(response, field)
    assert 'value="' + new + '"' not in page_text(response)  # passwords are never sent back
    assert account(store, user.username).check_password(PASSWORD)


def test_a_temporary_password_must_be_changed_before_anything_else(client, make_user, store):
    user = make_user(Role.OPERATOR)
    store.execute(sa.update(User).where(User.id == user.id).values(must_change_password=True))
    login(client, user)
    for path in ("/staff/", "/apply", "/staff/applications/1"):
        response = client.get(path)
        assert response.status_code == 302 and response.location.endswith("/staff/password"), path
    page = client.get("/staff/password")
    assert page.status_code == 200 and 'id="forced"' in page_text(page)
    assert client.get("/lang/ru?next=/").location == "/"  # the language can still be switched
    assert client.get("/").status_code == 200
    assert change_password(client).location.endswith("/staff/")
    assert client.get("/staff/").status_code == 200
    assert not account(store, user.username).must_change_password


def test_sign_out_works_with_a_temporary_password(client, make_user, store):
    user = make_user(Role.OPERATOR)
    store.execute(sa.update(User).where(User.id == user.id).values(must_change_password=True))
    login(client, user)
    response = post_form(client, "/staff/logout", {}, page="/staff/password")
    assert response.location.endswith("/staff/login")
    assert store.count(WebSession, WebSession.user_id == user.id) == 0


# ---- Creating accounts ----

def test_regional_admin_creates_an_operator_who_then_chooses_a_password(client, app, make_user, store):
    admin = make_user(Role.REGIONAL_ADMIN)
    login(client, admin)
    assert client.get("/admin/users/new").status_code == 200
    response = post_form(client, "/admin/users/new", new_account(app))
    assert response.status_code == 200 and 'id="username">a.nurlanova<' in page_text(response)
    password = temporary_password(response)
    assert len(password.replace("-", "")) >= 12 and not set(password) & set("0o1li")
    created = account(store, "a.nurlanova")
    assert (created.role, created.district_id, created.office) == (Role.OPERATOR, place(app, OWN).id, Channel.AKIMAT)
    assert created.phone == "+77015551234" and created.must_change_password and created.active
    assert created.region_id is None and password not in created.password_hash
    [entry] = audit_of(store, "account_created")
    assert (entry.actor_id, entry.subject_user_id, entry.actor_role) == (admin.id, created.id, "regional_admin")
    assert "role: operator" in entry.note
    # The new operator signs in with it and is sent to choose their own password first.
    newcomer = app.test_client()
    signed_in = post_form(newcomer, "/staff/login", {"login": "+7 701 555 12 34", "password": password})
    assert newcomer.get(signed_in.location).location.endswith("/staff/password")
    assert change_password(newcomer, current=password).status_code == 302
    assert newcomer.get("/staff/").status_code == 200


def test_the_temporary_password_is_not_shown_again(client, app, make_user):
    login(client, make_user(Role.REGIONAL_ADMIN))
    password = temporary_password(post_form(client, "/admin/users/new", new_account(app)))
    created_id = re.search(r"/admin/users/(\d+)", page_text(client.get("/admin/users"))).group(1)
    assert password not in page_text(client.get(f"/admin/users/{created_id}"))


def test_usernames_are_taken_in_lower_case(client, app, make_user, store):
    login(client, make_user(Role.NATIONAL_ADMIN))
    response = post_form(client, "/admin/users/new", new_account(app, username="  A.Nurlanova "))
    assert response.status_code == 200
    assert account(store, "a.nurlanova") is not None


@pytest.mark.parametrize("username", ["ab", "айгүл", "a nurlanova", "a@b.kz", "x" * 61])
def test_bad_usernames_are_refused(client, app, make_user, store, username):
    login(client, make_user(Role.NATIONAL_ADMIN))
    response = post_form(client, "/admin/users/new", new_account(app, username=username))
    assert response.status_code == 422 and error_on(response, "username")
    assert store.count(User) == 1


def test_a_duplicate_username_keeps_what_was_typed(client, app, make_user, store):
    login(client, make_user(Role.REGIONAL_ADMIN))
    existing = make_user(Role.TRAINER)
    response = post_form(client, "/admin/users/new", new_account(app, username=existing.username))
    body = page_text(response)
    assert response.status_code == 409 and error_on(response, "username")
    assert 'value="Айгүл Нұрланова"' in body and 'value="8 (701) 555-12-34"' in body
    assert f'value="{existing.username}"' in body
    assert store.count(User) == 2 and not audit_of(store, "account_created")


def test_a_duplicate_phone_is_refused_on_the_same_page(client, app, make_user, store):
    login(client, make_user(Role.REGIONAL_ADMIN))
    make_user(Role.TRAINER, phone="+77015551234")
    response = post_form(client, "/admin/users/new", new_account(app, phone="+7 701 555 12 34"))
    assert response.status_code == 409 and error_on(response, "phone")
    assert 'value="a.nurlanova"' in page_text(response) and account(store, "a.nurlanova") is None


def test_a_duplicate_found_only_by_the_database_is_still_a_clear_message(client, app, make_user, store, monkeypatch):
    """Two administrators creating the same username at once: the unique index decides."""
    from bastau.accounts import services
    login(client, make_user(Role.NATIONAL_ADMIN))
    make_user(Role.TRAINER, username="a.nurlanova")
    checks = iter([False])
    original = services._check_unique

    def late_check(username, phone, exclude=None):
        if next(checks, True):  # the first look finds nothing: the other insert is not committed yet
            original(username, phone, exclude)
    monkeypatch.setattr(services, "_check_unique", late_check)
    response = post_form(client, "/admin/users/new", new_account(app))
    assert response.status_code == 409 and error_on(response, "username")
    assert store.count(User) == 2


def test_operators_need_an_office_and_district_roles_a_district(client, app, make_user, store):
    login(client, make_user(Role.REGIONAL_ADMIN))
    response = post_form(client, "/admin/users/new", new_account(app, office="", district=""))
    assert response.status_code == 422 and error_on(response, "office") and error_on(response, "district")
    response = post_form(client, "/admin/users/new", new_account(app, phone="8 123 456"))
    assert response.status_code == 422 and error_on(response, "phone")
    assert account(store, "a.nurlanova") is None


def test_regional_admin_cannot_create_administrators_or_accounts_elsewhere(client, app, make_user, store):
    login(client, make_user(Role.REGIONAL_ADMIN))
    form = page_text(client.get("/admin/users/new"))
    assert 'value="national_admin"' not in form and 'value="regional_admin"' not in form
    assert f'value="{place(app, OTHER).id}"' not in form and 'name="region"' not in form
    for role in ("national_admin", "regional_admin"):
        response = post_form(client, "/admin/users/new", new_account(app, role=role))
        assert response.status_code == 422 and error_on(response, "role"), role
    response = post_form(client, "/admin/users/new", new_account(app, district=str(place(app, OTHER).id)))
    assert response.status_code == 422 and error_on(response, "district")
    assert account(store, "a.nurlanova") is None


def test_national_admin_creates_a_regional_admin_bound_to_a_region(client, app, make_user, store):
    login(client, make_user(Role.NATIONAL_ADMIN))
    region_id = place(app, OTHER).region_id
    form = page_text(client.get("/admin/users/new"))
    assert "<optgroup" in form and 'name="region"' in form
    response = post_form(client, "/admin/users/new",
                         new_account(app, username="turkistan.admin", role="regional_admin", region=str(region_id)))
    assert response.status_code == 200
    created = account(store, "turkistan.admin")
    assert (created.role, created.region_id, created.district_id, created.office) == (
        Role.REGIONAL_ADMIN, region_id, None, None)
    response = post_form(client, "/admin/users/new", new_account(app, username="second", role="regional_admin",
                                                                 phone=None))
    assert response.status_code == 422 and error_on(response, "region")
    response = post_form(client, "/admin/users/new", new_account(app, username="chief", role="national_admin",
                                                                 phone=None))
    assert response.status_code == 200
    assert account(store, "chief").role == Role.NATIONAL_ADMIN


# ---- Editing ----

def test_regional_admin_changes_a_role_and_the_audit_says_what_changed(client, app, make_user, store):
    admin = make_user(Role.REGIONAL_ADMIN)
    operator = make_user(Role.OPERATOR, office=Channel.AKIMAT)
    login(client, admin)
    page = client.get(f"/admin/users/{operator.id}")
    assert page.status_code == 200 and 'value="Тест Қызметкер"' in page_text(page)
    response = post_form(client, f"/admin/users/{operator.id}",
                         {"full_name": "Тест  Қызметкер", "phone": "", "role": "chamber_staff",
                          "district": str(operator.district_id), "office": "akimat"})
    assert response.status_code == 302 and response.location.endswith(f"/admin/users/{operator.id}?saved=1")
    changed = account(store, operator.username)
    assert (changed.role, changed.office, changed.full_name) == (Role.CHAMBER_STAFF, None, "Тест Қызметкер")
    [entry] = audit_of(store, "account_changed")
    assert (entry.actor_id, entry.subject_user_id) == (admin.id, operator.id)
    assert entry.note == "role: operator → chamber_staff; office: akimat → —"
    # the history says it in words (the stored note above stays as written)
    assert f"{translated('Role', 'kk')}: {translated('Operator', 'kk')} → {translated('Chamber staff', 'kk')}" \
        in page_text(client.get(response.location))


def test_saving_without_changes_writes_no_audit_entry(client, make_user, store):
    operator = make_user(Role.TRAINER)
    login(client, make_user(Role.REGIONAL_ADMIN))
    response = post_form(client, f"/admin/users/{operator.id}",
                         {"full_name": operator.full_name, "phone": "", "role": "trainer",
                          "district": str(operator.district_id), "office": ""})
    assert response.status_code == 302
    assert not audit_of(store, "account_changed")


def test_editing_to_a_taken_phone_keeps_the_typed_values(client, make_user, store):
    make_user(Role.TRAINER, phone="+77015551234")
    operator = make_user(Role.COMMISSION)
    login(client, make_user(Role.REGIONAL_ADMIN))
    response = post_form(client, f"/admin/users/{operator.id}",
                         {"full_name": "Басқа Есім", "phone": "87015551234", "role": "commission",
                          "district": str(operator.district_id)})
    assert response.status_code == 409 and error_on(response, "phone")
    assert 'value="Басқа Есім"' in page_text(response)
    assert account(store, operator.username).full_name == "Тест Қызметкер"


def test_an_admin_cannot_change_their_own_role(client, make_user, store):
    admin = make_user(Role.NATIONAL_ADMIN)
    login(client, admin)
    response = post_form(client, f"/admin/users/{admin.id}",
                         {"full_name": admin.full_name, "role": "operator", "district": "", "office": "akimat"})
    assert response.status_code == 422 and error_on(response, "role")
    assert account(store, admin.username).role == Role.NATIONAL_ADMIN


# ---- Area ----

def test_regional_admin_sees_and_touches_only_their_region(client, app, make_user, store):
    admin = make_user(Role.REGIONAL_ADMIN)
    here = make_user(Role.OPERATOR, OWN)
    elsewhere = make_user(Role.OPERATOR, OTHER)
    login(client, admin)
    listing = page_text(client.get("/admin/users"))
    assert here.username in listing and elsewhere.username not in listing
    assert client.get(f"/admin/users/{elsewhere.id}").status_code == 404
    token = csrf_token(client, "/admin/users")
    for action in ("", "/disable", "/enable", "/password"):
        response = client.post(f"/admin/users/{elsewhere.id}{action}",
                               data={"csrf_token": token, "full_name": "Х", "role": "trainer",
                                     "district": str(place(app, OWN).id)})
        assert response.status_code == 404, action
    untouched = account(store, elsewhere.username)
    assert untouched.active and untouched.role == Role.OPERATOR and untouched.check_password(PASSWORD)
    assert store.count(AuditEntry) == 0


def test_regional_admin_cannot_move_an_account_out_of_the_region(client, app, make_user, store):
    operator = make_user(Role.TRAINER)
    login(client, make_user(Role.REGIONAL_ADMIN))
    response = post_form(client, f"/admin/users/{operator.id}",
                         {"full_name": "Тест Қызметкер", "role": "trainer", "district": str(place(app, OTHER).id)})
    assert response.status_code == 422 and error_on(response, "district")
    assert account(store, operator.username).district_id == place(app, OWN).id


def test_national_admin_manages_every_region(client, make_user):
    elsewhere = make_user(Role.OPERATOR, OTHER)
    login(client, make_user(Role.NATIONAL_ADMIN))
    assert client.get(f"/admin/users/{elsewhere.id}").status_code == 200
    assert elsewhere.username in page_text(client.get("/admin/users"))


def test_staff_who_are_not_administrators_are_refused(client, make_user):
    login(client, make_user(Role.CHAMBER_STAFF))
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/new").status_code == 403


# ---- Disable, enable, temporary password ----

def test_disabling_ends_the_persons_sessions_for_real(client, app, make_user, store):
    admin = make_user(Role.REGIONAL_ADMIN)
    operator = make_user(Role.OPERATOR)
    victim = app.test_client()
    login(victim, operator)
    stolen = session_cookie(victim)
    assert victim.get("/staff/").status_code == 200
    login(client, admin)
    response = post_form(client, f"/admin/users/{operator.id}/disable", {"confirm": "yes"},
                         page=f"/admin/users/{operator.id}")
    assert response.status_code == 302
    assert with_cookie(app, stolen).get("/staff/").status_code == 302
    assert victim.get("/staff/").status_code == 302
    assert store.count(WebSession, WebSession.user_id == operator.id) == 0
    assert not account(store, operator.username).active
    assert post_form(app.test_client(), "/staff/login",
                     {"login": operator.username, "password": PASSWORD}).status_code == 401
    [entry] = audit_of(store, "account_disabled")
    assert (entry.actor_id, entry.subject_user_id) == (admin.id, operator.id)
    assert f"/admin/users/{operator.id}/enable" in page_text(client.get(f"/admin/users/{operator.id}"))
    # Enabled again, the person signs in with their old password.
    response = post_form(client, f"/admin/users/{operator.id}/enable", {}, page=f"/admin/users/{operator.id}")
    assert response.status_code == 302 and account(store, operator.username).active
    login(app.test_client(), operator)
    [entry] = audit_of(store, "account_enabled")
    assert (entry.actor_id, entry.subject_user_id) == (admin.id, operator.id)


def test_disabling_twice_writes_one_audit_entry(client, make_user, store):
    operator = make_user(Role.OPERATOR)
    login(client, make_user(Role.REGIONAL_ADMIN))
    for _ in range(2):
        post_form(client, f"/admin/users/{operator.id}/disable", {"confirm": "yes"}, page="/admin/users")
    assert len(audit_of(store, "account_disabled")) == 1


def test_an_admin_cannot_disable_or_reset_themselves(client, make_user, store):
    admin = make_user(Role.NATIONAL_ADMIN)
    login(client, admin)
    page = page_text(client.get(f"/admin/users/{admin.id}"))
    assert f"/admin/users/{admin.id}/disable" not in page
    for action in ("disable", "password"):
        response = post_form(client, f"/admin/users/{admin.id}/{action}", {"confirm": "yes"}, page="/admin/users")
        assert response.status_code == 409, action
    me = account(store, admin.username)
    assert me.active and me.check_password(PASSWORD) and store.count(AuditEntry) == 0
    assert client.get("/staff/").status_code == 200


def test_a_temporary_password_replaces_the_old_one_and_ends_sessions(client, app, make_user, store):
    admin = make_user(Role.NATIONAL_ADMIN)
    operator = make_user(Role.CENTRE_OFFICER, OTHER)
    victim = app.test_client()
    login(victim, operator)
    login(client, admin)
    response = post_form(client, f"/admin/users/{operator.id}/password", {}, page=f"/admin/users/{operator.id}")
    assert response.status_code == 200
    password = temporary_password(response)
    assert victim.get("/staff/").status_code == 302
    reset = account(store, operator.username)
    assert reset.must_change_password and reset.check_password(password) and not reset.check_password(PASSWORD)
    [entry] = audit_of(store, "password_reset")
    assert (entry.actor_id, entry.subject_user_id) == (admin.id, operator.id)
    assert password not in (entry.note or "")
    fresh = app.test_client()
    login(fresh, operator, password)
    assert fresh.get("/staff/").location.endswith("/staff/password")


# ---- The list ----

def test_the_list_searches_filters_and_pages(client, app, make_user, store):
    login(client, make_user(Role.REGIONAL_ADMIN))
    trainer = make_user(Role.TRAINER, phone="+77017778899")
    store.execute(sa.update(User).where(User.id == trainer.id).values(full_name="Сәуле Жақсыбекова"))
    with app.app_context():
        from bastau.extensions import db
        place_id = district(OWN).id
        db.session.add_all(User(username=f"clerk{i:02d}", full_name=f"Кеңсе {i:02d}", role=Role.OPERATOR,
                                district_id=place_id, password_hash="x", must_change_password=False)
                           for i in range(55))
        db.session.commit()
    rows = re.compile(r'href="/admin/users/\d+"')
    first = page_text(client.get("/admin/users"))
    assert len(rows.findall(first)) == 50 and "page=2" in first
    second = page_text(client.get("/admin/users?page=2"))
    assert len(rows.findall(second)) == 6
    for query in ("Сәуле", "сәуле", "ЖАҚСЫБЕК", "жақсыбек", "trainer-", "777 88", "8 701 777 88 99"):
        found = page_text(client.get("/admin/users", query_string={"q": query}, follow_redirects=True))
        assert len(rows.findall(found)) == 1 and "Жақсыбекова" in found, query
    trainers = page_text(client.get("/admin/users?role=trainer"))
    assert len(rows.findall(trainers)) == 1
    by_district = page_text(client.get(f"/admin/users?district={place_id}&q=Кеңсе&page=2", follow_redirects=True))
    assert len(rows.findall(by_district)) == 5 and "search=" in by_district  # the filters stay on page links
    assert len(rows.findall(page_text(client.get("/admin/users?q=%25", follow_redirects=True)))) == 0  # no wildcard tricks


def test_the_list_shows_role_place_and_state(client, app, make_user):
    make_user(Role.OPERATOR, active=False)
    login(client, make_user(Role.NATIONAL_ADMIN))
    page = page_text(client.get("/admin/users"))
    assert place(app, OWN).name in page and "operator-195200000" in page and "<strong>" in page


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_disabling_asks_first_naming_the_person_and_what_they_lose(client, app, make_user, store, locale):
    trainer = make_user(Role.TRAINER)
    login(app.test_client(), trainer)  # signed in on one device
    login(client, make_user(Role.REGIONAL_ADMIN))
    client.set_cookie("lang", locale)
    account_page = page_text(client.get(f"/admin/users/{trainer.id}"))
    assert f'href="/admin/users/{trainer.id}/disable"' in account_page  # a link to the question, not a button that acts
    question = client.get(f"/admin/users/{trainer.id}/disable")
    body = page_text(question)
    assert question.status_code == 200
    assert translated("Disable the account of %(name)s?", locale, name="Тест Қызметкер") in body
    lost = re.search(r'id="what-is-lost">(.*?)</div>', body, re.S).group(1)
    assert translated_plural(
        "They are signed in on %(num)d device now and will be signed out of it at once; anything they have not sent "
        "yet is lost.", "They are signed in on %(num)d devices now and will be signed out of all of them at once; "
        "anything they have not sent yet is lost.", 1, locale) in lost
    # A POST that does not confirm only asks; nothing happens.
    assert "what-is-lost" in page_text(post_form(client, f"/admin/users/{trainer.id}/disable", {},
                                                 page=f"/admin/users/{trainer.id}"))
    assert account(store, trainer.username).active and audit_of(store, "account_disabled") == []
    done = post_form(client, f"/admin/users/{trainer.id}/disable", {"confirm": "yes"},
                     page=f"/admin/users/{trainer.id}/disable")
    assert done.status_code == 302 and not account(store, trainer.username).active
    assert shows(client.get(done.location), translated(
        "The account of %(name)s is disabled: they are signed out everywhere and cannot sign in.", locale,
        name="Тест Қызметкер"))
    assert len(audit_of(store, "account_disabled")) == 1
