"""Consent version 2 (law 94-V): the operator from configuration, the processors, every kind of data, the purpose,
the period, third parties, storage in Kazakhstan, withdrawal; recorded on every application; every version readable
by staff. In Kazakh and Russian."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from bastau.config import ConfigurationError, from_environment
from bastau.consent import CURRENT_VERSION, VERSIONS, consent_text, paragraphs
from bastau.models import Application, ConsentWay, Role
from tests.conftest import login, page_text, translated
from tests.journey import RU, apply, shows

LANGUAGES = ("kk", "ru")
HEADERS = {"kk": {}, "ru": RU}
# What the text must say, in each language: (what, kk words, ru words).
MUST_SAY = [
    ("the IIN and name", "ЖСН, тегі, аты, әкесінің аты", "ИИН, фамилия, имя, отчество"),
    ("birth date and sex from the IIN", "туған күні мен жынысы (ЖСН бойынша анықталады)",
     "дата рождения и пол (определяются по ИИН)"),
    ("the phone", "ұялы телефон нөмірі", "номер мобильного телефона"),
    ("social status and education", "әлеуметтік мәртебесі", "социальный статус"),
    ("attendance and absence reasons, health with care", "денсаулыққа қатысты болуы мүмкін",
     "могут касаться состояния здоровья"),
    ("test scores", "тестінің нәтижелері", "результаты теста"),
    ("the business plan and defence scores", "оны қорғау кезіндегі комиссияның бағалары",
     "оценки комиссии на его защите"),
    ("the loan referral and outcome", "несиеге жолдау", "направление на кредит"),
    ("follow-ups a year later", "кейінгі бақылау", "последующее наблюдение"),
    ("access codes are not personal data", "кіру коды дербес дерек болып табылмайды",
     "код доступа не являются персональными данными"),
    ("trainers", "бизнес-жаттықтырушысы: тегі, аты, телефон нөмірі, қатысуы", "бизнес-тренер моего потока"),
    ("commission members", "комиссия мүшелері", "члены комиссии"),
    ("lenders", "қаржы ұйымы: жолдау деректері", "финансовая организация, в которую направлен"),
    ("the public certificate page", "жасырылған аты-жөні (мысалы, «Ә*** Д.»), ауданы, легі және нәтижесі",
     "скрытое имя (например, «Ә*** Д.»), район, поток и результат"),
    ("storage in Kazakhstan, art. 12", "Қазақстан Республикасының аумағындағы дерекқорда сақталады (Заңның 12-бабы)",
     "на территории Республики Казахстан (статья 12 Закона)"),
    ("withdrawal, art. 8", "Заңның 8-бабына сәйкес", "со статьёй 8 Закона"),
    ("what withdrawal does", "аты-жөнсіз, тек берілгенін ғана көрсетеді",
     "показывает только, что он был выдан, без имени"),
    ("law 94-V", "№ 94-V", "№ 94-V"),
]


@pytest.fixture
def operator_details(app, monkeypatch):
    details = {"DATA_OPERATOR_NAME_KK": "«Тест Операторы» ЖШС", "DATA_OPERATOR_NAME_RU": "ТОО «Тестовый оператор»",
               "DATA_OPERATOR_BIN": "123456789012", "DATA_OPERATOR_ADDRESS_KK": "Астана қ., Бейбітшілік к-сі, 1",
               "DATA_OPERATOR_ADDRESS_RU": "г. Астана, ул. Бейбитшилик, 1", "PERSONAL_DATA_RETENTION_YEARS": 3}
    for name, value in details.items():
        monkeypatch.setitem(app.config, name, value)
    return details


@pytest.mark.parametrize("language", LANGUAGES)
def test_version_2_says_everything_the_law_asks_for(app, language):
    with app.app_context():
        text = consent_text(language)
    missing = [what for what, kk, ru in MUST_SAY if {"kk": kk, "ru": ru}[language] not in text]
    assert not missing, f"the {language} consent does not say: {missing}"
    assert "$" not in text  # every named field filled


def _shape(line: str) -> str:
    """A numbered point ("7."), a list item ("–") or a plain paragraph."""
    numbered = re.match(r"(\d+)\.", line)
    return numbered.group(1) if numbered else "–" if line.startswith("–") else "text"


def test_both_languages_have_the_same_points_items_and_articles(app):
    with app.app_context():
        kk, ru = (paragraphs(consent_text(language)) for language in LANGUAGES)
    assert [_shape(line) for line in kk] == [_shape(line) for line in ru]
    for kk_line, ru_line in zip(kk, ru):
        assert re.findall(r"(\d+)-бабы", kk_line) == re.findall(r"стать\w+ (\d+)", ru_line), (kk_line, ru_line)


@pytest.mark.parametrize("language, period", [("kk", "3 жыл бойы"), ("ru", "в течение 3 лет")])
def test_operator_and_period_come_from_configuration(app, operator_details, language, period):
    with app.app_context():
        text = consent_text(language)
    assert operator_details[f"DATA_OPERATOR_NAME_{language.upper()}"] in text
    assert operator_details[f"DATA_OPERATOR_ADDRESS_{language.upper()}"] in text
    assert "123456789012" in text and period in text


@pytest.mark.parametrize("years, period", [(1, "в течение 1 года"), (5, "в течение 5 лет"), (21, "в течение 21 года")])
def test_the_russian_period_is_in_the_right_case(app, monkeypatch, years, period):
    monkeypatch.setitem(app.config, "PERSONAL_DATA_RETENTION_YEARS", years)
    with app.app_context():
        assert period in consent_text("ru")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_application_agrees_to_version_2_in_the_page_language(client, app, store, operator_details, language):
    form = client.get("/apply", headers=HEADERS[language])
    assert shows(form, operator_details[f"DATA_OPERATOR_NAME_{language.upper()}"])
    assert shows(form, "123456789012")
    # Typed on one's own device, before a district is chosen: the processors by their role.
    role = {"kk": "өтініш берушінің ауданындағы жұмыспен қамту орталығы",
            "ru": "центр занятости населения района заявителя"}[language]
    assert shows(form, role)
    apply(client, app, headers=HEADERS[language])
    application = store.scalar(sa.select(Application))
    assert (application.consent_version, application.consent_language) == (CURRENT_VERSION, language) == (
        "2026-2", language)
    assert application.consent_way == ConsentWay.ONLINE and application.consent_recorded_by_id is None


@pytest.mark.parametrize("language, centre, branch", [
    ("kk", "жұмыспен қамту орталығы (Қарасай ауданы)", "кәсіпкерлер палатасының өңірлік филиалы (Алматы облысы)"),
    ("ru", "центр занятости населения (Карасайский район)",
     "региональный филиал палаты предпринимателей (Алматинская область)"),
])
def test_the_text_names_the_processors_of_the_applicants_district(client, make_user, language, centre, branch):
    login(client, make_user(Role.OPERATOR))  # an operator's form: the district is known
    form = client.get("/apply", headers=HEADERS[language])
    assert shows(form, centre) and shows(form, branch)


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_read_every_version_in_both_languages(app, client, make_user, language):
    login(client, make_user(Role.CENTRE_OFFICER))
    client.set_cookie("lang", language)
    desk = page_text(client.get("/staff/"))
    assert 'href="/consent/versions"' in desk
    page = client.get("/consent/versions")
    assert page.status_code == 200
    assert shows(page, translated("Consent to the processing of personal data: every version", language))
    with app.app_context():
        for version in VERSIONS:
            assert f'id="version-{version}"' in page_text(page)
            for text_language in LANGUAGES:
                for line in paragraphs(consent_text(text_language, version)):
                    assert shows(page, line), (version, text_language, line)


def test_the_first_version_still_reads_as_it_was_agreed(app):
    with app.app_context():
        old = consent_text("ru", "2026-1")
    assert old.startswith("Я, заявитель проекта «Бастау Бизнес»") and "БИН" not in old


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_application_page_says_which_version_and_how_it_was_given(client, app, make_user, store, language):
    apply(app.test_client(), app)
    application = store.scalar(sa.select(Application))
    login(client, make_user(Role.CENTRE_OFFICER))
    client.set_cookie("lang", language)
    page = client.get(f"/staff/applications/{application.id}")
    assert shows(page, translated("Version %(version)s", language, version="2026-2"))
    assert 'href="/consent/versions#version-2026-2"' in page_text(page)
    given = translated("Given online by the applicant themself on %(date)s.", language, date="DATE").split("DATE")[0]
    assert shows(page, given)


PRODUCTION = {"BASTAU_ENV": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql://u@db/bastau",
              "PLAN_STORAGE": "/srv/bastau/plans", "DATA_OPERATOR_NAME_KK": "«Атамекен» ҰКП",
              "DATA_OPERATOR_NAME_RU": "НПП «Атамекен»", "DATA_OPERATOR_BIN": "123456789012",
              "DATA_OPERATOR_ADDRESS_KK": "Астана қ.", "DATA_OPERATOR_ADDRESS_RU": "г. Астана",
              "ACCESS_CODE_KEY": "k" * 40}


@pytest.mark.parametrize("missing", [name for name in PRODUCTION if name.startswith("DATA_OPERATOR")])
def test_production_needs_the_operators_details(monkeypatch, tmp_path, missing):
    for name, value in PRODUCTION.items():
        if name == missing:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=missing):
        from_environment(tmp_path)


def test_production_refuses_a_bin_that_is_not_12_digits(monkeypatch, tmp_path):
    for name, value in {**PRODUCTION, "DATA_OPERATOR_BIN": "12345"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match="BIN"):
        from_environment(tmp_path)


def test_development_has_defaults_that_say_they_are_not_real(monkeypatch, tmp_path):
    for name in PRODUCTION:
        monkeypatch.delenv(name, raising=False)
    config = from_environment(tmp_path)
    assert config["DATA_OPERATOR_BIN"] == "000000000000"
    assert "разработки" in config["DATA_OPERATOR_ADDRESS_RU"] and "әзірлеу" in config["DATA_OPERATOR_ADDRESS_KK"]
