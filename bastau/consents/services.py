"""The citizen's own consent in assisted intake: an operator entered the application, and the citizen gives the
consent themself, by signing the printed text (the operator records it) or by a one-time code sent to their phone.

Until then the application waits (`Application.consent_pending`): the employment centre cannot decide about it
(rules.may_decide_target_group) and no SMS but the code goes to the phone. The audit log gets the decision and who
recorded it, never the code or anything about the person.
"""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from .. import audit, rules
from ..access_codes import check_code, hash_code
from ..apply.services import queue_receipt
from ..database import writing
from ..extensions import db
from ..models import Application, ConsentWay, User, utcnow
from ..refusals import Refused

ALREADY_GIVEN = _l("The citizen's consent is already recorded.")
NO_CODE = _l("Send a code to the citizen's phone first.")
CODE_EXPIRED = _l("This code is no longer valid. Send a new code to the citizen's phone.")
WRONG_CODE = _l("The code is not right. Ask the citizen to read it again from the SMS.")


def _pending(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if not application.consent_pending:
        raise Refused(ALREADY_GIVEN)
    return application


def record_paper_signature(application_id: int, by: User) -> Application:
    """The citizen signed the printed consent in front of `by`, who keeps the sheet with the application's papers."""
    with writing():
        application = _pending(application_id)
        _given(application, ConsentWay.PAPER, by)
    return application


def new_consent_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def send_consent_code(application_id: int, by: User) -> None:
    """A new one-time code to the citizen's phone (it replaces an earlier one); sent even if they chose no SMS
    about the application: they asked for this one, at the desk."""
    from ..sms.outbox import queue
    code = new_consent_code()
    # keyed like the access codes (bastau/access_codes.py): 10^6 codes, so stretching would buy nothing
    code_hash = hash_code(code)
    with writing():
        application = _pending(application_id)
        application.consent_code_hash, application.consent_code_sent_at = code_hash, utcnow()
        application.consent_code_tries = 0
        queue(application, "consent_code", key=f"consent_code:{application.id}:{secrets.token_hex(8)}", urgent=True,
              reference=application.reference, code=f"{code[:3]} {code[3:]}")
        audit.record("consent_code_sent", by, application)


def confirm_consent_code(application_id: int, code: str, by: User) -> Application:
    """The citizen read the code from their phone and `by` typed it in: the consent is theirs."""
    typed = "".join((code or "").split())
    with writing():
        application = _pending(application_id)
        if application.consent_code_hash is None:
            raise Refused(NO_CODE, field="code")
        if not rules.consent_code_usable(application.consent_code_sent_at, utcnow(), application.consent_code_tries):
            raise Refused(CODE_EXPIRED, field="code")
        if not check_code(application.consent_code_hash, typed).opens:
            application.consent_code_tries += 1  # kept: the refusal ends the transaction, not the count
            wrong = True
        else:
            wrong = False
            _given(application, ConsentWay.SMS, by)
    if wrong:
        raise Refused(WRONG_CODE, field="code")
    return application


def _given(application: Application, way: ConsentWay, by: User) -> None:
    application.consent_way, application.consent_recorded_by_id, application.consent_at = way, by.id, utcnow()
    application.consent_code_hash = None
    audit.record("consent_given", by, application, reason=way.value)
    queue_receipt(application)  # held back until now: the phone is used once the person has agreed
