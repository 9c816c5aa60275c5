"""The glossary in bastau/data/glossary.json is checked, not just written down: a catalogue entry or a data file that
uses a forbidden variant of a settled term fails here, naming the msgid (or file and line) and the term."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bastau" / "data"
GLOSSARY = json.loads((DATA / "glossary.json").read_text(encoding="utf-8"))
LANGUAGES = ("kk", "ru")


def compiled(lang: str, kind: str) -> list[tuple[str, re.Pattern]]:
    return [(concept["key"], re.compile(pattern, re.IGNORECASE))
            for concept in GLOSSARY["concepts"] for pattern in concept[lang][kind]]


def catalogue_texts(lang: str) -> list[tuple[str, str]]:
    """(msgid, one translated form) for every form of every entry of the catalogue."""
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f, locale=lang)
    texts = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        if message.context:
            msgid = f"{message.context}|{msgid}"
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        texts.extend((msgid, form) for form in forms if form)
    return texts


def data_files() -> list[Path]:
    frozen = set(GLOSSARY["frozen"])
    return sorted(path for path in DATA.rglob("*")
                  if path.suffix in (".json", ".csv", ".txt") and path.relative_to(DATA).as_posix() not in frozen)


def data_lines() -> list[tuple[str, str]]:
    """(file:line, text) for every line of the data files; a data line may be Kazakh or Russian, so both are checked."""
    return [(f"{path.relative_to(DATA).as_posix()}:{number}", line)
            for path in data_files()
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)]


def violations(texts: list[tuple[str, str]], langs: tuple[str, ...]) -> list[str]:
    patterns = [item for lang in langs for item in compiled(lang, "forbidden")]
    found = []
    for where, text in texts:
        flat = " ".join(text.split())
        for key, pattern in patterns:
            for match in pattern.finditer(flat):
                found.append(f"{where!r}: {key}: «{match.group(0)}»")
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_uses_no_forbidden_variant(lang):
    found = violations(catalogue_texts(lang), (lang,))
    assert not found, f"{len(found)} forbidden term(s) in the {lang} catalogue:\n" + "\n".join(found)


def test_data_files_use_no_forbidden_variant():
    found = violations(data_lines(), LANGUAGES)
    assert not found, f"{len(found)} forbidden term(s) in bastau/data:\n" + "\n".join(found)


def test_the_shown_consent_version_stays_exempt_and_the_new_one_is_checked():
    checked = {path.name for path in data_files()}
    assert "2026-2.kk.txt" in checked and "2026-2.ru.txt" in checked
    assert "2026-1.kk.txt" not in checked and "2026-1.ru.txt" not in checked
    assert all("shown" in reason or "purpose" in reason for reason in GLOSSARY["frozen"].values())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_allowed_term_is_in_use(lang):
    """A glossary term nobody uses is a dead rule: each allowed term appears in the catalogue or the data."""
    texts = [" ".join(text.split()) for _, text in catalogue_texts(lang) + data_lines()]
    unused = [f"{key}: {pattern.pattern}" for key, pattern in compiled(lang, "allowed")
              if not any(pattern.search(text) for text in texts)]
    assert not unused, f"allowed {lang} terms that appear nowhere: {unused}"


@pytest.mark.parametrize("lang, text", [
    ("kk", "Кәсіпкерлер палатасы Сізді қысқа кәсіпкерлік тестке шақырады."),
    ("kk", "«Бастау Бизнес» бағдарламасына өтінім"),
    ("kk", "ЖСН дәл 12 саннан тұрады."),
    ("kk", "ЖСН-нің алғашқы алты саны"),
    ("kk", "Өтінім кері қайтарылды"),
    ("kk", "Лек: №2/2026 легі"),
    ("kk", "Файлда %(num)d-ден көп жол бар"),
    ("kk", "Пайдаланушы аты немесе құпиясөз қате, не есептік жазба өшірілген."),
    ("kk", "Кәсіпкерлер палатасы мақұлдады"),
    ("kk", "Әр ауданда жылына 6 оқу тобына дейін ашылады"),
    ("ru", "Тест по предпринимательству пройден"),
    ("ru", "Одобрено палатой предпринимателей"),
    ("ru", "Неверный логин или пароль, либо учётная запись отключена."),
    ("ru", "до 6 учебных групп в год"),
    ("ru", "Заявка на участие в программе «Бастау Бизнес»"),
])
def test_forbidden_variants_are_caught(lang, text):
    assert violations([("example", text)], (lang,))


@pytest.mark.parametrize("lang, text", [
    ("kk", "Кәсіпкерлік әлеуетті анықтау тестінен өтті"),
    ("kk", "«Бастау Бизнес» жобасына өтінім"),
    ("kk", "«Бастау» жобасы – «Еңбек» бағдарламасының екінші бағыты"),
    ("kk", "Word бағдарламасында ашыңыз"),
    ("kk", "ЖСН 12 цифрдан тұрады. Бүтін сан енгізіңіз. Орын саны"),
    ("kk", "Өтінім кері қайтарып алынды"),
    ("kk", "№2/2026 лек, %(number)s-күннен кейін, %(version)d-нұсқа"),
    ("kk", "Несие мақұлданды. Кәсіпкерлер палатасы бекітті"),
    ("ru", "Тест на предпринимательский потенциал пройден; кредит одобрен"),
    ("ru", "Утверждено палатой предпринимателей; учётная запись заблокирована"),
    ("ru", "Заявка на участие в проекте «Бастау Бизнес»; SMS отключены"),
])
def test_allowed_forms_pass(lang, text):
    assert not violations([("example", text)], (lang,))
