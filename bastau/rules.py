"""The programme's rules as plain functions: no Flask, no database.

Each function says which rule of the Bastau Business programme it implements, so that
a chamber lawyer can read this file next to the programme's text.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

MIN_AGE = 18
LOAN_CAP_MCI = 8000
LOAN_RATE_PERCENT = Decimal("6")
MAX_UNEXCUSED_DAYS = 3
COHORTS_PER_YEAR = 6

_WEIGHTS_FIRST = range(1, 12)
_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

# 7th digit of an IIN: century of birth and sex (1-2: 1800s, 3-4: 1900s, 5-6: 2000s; odd = male).
_CENTURY = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}


class IINError(ValueError):
    """Why an IIN was refused; `code` names the reason for the message shown to the user."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class IINFacts:
    birth_date: date
    sex: str  # "male" | "female"


def iin_check_digit(first_eleven: str) -> int | None:
    """The check digit of an IIN, or None when no digit fits (remainder 10 twice)."""
    digits = [int(ch) for ch in first_eleven]
    for weights in (_WEIGHTS_FIRST, _WEIGHTS_SECOND):
        remainder = sum(d * w for d, w in zip(digits, weights)) % 11
        if remainder != 10:
            return remainder
    return None


def normalise_iin(raw: str) -> str:
    """People type IINs with spaces or dashes; only the digits count."""
    return re.sub(r"[\s\-]", "", raw or "")


