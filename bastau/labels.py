"""Words for stored codes, in the page's language."""
from flask_babel import lazy_gettext as _l

from .models import Role, Status

STATUS_LABELS = {
    Status.SUBMITTED: _l("Application received"),
    Status.TARGET_GROUP_CONFIRMED: _l("Target group confirmed by the employment centre"),
    Status.NOT_TARGET_GROUP: _l("Not in the target group"),
    Status.LIST_APPROVED: _l("Approved by the chamber of entrepreneurs"),
    Status.TEST_PASSED: _l("Entrepreneurship test passed"),
    Status.TEST_FAILED: _l("Entrepreneurship test not passed"),
    Status.ENROLLED: _l("Enrolled in a training cohort"),
    Status.IN_TRAINING: _l("In training"),
    Status.EXPELLED: _l("Expelled from training"),
    Status.TRAINING_COMPLETED: _l("Training completed"),
    Status.DEFENDED: _l("Business plan defended"),
    Status.NOT_DEFENDED: _l("Business plan not defended"),
    Status.REFERRED_FOR_FINANCING: _l("Referred for a loan"),
    Status.LOAN_APPROVED: _l("Loan approved"),
    Status.LOAN_DECLINED: _l("Loan declined"),
    Status.WITHDRAWN: _l("Application withdrawn"),
}

NEXT_STEPS = {
    Status.SUBMITTED: _l("The employment centre will check that you are in the target group "
                         "(unemployed or self-employed). This usually takes up to 10 working days."),
    Status.TARGET_GROUP_CONFIRMED: _l("The chamber of entrepreneurs will approve the list and invite you "
                                      "to a short entrepreneurship test."),
    Status.LIST_APPROVED: _l("You will be invited to the entrepreneurship test. Keep your phone on."),
    Status.TEST_PASSED: _l("You will be placed in a training cohort. The schedule will appear here."),
    Status.ENROLLED: _l("Come to the first day of training. More than 3 days missed without a valid reason "
                        "may end your training."),
}

ROLE_LABELS = {
    Role.OPERATOR: _l("Operator"),
    Role.CENTRE_OFFICER: _l("Employment centre officer"),
    Role.CHAMBER_STAFF: _l("Chamber staff"),
    Role.TRAINER: _l("Business trainer"),
    Role.COMMISSION: _l("Commission member"),
    Role.REGIONAL_ADMIN: _l("Regional administrator"),
    Role.NATIONAL_ADMIN: _l("National administrator"),
}
