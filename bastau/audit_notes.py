"""Audit entries as a history shows them: codes put into words in the page's language, booleans as yes/no,
dates and sums as people read them. The stored entry is never changed (the log is append-only)."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from .models import AuditEntry, Status

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_KZT = re.compile(r"\b(\d+) KZT\b")
_BOOLEAN = {"True": _l("yes"), "False": _l("no")}
ACCOUNT_FIELDS = {"full_name": _l("Full name"), "phone": _l("Mobile phone"), "role": _l("Role"),
                  "district": _l("District"), "region": _l("Region"), "office": _l("Office")}
# A reason code means something else after some actions than on the target-group decision.
ACTION_REASONS = {
    ("defence_result", "did_not_come"): _l("Did not come to the defence"),
    ("certificate_issued", "completion"): _l("Certificate of completion"),
    ("certificate_issued", "participation"): _l("Certificate of participation"),
    ("consent_given", "paper"): _l("Signed on paper by the citizen"),
    ("consent_given", "sms"): _l("Confirmed by the citizen with a code sent to their phone"),
}


def shown_reason(entry: AuditEntry) -> str:
    """The entry's reason code in the page's language ("" when it has none, or only a typed note)."""
    if not entry.reason:
        return ""
    from .labels import ALL_REASON_LABELS
    from .withdrawal import REASON_LABELS
    special = ACTION_REASONS.get((entry.action, entry.reason))
    if special is not None:
        return str(special)
    if entry.action == "withdrawn" or entry.to_status == Status.WITHDRAWN:
        found = REASON_LABELS.get(entry.reason) or ALL_REASON_LABELS.get(entry.reason)
    else:
        found = ALL_REASON_LABELS.get(entry.reason)
    return str(found) if found is not None else ""


def shown_note(entry: AuditEntry) -> str:
    """The entry's note in the page's language, then the words someone typed with it (kept apart from the entry:
    AuditTypedNote; empty once the person's data are erased)."""
    shown = _shown_code_note(entry)
    typed = entry.typed.text if entry.typed is not None else ""
    return f"{shown}: {typed}" if shown and typed else shown or typed


def _shown_code_note(entry: AuditEntry) -> str:
    """The note the code wrote: codes as words, booleans as yes/no, dates and sums as people read them. One of
    a shape this code does not know is shown as it was stored."""
    note = entry.note
    if not note:
        return ""
    try:
        special = _NOTES.get(entry.action)
        if special is not None:
            shown = special(note)
            if shown is not None:
                return shown
        if entry.action == "referred_for_financing" or entry.to_status == Status.REFERRED_FOR_FINANCING:
            shown = _referral(note)
            if shown is not None:
                return shown
        return _common(note)
    except Exception:  # a history must always open: an odd old note is shown as it was stored
        return note


def _date(match: re.Match) -> str:
    from .i18n import short_date
    return short_date(date(int(match[1]), int(match[2]), int(match[3])))


def _money(match: re.Match) -> str:
    from .i18n import tenge
    return tenge(int(match[1]))


def _common(note: str) -> str:
    """Dates, sums in tenge, True/False anywhere in a note."""
    note = _ISO_DATE.sub(_date, note)
    note = _KZT.sub(_money, note)
    return re.sub(r"\b(True|False)\b", lambda m: str(_BOOLEAN[m[1]]), note)


def _months(value: str) -> str:
    return ngettext("%(num)d month", "%(num)d months", int(value))


def _attendance(note: str) -> str | None:
    from .labels import MARK_LABELS
    found = re.fullmatch(r"(\d{4}-\d{2}-\d{2}): (\w+)", note)
    if not found or found[2] not in MARK_LABELS:
        return None
    return gettext("%(date)s: %(mark)s", date=_ISO_DATE.sub(_date, found[1]), mark=MARK_LABELS[found[2]])


def _follow_up(note: str) -> str | None:
    found = re.fullmatch(r"(\d+) months: opened=(True|False), IE=(True|False), jobs=(\d+)", note)
    if not found:
        return None
    return gettext("%(months)s: business opened: %(opened)s; registered as an individual entrepreneur: "
                   "%(ie)s; jobs created: %(jobs)s", months=_months(found[1]), opened=_BOOLEAN[found[2]],
                   ie=_BOOLEAN[found[3]], jobs=found[4])


def _referral(note: str) -> str | None:
    found = re.fullmatch(r"([\w-]+); (\d+) KZT; (\d+) months; ([\d.]+)%", note)
    if not found:
        return None
    from .i18n import tenge
    from .loans.services import lender_name
    from .formats import percent
    return gettext("%(lender)s; %(amount)s; %(term)s; %(rate)s a year", lender=lender_name(found[1]),
                   amount=tenge(int(found[2])), term=_months(found[3]), rate=percent(float(found[4])))


def _test_method(note: str) -> str | None:
    labels = {"terminal": _l("At a terminal"), "paper": _l("On paper")}
    return str(labels[note]) if note in labels else None


def _plan_version(note: str) -> str | None:
    found = re.fullmatch(r"v(\d+)", note)
    return gettext("version %(version)s", version=found[1]) if found else None


def _account(note: str) -> str | None:
    """"role: operator → trainer; district: 195200000 Қарасай ауданы → …" in words."""
    from .forms import CHANNEL_LABELS
    from .labels import ROLE_LABELS
    from .models import Channel, Role
    roles = {r.value: ROLE_LABELS[r] for r in Role}
    offices = {c.value: CHANNEL_LABELS[c] for c in Channel if c in CHANNEL_LABELS}

    def value(name: str, text: str) -> str:
        text = text.strip()
        if name == "role":
            return str(roles.get(text, text))
        if name == "office":
            return str(offices.get(text, text))
        if name in ("district", "region"):
            return re.sub(r"^\d{9} ", "", text)  # the KATO code only matters to a machine
        if name == "phone":
            from .i18n import phone
            return phone(text) if text != "—" else text
        return text

    parts = []
    for piece in note.split("; "):
        name, sep, rest = piece.partition(": ")
        if not sep or name not in ACCOUNT_FIELDS:
            return None
        if " → " in rest:
            before, after = rest.split(" → ", 1)
            rest = f"{value(name, before)} → {value(name, after)}"
        else:
            rest = value(name, rest)
        parts.append(f"{ACCOUNT_FIELDS[name]}: {rest}")
    return "; ".join(parts)


_NOTES = {
    "attendance_marked": _attendance,
    "follow_up_recorded": _follow_up,
    "follow_up_corrected": _follow_up,
    "test_sitting_opened": _test_method,
    "plan_uploaded": _plan_version,
    "account_created": _account,
    "account_changed": _account,
}