def parse_iin(iin: str) -> IINFacts:
    """Check a Kazakhstan IIN and return the birth date and sex encoded in it.

    Rule: 12 ASCII digits; YYMMDD, then a century-and-sex digit, then a serial,
    then a check digit computed with weights 1..11 (or 3..11,1,2 when the first
    remainder is 10; a second remainder of 10 means the number is invalid).
    """
    if len(iin) != 12 or not iin.isascii() or not iin.isdigit():
        raise IINError("format")
    if iin[6] not in _CENTURY:
        raise IINError("century")
    try:
        birth_date = date(_CENTURY[iin[6]] + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        raise IINError("date") from None
    if iin_check_digit(iin[:11]) != int(iin[11]):
        raise IINError("checksum")
    return IINFacts(birth_date=birth_date, sex="male" if int(iin[6]) % 2 else "female")


def iin_is_valid(iin: str) -> bool:
    try:
        parse_iin(iin)
    except IINError:
        return False
    return True


def age_on(birth_date: date, on: date) -> int:
    """Full years of age on a day (someone born on 29 February turns a year older on 1 March)."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def is_adult(birth_date: date, on: date) -> bool:
    """Applicants must be 18 or older on the day of application."""
    return age_on(birth_date, on) >= MIN_AGE


# Mobile operator codes of Kazakhstan (Beeline, Kcell/Activ, Tele2/Altel).
MOBILE_CODES = frozenset({"700", "701", "702", "705", "706", "707", "708", "747",
                          "771", "775", "776", "777", "778"})


def normalise_mobile(raw: str) -> str | None:
    """A Kazakhstan mobile number as +77XXXXXXXXX, or None if it is not one.

    Accepts what people type: +7 701 123 45 67, 8 (701) 123-45-67, 87011234567, 7011234567.
    """
    digits = re.sub(r"[\s\-()+.]", "", raw or "")
    if not digits.isascii() or not digits.isdigit():
        return None
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10 or digits[:3] not in MOBILE_CODES:
        return None
    return "+7" + digits


def format_mobile(normalised: str) -> str:
    """+77011234567 -> +7 701 123 45 67, the way it is printed on receipts."""
    d = normalised[2:]
    return f"+7 {d[0:3]} {d[3:6]} {d[6:8]} {d[8:10]}"


# Letters of the Kazakh and Russian Cyrillic alphabets, hyphens, apostrophes and single spaces.
_NAME_RE = re.compile(r"^[А-ЯЁӘҒҚҢӨҰҮҺІа-яёәғқңөұүһі]+(?:[ \-'’][А-ЯЁӘҒҚҢӨҰҮҺІа-яёәғқңөұүһі]+)*$")
# Keyboards without a Kazakh layout give Latin look-alikes; inside a Cyrillic name they mean these.
_LOOKALIKES = str.maketrans({"i": "і", "I": "І"})


def normalise_name(raw: str) -> str:
    """Trim, join runs of spaces and compose letters (Ә typed as А + combining mark)."""
    name = unicodedata.normalize("NFC", " ".join((raw or "").split()))
    if re.search(r"[а-яёәғқңөұүһі]", name, re.I):
        name = name.translate(_LOOKALIKES)
    return name


def name_is_valid(name: str) -> bool:
    """Names are written in Kazakh or Russian Cyrillic, with hyphens and apostrophes."""
    return bool(_NAME_RE.match(name)) and len(name) <= 60


def loan_cap(mci_tenge: int) -> int:
    """A referred plan may be financed up to 8,000 MCI of that year."""
    return LOAN_CAP_MCI * mci_tenge


def needs_expulsion_review(unexcused_days: int) -> bool:
    """More than 3 days absent without a valid reason: the commission decides on expulsion."""
    return unexcused_days > MAX_UNEXCUSED_DAYS


def awaits_commission(unexcused_days: int, kept_at: int = 0) -> bool:
    """Flagged for the commission: over the absence limit, and more unexcused days than the commission's last
    decision to keep the participant covered (a "keep" forgives the days counted when it was made)."""
    return needs_expulsion_review(unexcused_days) and unexcused_days > kept_at


def one_day_from_review(unexcused_days: int, kept_at: int = 0) -> bool:
    """At risk: not flagged now, but one more day absent without a valid reason would flag the participant for
    the commission (3 such days, or as many as the commission's last "keep" covered). A call can still help."""
    return not awaits_commission(unexcused_days, kept_at) and awaits_commission(unexcused_days + 1, kept_at)


COMMISSION_REMINDER_WORKING_DAYS = 5  # a flag with no decision this long is put on the chamber's desk


def working_days_between(start: date, end: date, non_working: set[date] | frozenset[date]) -> int:
    """Working days after `start` up to and including `end`: not Saturdays, Sundays or days in `non_working`."""
    count, day = 0, start + timedelta(days=1)
    while day <= end:
        if day.weekday() < 5 and day not in non_working:
            count += 1
        day += timedelta(days=1)
    return count


def certificate_kind(defended: bool) -> str:
    """Defended plan: completion certificate; trained but not defended: participation."""
    return "completion" if defended else "participation"


def programme_year(on: date) -> int:
    """Applications belong to the calendar year in which they are made."""
    return on.year


def compose_iin(birth_date: date, sex: str, serial: int) -> str:
    """Build a valid IIN (for demo data and tests); serials whose check digit fails are skipped."""
    century_digit = {1800: 1, 1900: 3, 2000: 5}[birth_date.year // 100 * 100] + (sex == "female")
    while True:
        first = f"{birth_date:%y%m%d}{century_digit}{serial % 10000:04d}"
        check = iin_check_digit(first)
        if check is not None:
            return f"{first}{check}"
        serial += 1


# ---- The entrepreneurial-potential test (after the chamber approves the list) ----

from collections.abc import Iterable  # noqa: E402  (kept with the rules that use it)

PASS_SHARE_PERCENT = 60     # without a pass mark set for the year, 60% of the maximum passes
MIN_TEST_OPTIONS = 2        # a multiple-choice question needs at least two answers to choose from
MAX_TEST_OPTIONS = 4
MAX_OPTION_POINTS = 10
TEST_CODE_DIGITS = 6


def max_test_score(option_points: Iterable[Iterable[int]]) -> int:
    """The most a test can give: the best answer of every question (one list of points per question)."""
    return sum(max(points, default=0) for points in option_points)


def test_score(chosen_points: Iterable[int]) -> int:
    """An applicant's score: the sum of the points of the answers they chose."""
    return sum(chosen_points)


def default_pass_mark(max_score: int) -> int:
    """Where the year has no pass mark of its own: 60% of the maximum, rounded up to a whole point."""
    return -(-max_score * PASS_SHARE_PERCENT // 100)


def pass_mark_is_valid(pass_mark: int, max_score: int) -> bool:
    """A pass mark is a whole number of points from 0 to the maximum score."""
    return 0 <= pass_mark <= max_score


def test_passed(score: int, pass_mark: int) -> bool:
    """The test is passed with a score at or above the year's pass mark."""
    return score >= pass_mark


def question_is_complete(option_points: Iterable[int]) -> bool:
    """A question can be asked when it has 2 to 4 answers and at least one of them earns points."""
    points = list(option_points)
    return MIN_TEST_OPTIONS <= len(points) <= MAX_TEST_OPTIONS and any(p > 0 for p in points)


def normalise_test_code(raw: str) -> str:
    """People type the six-digit code from the chamber's screen with spaces or dashes; only digits count."""
    return re.sub(r"[\s\-]", "", raw or "")


def test_code_is_well_formed(code: str) -> bool:
    return len(code) == TEST_CODE_DIGITS and code.isascii() and code.isdigit()


# Named like the programme's words, not like tests: pytest must not collect them when imported.
test_score.__test__ = test_passed.__test__ = test_code_is_well_formed.__test__ = False


# ---- Training (cohorts, schedules, attendance) ----

MODULES = 12
MIN_TRAINING_DAYS, MAX_TRAINING_DAYS = 25, 30
SUNDAY = 6

OBSERVED_REST_DAYS_ARE_DAYS_OFF = True
"""When a public holiday falls on a Saturday or a Sunday, the Labour Code (article 85) moves the rest day to the
next working day ("қайта белгіленген демалыс" / "перенесённый выходной"). Such an observed day is a day off for
everyone, trainers and employment centres included, so no training is held on it: filling a year from the
Kazakhstan calendar adds it as a day off. False would add only the holidays themselves."""

TRANSFERRED_WORKING_DAYS_ARE_TRAINING_DAYS = True
"""A weekend day that a government decree made a working day (in exchange for a day off next to a holiday) is a
training day, even a Sunday: the cohort gets back the day that the transferred day off took from it."""


def is_training_day(day: date, days_off: set[date] | frozenset[date],
                    working_days: set[date] | frozenset[date] = frozenset()) -> bool:
    """Training runs Monday to Saturday, never on a public holiday or a day off, and on a weekend day made a
    working day by a transfer."""
    if day in days_off:
        return False
    if TRANSFERRED_WORKING_DAYS_ARE_TRAINING_DAYS and day in working_days:
        return True
    return day.weekday() != SUNDAY


def training_dates(start: date, days: int, holidays: set[date] | frozenset[date],
                   working_days: set[date] | frozenset[date] = frozenset()) -> list[date]:
    """The dated sessions of a cohort: `days` training days from `start` on (see is_training_day): Sundays,
    public holidays and days off are skipped; transferred working days count."""
    if not MIN_TRAINING_DAYS <= days <= MAX_TRAINING_DAYS:
        raise ValueError(f"training lasts {MIN_TRAINING_DAYS}-{MAX_TRAINING_DAYS} days, not {days}")
    dates, day = [], start
    while len(dates) < days:
        if is_training_day(day, holidays, working_days):
            dates.append(day)
        day += timedelta(days=1)
    return dates


def module_of_day(day_index: int, days: int) -> int:
    """The 12 modules spread evenly over the training days (day_index from 0): each gets 2 or 3 days."""
    return day_index * MODULES // days + 1


def unexcused_days(marks) -> int:
    """Days absent without a valid reason; excused days do not count (marks: "present"/"absent"/"excused")."""
    return sum(1 for mark in marks if str(getattr(mark, "value", mark)) == "absent")


def cohort_has_places(enrolled: int, capacity: int, adding: int = 1) -> bool:
    return enrolled + adding <= capacity


# ---- Financing (a defended plan referred for a loan) and what came of the business ----

MIN_LOAN_TERM_MONTHS, MAX_LOAN_TERM_MONTHS = 1, 84
FOLLOW_UP_MONTHS = (6, 12)


def loan_amount_allowed(amount: int, mci_tenge: int) -> bool:
    """A referral asks for a positive amount of at most 8,000 MCI of the referral's year (the cap itself is allowed)."""
    return 0 < amount <= loan_cap(mci_tenge)


def loan_term_allowed(months: int) -> bool:
    """A loan under the programme runs from 1 month to 7 years (84 months)."""
    return MIN_LOAN_TERM_MONTHS <= months <= MAX_LOAN_TERM_MONTHS


def months_later(day: date, months: int) -> date:
    """The same day `months` later; a day the month lacks becomes its last day
    (31 August + 6 months = end of February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def follow_ups_due(certified_on: date | None, recorded: Iterable[int], on: date) -> list[int]:
    """Which checks (6 and 12 months after the certificate) are due on a day and not yet recorded."""
    if certified_on is None:
        return []
    done = set(recorded)
    return [months for months in FOLLOW_UP_MONTHS
            if months not in done and follow_up_is_due(certified_on, months, on)]


def follow_up_is_due(certified_on: date, months: int, on: date) -> bool:
    """A follow-up can be recorded from the day it falls due, `months` after the certificate, not earlier."""
    return months_later(certified_on, months) <= on


def latest_certificate_due(months: int, on: date) -> date:
    """The latest certificate date whose `months` check is due on `on`: every certificate issued on it or before
    is due (months_later never goes back as the day moves on), so the database can be asked for them directly."""
    day = months_later(on, -months)
    while months_later(day + timedelta(days=1), months) <= on:
        day += timedelta(days=1)
    return day


# ---- Defence of the business plan before the commission, and the certificates ----

import calendar as _calendar  # noqa: E402
import secrets  # noqa: E402
from fractions import Fraction  # noqa: E402

DEFENCE_PASS_PERCENT = 60          # defended: the members' weighted average is at least 60% of the maximum
LOAN_PRIORITY_MONTHS = 24          # a certificate gives priority for a programme loan for 24 months
CERTIFICATE_PREFIX = "BB"
# No 0/O, 1/I/L, 5/S or 8/B: a number read aloud over the phone or typed from paper stays unambiguous.
CERTIFICATE_ALPHABET = "234679ACDEFGHJKMNPQRTUVWXYZ"
CERTIFICATE_RANDOM_CHARS = 10


def weighted_percent(scores, criteria) -> float:
    """One member's score of one plan, as a percentage of the maximum, each criterion counted by its weight.

    `scores` maps a criterion's id to the points given (a criterion left out counts as 0); `criteria` are
    objects with `id`, `weight` and `max_points` (the rubric). 100% means full points on every criterion.
    """
    criteria = [c for c in criteria if c.weight > 0 and c.max_points > 0]
    total_weight = sum(c.weight for c in criteria)
    if not total_weight:
        return 0.0
    achieved = sum(Fraction(c.weight * min(max(scores.get(c.id, 0), 0), c.max_points), c.max_points)
                   for c in criteria)
    return float(achieved * 100 / total_weight)


def defence_average(member_totals_percent: list[float]) -> float:
    """The plan's result: the average of the members' weighted percentages (0 when nobody scored)."""
    if not member_totals_percent:
        return 0.0
    return float(sum(Fraction(p) for p in member_totals_percent) / len(member_totals_percent))


def defence_passed(member_totals_percent: list[float]) -> bool:
    """A plan is defended when the average of the members' weighted scores is at least 60% of the maximum
    AND no member gave it zero in total (a zero from one member is a veto). Nobody scored: not defended."""
    if not member_totals_percent or any(p <= 0 for p in member_totals_percent):
        return False
    return round(defence_average(member_totals_percent), 9) >= DEFENCE_PASS_PERCENT


def shown_percent(percent: float) -> int:
    """A percentage as the result shows it: whole, rounded down, so 59.9% never reads as a pass mark of 60%."""
    return int(round(percent, 9) // 1)


def certificate_number(year: int, choose=secrets.choice) -> str:
    """A certificate's number: "BB" + the two digits of the year, a dash and 10 random characters of an
    unambiguous alphabet (27^10 ≈ 2·10^14 numbers a year: not guessable)."""
    return (f"{CERTIFICATE_PREFIX}{year % 100:02d}-"
            + "".join(choose(CERTIFICATE_ALPHABET) for _ in range(CERTIFICATE_RANDOM_CHARS)))


def normalise_certificate_number(raw: str) -> str:
    """What people type from the paper: any case, spaces, a missing or different dash -> BB26-XXXXXXXXXX."""
    text = re.sub(r"[^0-9A-Za-z]", "", raw or "").upper()
    if len(text) == 4 + CERTIFICATE_RANDOM_CHARS and text.startswith(CERTIFICATE_PREFIX):
        return f"{text[:4]}-{text[4:]}"
    return text[:40]


def mask_name(surname: str, first_name: str | None = None) -> str:
    """The holder's name on the public verification page, enough to recognise, not to copy:
    "Сәрсенбаева", "Әйгерім" -> "С********а Ә." (the surname's first and last letters, the first name's initial)."""
    surname = (surname or "").strip()
    if len(surname) <= 2:
        masked = surname[:1] + "*" * (len(surname) - 1 if surname else 0)
    else:
        masked = surname[0] + "*" * (len(surname) - 2) + surname[-1]
    first_name = (first_name or "").strip()
    return f"{masked} {first_name[0]}." if first_name else masked


def gives_loan_priority(certificate_kind: str) -> bool:
    """Only a defended business plan gives priority for a programme loan: a certificate of completion does,
    a certificate of participation (trained, plan not defended) does not."""
    return certificate_kind == "completion"


DEFENCE_REOPEN_DAYS = 30  # a regional administrator may reopen a closed defence session for 30 days


def defence_may_reopen(closed_on: date, on: date) -> bool:
    """A closed defence session can be reopened to correct it (by a regional administrator) on the day it
    was closed and the 30 days after it; later its results and certificates stand."""
    return closed_on <= on <= closed_on + timedelta(days=DEFENCE_REOPEN_DAYS)


def loan_priority_until(issued_on: date) -> date:
    """A certificate gives priority for a programme loan for 24 months from its issue date
    (issued on 29 February: until 28 February two years later)."""
    months = issued_on.month - 1 + LOAN_PRIORITY_MONTHS
    year, month = issued_on.year + months // 12, months % 12 + 1
    return date(year, month, min(issued_on.day, _calendar.monthrange(year, month)[1]))


# ---- Yearly plans (issue 6): how many people to train, nationally, per region, per district. ----

PLAN_MAX_PEOPLE = 1_000_000  # far above any year's national plan (the first year's was 15,000)
_PLAN_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")
_PLAN_PLAIN = re.compile(r"[0-9]+")
_PLAN_GROUPED = re.compile(r"[0-9]{1,3}(,[0-9]{3})+")


def parse_plan_people(raw: str) -> int | None:
    """A plan is a whole number of people from 0 to PLAN_MAX_PEOPLE, typed as people write it:
    «1500», «1 500» (any space), «1,500» (comma between groups of three); anything else is None.
    Decimals, signs and digits of other scripts are refused."""
    text = _PLAN_SPACES.sub("", raw or "")
    if _PLAN_GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAN_PLAIN.fullmatch(text):
        return None
    value = int(text)
    return value if value <= PLAN_MAX_PEOPLE else None


def plan_difference(total: int, parts: Iterable[int]) -> int:
    """How far the parts are from the whole: negative when people are missing, positive when too many."""
    return sum(parts) - total


def plan_parts_add_up(total: int, parts: Iterable[int]) -> bool:
    """The programme's plan is split without remainder: the regions' plans add up to the national plan of
    the year, and the districts' plans of a region add up to that region's plan."""
    return plan_difference(total, parts) == 0


# ---- Reference data kept by the national administrators (issue 12) ----

NEXT_YEAR_CHECKED_FROM = (12, 1)  # (month, day): 1 December
MAX_MCI_TENGE = 100_000  # far above any MCI so far (2026: 4,325 ₸); a typing slip, not a law


def next_year_is_due(on: date) -> bool:
    """From 1 December on, next year's MCI and public holidays must already be entered: referrals and
    schedules of January use them."""
    return (on.month, on.day) >= NEXT_YEAR_CHECKED_FROM


def mci_year_is_complete(valid_from: Iterable[date]) -> bool:
    """The budget law sets a year's MCI from 1 January; a later raise (2022: from 1 April) adds a rate. So the
    first rate of a year takes effect on 1 January, or days before it would have no MCI at all (a year's MCI is
    never taken from another year)."""
    days = sorted(valid_from)
    return not days or (days[0].month, days[0].day) == (1, 1)


def mci_amount_is_valid(amount: int) -> bool:
    return 0 < amount <= MAX_MCI_TENGE


# ---- SMS to applicants (issue 13) ----

from datetime import datetime, time  # noqa: E402  (kept with the rules that use it)

QUIET_HOURS_START = time(21, 0)
"""From 21:00 Almaty time no SMS is sent (the person may be asleep)..."""
QUIET_HOURS_END = time(9, 0)
"""...until 09:00: what is queued in the night goes out in the morning. A code the person has just asked for is
the one exception (they are waiting for it)."""
SMS_DAILY_CAP = 10
# A mark saved as it is tapped may be a slip: an absence warning waits this long, and a correction in the
# meantime withdraws it, so a mis-tap never reaches the person's phone.
ABSENCE_WARNING_HOLD = timedelta(minutes=15)
"""At most this many SMS a day (Almaty day) to one phone, whatever their kind: a bug or a loop must not flood a
person's phone. The ones over it are not sent, and staff see why."""
SMS_MAX_ATTEMPTS = 6
"""A message the gateway could not take for a passing reason (it is down, busy, slow) is tried this many times
in all, waiting 1, 2, 4, 8 and 16 minutes between tries; then it has failed for good."""
SMS_FIRST_RETRY_MINUTES = 1
SMS_SENDING_GIVE_UP_MINUTES = 15
"""A message handed to the gateway with no answer recorded this long after (the worker stopped mid-send) is
never sent again automatically, since it may have gone out: it is marked failed, for staff to see. A second
copy would be worse than none."""


def in_quiet_hours(moment: time) -> bool:
    """Quiet hours, 21:00–09:00 local time: 21:00 is quiet, 09:00 is not."""
    return moment >= QUIET_HOURS_START or moment < QUIET_HOURS_END


def sms_may_go_at(local: datetime) -> datetime:
    """When an SMS made at `local` (Almaty time) may be sent: at once, or at the end of the quiet hours
    (09:00 the same morning, or the next one after 21:00)."""
    if not in_quiet_hours(local.timetz().replace(tzinfo=None)):
        return local
    morning = local.replace(hour=QUIET_HOURS_END.hour, minute=QUIET_HOURS_END.minute, second=0, microsecond=0)
    return morning if local < morning else morning + timedelta(days=1)


def over_daily_cap(already_today: int, cap: int = SMS_DAILY_CAP) -> bool:
    """One more SMS to a phone that already has `already_today` today would exceed the day's cap."""
    return already_today >= cap


def sms_retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after the `attempts`-th try failed for a passing reason before the next one: 1, 2, 4, …
    minutes; None when that was the last try allowed (SMS_MAX_ATTEMPTS)."""
    if attempts >= SMS_MAX_ATTEMPTS:
        return None
    return timedelta(minutes=SMS_FIRST_RETRY_MINUTES * 2 ** (attempts - 1))


def mask_mobile(normalised: str) -> str:
    """+77011234567 -> +7 701 *** ** 67: enough for staff to tell two numbers apart, not to call one."""
    if not normalised or len(normalised) != 12:
        return "***"
    d = normalised[2:]
    return f"+7 {d[0:3]} *** ** {d[8:10]}"


# ---- The citizen's own consent in assisted intake (law 94-V art. 7: consent is the person's own) ----

CONSENT_CODE_MINUTES = 15  # a code sent to the citizen's phone is good for this long...
CONSENT_CODE_TRIES = 5     # ...and for this many wrong entries; then the operator sends a new one


def consent_code_usable(sent_at: datetime | None, now: datetime, wrong_tries: int) -> bool:
    """May the code sent at `sent_at` still confirm the consent?"""
    return (sent_at is not None and now - sent_at <= timedelta(minutes=CONSENT_CODE_MINUTES)
            and wrong_tries < CONSENT_CODE_TRIES)


def may_decide_target_group(consent_pending: bool) -> bool:
    """The employment centre checks a person's data only once the person has consented to their processing."""
    return not consent_pending
