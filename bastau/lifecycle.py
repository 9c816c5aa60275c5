"""The participant's life cycle (DESIGN.md): which status may follow which. No Flask, no database."""
from __future__ import annotations

from .models import Status

NEXT = {
    Status.SUBMITTED: {Status.TARGET_GROUP_CONFIRMED, Status.NOT_TARGET_GROUP},
    Status.TARGET_GROUP_CONFIRMED: {Status.LIST_APPROVED, Status.NOT_TARGET_GROUP},
    Status.LIST_APPROVED: {Status.TEST_PASSED, Status.TEST_FAILED},
    Status.TEST_PASSED: {Status.ENROLLED},
    Status.ENROLLED: {Status.IN_TRAINING},
    Status.IN_TRAINING: {Status.EXPELLED, Status.TRAINING_COMPLETED},
    Status.TRAINING_COMPLETED: {Status.DEFENDED, Status.NOT_DEFENDED},
    Status.DEFENDED: {Status.REFERRED_FOR_FINANCING},
    Status.REFERRED_FOR_FINANCING: {Status.LOAN_APPROVED, Status.LOAN_DECLINED},
}
# Withdrawal is possible at any point before training is completed.
WITHDRAWABLE = {Status.SUBMITTED, Status.TARGET_GROUP_CONFIRMED, Status.LIST_APPROVED, Status.TEST_PASSED,
                Status.ENROLLED, Status.IN_TRAINING}


def can_move(current: Status, target: Status) -> bool:
    if target == Status.WITHDRAWN:
        return current in WITHDRAWABLE
    return target in NEXT.get(current, set())


# Why the employment centre finds someone outside the target group (codes stored, words in labels.py).
NOT_TARGET_GROUP_REASONS = ("employed", "not_resident", "not_citizen", "under_age", "did_not_come", "other")
# Why the chamber returns a name on a list to the employment centre.
RETURN_REASONS = ("incomplete_data", "not_reachable", "duplicate", "not_target_group", "other")
