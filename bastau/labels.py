"""Words for stored codes, in the page's language.

The dicts hold lazy strings, which are translated again at every str(): a page that shows a label on each of
hundreds of rows calls gettext hundreds of times. `plain(LABELS)` is the dict with every label translated once for
the request's language (kept for the process, per language), to hand to a template or to a loop over rows."""
from __future__ import annotations

from collections.abc import Mapping

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .models import Decision, Role

# The life-cycle table holds each status's words; these names stay for the templates and forms that read them.
from .lifecycle import NEXT_STEPS, STATUS_LABELS  # noqa: E402,F401

ROLE_LABELS = {
    Role.OPERATOR: _l("Operator"),
    Role.CENTRE_OFFICER: _l("Employment centre officer"),
    Role.CHAMBER_STAFF: _l("Chamber staff"),
    Role.TRAINER: _l("Business trainer"),
    Role.COMMISSION: _l("Commission member"),
    Role.REGIONAL_ADMIN: _l("Regional administrator"),
    Role.NATIONAL_ADMIN: _l("National administrator"),
}

NOT_TARGET_GROUP_REASON_LABELS = {
    "employed": _l("Has a job (not unemployed or self-employed)"),
    "not_resident": _l("Does not live in this district"),
    "not_citizen": _l("Not a citizen of Kazakhstan"),
    "under_age": _l("Younger than 18"),
    "did_not_come": _l("Did not come to confirm the details"),
    "other": _l("Other reason"),
}

RETURN_REASON_LABELS = {
    "incomplete_data": _l("Details incomplete or wrong"),
    "not_reachable": _l("Could not be reached"),
    "duplicate": _l("Already on another list"),
    "not_target_group": _l("Doubt about the target group"),
    "other": _l("Other reason"),
}

DECISION_LABELS = {
    Decision.PENDING: _l("Waiting for the chamber"),
    Decision.APPROVED: _l("Approved"),
    Decision.RETURNED: _l("Returned to the employment centre"),
}

LIST_STATE_LABELS = {
    "sent": _l("Sent, not reviewed yet"),
    "in_review": _l("Being reviewed"),
    "reviewed": _l("Reviewed"),
}

ACTION_LABELS = {
    "submitted": _l("Application received"),
    "target_group_confirmed": _l("Target group confirmed"),
    "target_group_rejected": _l("Not in the target group"),
    "sent_to_chamber": _l("Sent to the chamber on a list"),
    "removed_from_list": _l("Taken off a list"),
    "list_approved": _l("Approved by the chamber"),
    "returned_to_centre": _l("Returned to the employment centre"),
    "test_result": _l("Test result recorded"),
    "test_sitting_opened": _l("Test opened at a terminal"),
    "test_score_corrected": _l("Paper test score corrected"),
    "enrolled": _l("Enrolled in a cohort"),
    "unenrolled": _l("Taken out of a cohort"),
    "training_started": _l("Training started"),
    "training_completed": _l("Training completed"),
    "plan_uploaded": _l("Business plan uploaded"),
    "defence_result": _l("Defence result recorded"),
    "certificate_issued": _l("Certificate issued"),
    "referred_for_financing": _l("Referred for a loan"),
    "loan_approved": _l("Loan approved"),
    "loan_declined": _l("Loan declined"),
    "loan_issued": _l("Loan issued"),
    "follow_up_recorded": _l("Business follow-up recorded"),
    "follow_up_corrected": _l("Business follow-up corrected"),
    "status_changed": _l("Status changed"),
    "withdrawn": _l("Application withdrawn"),
    "loan_priority_closed": _l("Loan priority of the certificate ended"),
    "access_code_reissued": _l("New access code sent by SMS"),
    "sms_opt_out": _l("SMS stopped by the applicant"),
    "sms_opt_in": _l("SMS turned on again by the applicant"),
    "personal_data_erased": _l("Personal data erased"),
}

ALL_REASON_LABELS = {**RETURN_REASON_LABELS, **NOT_TARGET_GROUP_REASON_LABELS}
# Why a person's data were erased (bastau/personal_data.py).
ERASURE_REASON_LABELS = {
    "consent_withdrawn": _l("The person withdrew their consent to the processing of personal data"),
    "retention": _l("The retention period of the personal data ended"),
}
ALL_REASON_LABELS.update(ERASURE_REASON_LABELS)

# ---- Training: attendance, the absence rule and the commission's expulsion decisions ----

from .rules import MAX_UNEXCUSED_DAYS  # noqa: E402  (kept with the labels that use it)

MARK_LABELS = {
    "present": _l("Present"),
    "absent": _l("Absent"),
    "excused": _l("Valid reason"),
}

ABSENCE_REASON_LABELS = {
    "illness": _l("Illness"),
    "family": _l("Family circumstances"),
    "work": _l("Work or official duty"),
    "other": _l("Other reason"),
}

EXPULSION_REASON_LABELS = {
    "unexcused_absences": _l("More than %(max)d days absent without a valid reason", max=MAX_UNEXCUSED_DAYS),
    "stopped_attending": _l("Stopped coming to the training"),
    "other": _l("Other reason"),
}

KEEP_REASON_LABELS = {
    "valid_reasons_later": _l("Valid reasons for the absences were shown later"),
    "catching_up": _l("Is catching up on the missed modules"),
    "last_warning": _l("Warned: one more chance"),
    "other": _l("Other reason"),
}

ACTION_LABELS.update({
    "attendance_marked": _l("Attendance marked"),
    "expelled": _l("Expelled by the commission"),
    "kept_in_training": _l("Kept in training by the commission"),
    "defence_reopened": _l("Defence result cancelled: the session was reopened"),
    "defence_session_reopened": _l("Defence session reopened"),
    "certificate_revoked": _l("Certificate revoked"),
})

# The staff application page reads this dict: the history shows absence and decision reasons too.
ALL_REASON_LABELS.update({**ABSENCE_REASON_LABELS, **EXPULSION_REASON_LABELS, **KEEP_REASON_LABELS})

# ---- The citizen's own consent to the processing of personal data (bastau/consents) ----

ACTION_LABELS.update({
    "consent_given": _l("Consent to the processing of personal data recorded"),
    "consent_code_sent": _l("Consent code sent to the citizen's phone"),
})


# (id of a label table, locale) -> (the table, its plain strings). The table is kept beside its id so that another
# dict given the same id later is never answered from here; few tables exist, so a full cache only means a caller
# passing dicts made on the fly, and it starts again.
_PLAIN: dict = {}
_PLAIN_MOST = 64


def plain(labels: Mapping) -> dict:
    """`labels` with each value a plain string in the request's language, translated once per process and language
    (the catalogues are read once at start; a queue of 50 rows translated its tables on every request: 0.1 ms).
    Callers read it, never change it."""
    if not has_request_context():
        return {code: str(label) for code, label in labels.items()}
    key = (id(labels), str(get_locale()))
    kept = _PLAIN.get(key)
    if kept is not None and kept[0] is labels and len(kept[1]) == len(labels):  # (a table can grow at import)
        return kept[1]
    if len(_PLAIN) >= _PLAIN_MOST:
        _PLAIN.clear()
    found = {code: str(label) for code, label in labels.items()}
    _PLAIN[key] = (labels, found)
    return found
