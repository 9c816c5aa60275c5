"""Staff sign-in, the operator's assisted applications, and who may open what."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from bastau.models import Application, AuditEntry, Channel, District, Role
from tests.conftest import (
    PASSWORD,
    application_data,
    csrf_token,
    login,
    page_text,
    post_form,
    translated,
)
from tests.journey import apply, receipt_details, shows

OTHER_DISTRICT = "615200000"  # Сайрам ауданы, Түркістан облысы (another region)


def test_sign_in_with_username_or_phone(client, make_user):
    user = make_user(Role.OPERATOR, phone="+77015550011")
    response = post_form(client, "/staff/login", {"login": "+7 701 555 00 11", "password": PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/staff/")
    assert shows(client.get("/staff/"), user.full_name)


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_wrong_password_is_refused_in_the_users_language(client, make_user, locale):
    user = make_user(Role.OPERATOR)
    client.set_cookie("lang", locale)
    response = post_form(client, "/staff/login", {"login": user.username, "password": "wrong"})
    assert response.status_code == 401
    assert shows(response, translated("Wrong username or password, or the account is disabled.", locale))
    assert f'value="{user.username}"' in page_text(response)


def test_disabled_accounts_cannot_sign_in(client, make_user):
    user = make_user(Role.OPERATOR, active=False)
    response = post_form(client, "/staff/login", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 401


def test_sign_in_is_rate_limited(client, app, make_user):
    user = make_user(Role.OPERATOR)
    app.config["LOGIN_LIMIT"] = "3 per minute"
    try:
        codes = [post_form(client, "/staff/login", {"login": user.username, "password": "x"}).status_code
                 for _ in range(4)]
    finally:
        app.config["LOGIN_LIMIT"] = "1000 per minute"
    assert codes == [401, 401, 401, 429]


def test_passwords_are_stored_hashed_with_scrypt(make_user, store, tmp_path):
    from bastau.config import from_environment
    from bastau.models import User
    stored = store.scalar(sa.select(User).where(User.id == make_user(Role.OPERATOR).id))
    assert PASSWORD not in stored.password_hash
    assert "PASSWORD_HASH_METHOD" not in from_environment(tmp_path)  # production keeps the default
    user = User()
    user.set_password(PASSWORD)
    assert user.password_hash.startswith("scrypt:") and user.check_password(PASSWORD)


def test_next_after_login_stays_on_the_site(client, make_user):
    user = make_user(Role.OPERATOR)
    response = client.post("/staff/login?next=https://evil.example/",
                           data={"login": user.username, "password": PASSWORD,
                                 "csrf_token": csrf_token(client, "/staff/login")})
    assert response.location == "/staff/"


def test_operator_enters_an_application_for_a_citizen(client, app, make_user, store):
    operator = make_user(Role.OPERATOR, office=Channel.EMPLOYMENT_CENTRE)
    login(client, operator)
    form = page_text(client.get("/apply"))
    assert 'name="district"' in form and 'type="hidden"' in form  # the district is the operator's own
    data = application_data(app, channel=None)
    receipt = apply(client, app, channel=None)
    reference, _code = receipt_details(receipt)
    application = store.scalar(sa.select(Application))
    assert application.entered_by_id == operator.id
    assert application.channel == Channel.EMPLOYMENT_CENTRE
    assert store.scalar(sa.select(AuditEntry.actor_id)) == operator.id
    assert data["iin"] != application.iin  # a fresh IIN each time
    # Next applicant: the citizen's data is gone, the operator stays signed in.
    post_form(client, "/apply/next", {}, page="/apply/done")
    assert client.get("/apply/done").status_code == 302
    assert reference in page_text(client.get("/staff/"))


def test_operator_cannot_enter_an_application_for_another_district(client, app, make_user, store):
    login(client, make_user(Role.OPERATOR, office=Channel.AKIMAT))
    with app.app_context():
        from tests.conftest import district
        other = district(OTHER_DISTRICT)
        data = application_data(app, region=str(other.region_id), district=str(other.id))
    response = post_form(client, "/apply", data)
    assert response.status_code == 302  # the form ignores the edited field and keeps the operator's district
    post_form(client, "/apply/submit", {}, page="/apply/check")
    district_id = store.scalar(sa.select(Application.district_id))
    assert store.scalar(sa.select(District.kato_code).where(District.id == district_id)) == "195200000"


def test_staff_see_earlier_participation(client, app, make_user, store):
    from tests.conftest import new_iin
    iin = new_iin()
    apply(app.test_client(), app, iin=iin)
    store.execute(sa.update(Application).values(programme_year=Application.programme_year - 1))
    apply(app.test_client(), app, iin=iin)
    current = store.scalar(sa.select(Application).order_by(Application.id.desc()).limit(1))
    login(client, make_user(Role.OPERATOR))
    page = page_text(client.get(f"/staff/applications/{current.id}"))
    assert 'id="earlier"' in page and f"BB-{current.programme_year - 1}-" in page
