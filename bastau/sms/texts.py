"""What each SMS says, in the catalogues (kk, ru): whole sentences with placeholders, short enough for two
UCS-2 parts (134 characters; a Cyrillic SMS is 70 characters in one part, 67 a part when split). No IIN and no
full name ever: a lost phone must not tell who applied. `tests/test_sms_texts.py` renders each with the longest
realistic values."""
from flask_babel import lazy_gettext as _l

TEXTS = {
    "receipt": _l("Bastau: application %(reference)s received. Check its status at %(url)s"),
    "access_code": _l("Bastau: the new access code for %(reference)s is %(code)s. The old one no longer works."),
    "consent_code": _l("Bastau %(reference)s: code %(code)s. Tell it to the operator only if you agree to the "
                       "processing of your personal data."),
    "target_group_confirmed": _l("Bastau %(reference)s: the employment centre confirmed that you are in the target "
                                 "group."),
    "not_target_group": _l("Bastau %(reference)s: not in the target group (%(reason)s). Questions: the employment "
                           "centre."),
    "test_opened": _l("Bastau %(reference)s: your entrepreneurship test is open at the chamber of entrepreneurs "
                      "today."),
    "test_passed": _l("Bastau %(reference)s: test passed (%(score)s). You will be placed in a training cohort."),
    "test_failed": _l("Bastau %(reference)s: test not passed (%(score)s). You may apply again next year."),
    "enrolled": _l("Bastau %(reference)s: training starts on %(date)s at %(venue)s."),
    "training_tomorrow": _l("Bastau: your training starts tomorrow, %(date)s, at %(venue)s. Bring your ID card."),
    "absence_warning": _l("Bastau: %(days)s days missed without a valid reason. More than 3 and the commission "
                          "may end your training."),
    "expelled": _l("Bastau %(reference)s: the commission ended your training. You may apply again next year."),
    "kept": _l("Bastau %(reference)s: the commission kept you in training. Please do not miss more days."),
    "defence_set": _l("Bastau: your business plan defence is on %(date)s at %(place)s."),
    "defended": _l("Bastau %(reference)s: business plan defended. Your certificate of completion is ready."),
    "not_defended": _l("Bastau %(reference)s: business plan not defended. Your certificate of participation is "
                       "ready."),
    "certificate": _l("Bastau: certificate %(number)s issued. Check it at %(url)s"),
    "referred": _l("Bastau %(reference)s: your business plan was referred for a loan to %(lender)s."),
    "loan_approved": _l("Bastau %(reference)s: the loan is approved. The lender will contact you."),
    "loan_declined": _l("Bastau %(reference)s: the loan was declined. The chamber of entrepreneurs can advise "
                        "you."),
    "follow_up_due": _l("Bastau: %(months)s months since your certificate. The chamber will call about your "
                        "business."),
    "withdrawn": _l("Bastau %(reference)s: your application is withdrawn. You may apply again at any time."),
}
