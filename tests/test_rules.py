"""The programme's rules, table by table, without Flask or a database."""
from datetime import date

import pytest

from bastau import rules
from bastau.models import Application


# Worked by hand: 9·1+1·2+0·3+3·4+1·5+2·6+4·7+0·8+1·9+0·10+0·11 = 77, 77 mod 11 = 0 → check digit 0.
# 900115400006: first weights give 76 mod 11 = 10, so weights 3..11,1,2 give 116 mod 11 = 6.
@pytest.mark.parametrize("iin, birth_date, sex", [
    ("910312401000", date(1991, 3, 12), "female"),
    ("900115400006", date(1990, 1, 15), "female"),
    ("850702301010", date(1985, 7, 2), "male"),
    ("040229500000"[:11] + str(rules.iin_check_digit("04022950000")), date(2004, 2, 29), "male"),
])
def test_valid_iins_give_birth_date_and_sex(iin, birth_date, sex):
    facts = rules.parse_iin(iin)
    assert (facts.birth_date, facts.sex) == (birth_date, sex)


@pytest.mark.parametrize("iin, reason", [
    ("910312401001", "checksum"),    # last digit changed
    ("910312402000", "checksum"),    # a serial digit changed
    ("050229500000"[:11] + str(rules.iin_check_digit("05022950000")), "date"),  # 2005 had no 29 February
    ("900115400002", "checksum"),    # second-weight case with the wrong digit
    ("900115400020", "checksum"),
    ("91031240100", "format"),       # 11 digits
    ("9103124010000", "format"),     # 13 digits
    ("91031240100a", "format"),
    ("٩١٠٣١٢٤٠١٠٠٠", "format"),      # Arabic-Indic digits are digits to Python, not to us
    ("９１０３１２４０１０００", "format"),  # full-width digits
    ("910312701000", "century"),     # 7th digit 7 is not a century code
    ("910312001000", "century"),
    ("911312401000", "date"),        # month 13
    ("910332401000", "date"),        # day 32
    ("", "format"),
])
def test_invalid_iins_say_why(iin, reason):
    with pytest.raises(rules.IINError) as refused:
        rules.parse_iin(iin)
    assert refused.value.code == reason
    assert not rules.iin_is_valid(iin)


def test_iin_whose_check_digit_cannot_exist_is_invalid():
    # 90011540002: remainder 10 with both sets of weights, so no 12th digit makes it valid.
    assert rules.iin_check_digit("90011540002") is None
    assert not any(rules.iin_is_valid(f"90011540002{d}") for d in range(10))


def test_compose_iin_round_trips():
    for born, sex in [(date(1960, 12, 31), "male"), (date(2001, 2, 28), "female"), (date(1899, 6, 1), "male")]:
        facts = rules.parse_iin(rules.compose_iin(born, sex, 17))
        assert (facts.birth_date, facts.sex) == (born, sex)


def test_typed_spaces_and_dashes_are_dropped():
    assert rules.normalise_iin(" 910312 401-000 ") == "910312401000"


@pytest.mark.parametrize("born, on, adult", [
    (date(2008, 11, 23), date(2026, 11, 23), True),    # 18th birthday today
    (date(2008, 11, 24), date(2026, 11, 23), False),   # 18 tomorrow
    (date(2008, 2, 29), date(2026, 2, 28), False),     # leap-day birthday: not yet on 28 February
    (date(2008, 2, 29), date(2026, 3, 1), True),       # ...but on 1 March
    (date(1950, 1, 1), date(2026, 1, 1), True),
    (date(2010, 1, 1), date(2026, 1, 1), False),
])
def test_applicants_must_be_18_on_the_day(born, on, adult):
    assert rules.is_adult(born, on) is adult


@pytest.mark.parametrize("typed, normalised", [
    ("+7 701 234 56 78", "+77012345678"),
    ("8 (701) 234-56-78", "+77012345678"),
    ("87772345678", "+77772345678"),
    ("7472345678", "+77472345678"),
    ("+7-705-234-56-78", "+77052345678"),
    ("+7 727 234 56 78", None),   # Almaty landline
    ("+7 701 234 56 7", None),    # a digit short
    ("+7 701 234 56 789", None),
    ("+998 90 123 45 67", None),  # Uzbekistan
    ("phone", None),
    ("", None),
])
def test_mobile_numbers(typed, normalised):
    assert rules.normalise_mobile(typed) == normalised


def test_mobile_is_printed_in_groups():
    assert rules.format_mobile("+77012345678") == "+7 701 234 56 78"


@pytest.mark.parametrize("typed, stored, valid", [
    ("Сәрсенбаева", "Сәрсенбаева", True),
    ("  ӘҒҚҢӨҰҮҺІ  ", "ӘҒҚҢӨҰҮҺІ", True),
    ("Мұхаммед-Әли", "Мұхаммед-Әли", True),
    ("Д'Артаньянов", "Д'Артаньянов", True),
    ("Ким  Ён", "Ким Ён", True),
    ("Әлiбек", "Әлібек", True),          # Latin i from a keyboard with no Kazakh layout
    ("Smith", "Smith", False),
    ("Ахмет2", "Ахмет2", False),
    ("-Ахмет", "-Ахмет", False),
    ("Ахмет--Әли", "Ахмет--Әли", False),
    ("А" * 61, "А" * 61, False),
])
def test_names_in_kazakh_or_russian_cyrillic(typed, stored, valid):
    name = rules.normalise_name(typed)
    assert name == stored
    assert rules.name_is_valid(name) is valid


def test_decomposed_letters_are_composed():
    assert rules.normalise_name("А\u0308") == "Ӓ"  # composed to one character, then judged as a letter
    assert rules.normalise_name("И\u0306") == "Й" and rules.name_is_valid("Й")


@pytest.mark.parametrize("mci, cap", [(2269, 18_152_000), (2405, 19_240_000), (4325, 34_600_000)])
def test_loan_cap_is_8000_mci(mci, cap):
    assert rules.loan_cap(mci) == cap


@pytest.mark.parametrize("days, review", [(0, False), (3, False), (4, True), (10, True)])
def test_more_than_three_unexcused_days_goes_to_the_commission(days, review):
    assert rules.needs_expulsion_review(days) is review


def test_certificate_kind_follows_the_defence():
    assert rules.certificate_kind(True) == "completion"
    assert rules.certificate_kind(False) == "participation"


@pytest.mark.parametrize("typed, parsed", [
    ("BB-2026-000123", (2026, 123)),
    ("bb 2026 123", (2026, 123)),
    (" BB-2026-000001 ", (2026, 1)),
    ("2026-000123", (2026, 123)),
    ("BB-26-000123", None),
    ("XX-2026-000123", None),
    ("BB-2026", None),
    ("", None),
])
def test_reference_numbers(typed, parsed):
    assert Application.parse_reference(typed) == parsed
