"""The participant's life cycle (DESIGN.md) as one table, and the one door every status change goes through.

The table says, for every status: its words (the label staff and applicants read, and the applicant's next
step), the moves allowed from it with who may make each one and the audit action it writes, and which moves
are corrections (taking a step back) rather than steps forward. The named groups that queries and dashboards
use ("trained", "defended or later", ...) are computed from the forward moves, never kept by hand elsewhere.

`move_to` is the only code that assigns `Application.status` (a test reads the source to make sure): it refuses
a move the table does not allow, writes the audit entry in the caller's transaction and publishes the
`status_changed` event, whose subscribers (notifications, desk notices) write in that same transaction.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from blinker import Namespace
from flask_babel import lazy_gettext as _l

from . import audit, rules
from .models import Application, AuditEntry, Role, Status, User
from .refusals import Refused

S = Status
CALENDAR = "calendar"    # the job engine, as the programme's dates pass
APPLICANT = "applicant"  # the person themselves, from the status page
Actor = User | str       # a member of staff, CALENDAR or APPLICANT

CENTRE, CHAMBER, COMMISSION = Role.CENTRE_OFFICER.value, Role.CHAMBER_STAFF.value, Role.COMMISSION.value
REGION = Role.REGIONAL_ADMIN.value
# Who may record a withdrawal: the person, and the staff who meet them (with the reason the person gave).
WITHDRAWERS = (APPLICANT, Role.OPERATOR.value, CENTRE, CHAMBER)


@dataclass(frozen=True)
class Move:
    action: str                 # the audit entry's action (labels.ACTION_LABELS has its words)
    by: tuple[str, ...]         # role values, CALENDAR or APPLICANT
    correction: bool = False    # a step back or aside: not "further along" for the dashboards


@dataclass(frozen=True)
class Step:
    label: object                                  # lazy text
    next_step: object | None = None                # what the applicant reads under their status
    moves: dict[Status, Move] = field(default_factory=dict)

    @property
    def final(self) -> bool:
        """Nothing further happens on its own: no step forward (a correction may still take it back)."""
        return not any(not move.correction for move in self.moves.values())


_WITHDRAW = {S.WITHDRAWN: Move("withdrawn", WITHDRAWERS, correction=True)}
# A regional administrator reopens a closed defence session to correct it (rules.defence_may_reopen): its
# participants wait for a defence result again and their certificates are revoked.
_REOPEN = {S.TRAINING_COMPLETED: Move("defence_reopened", (REGION,), correction=True)}

LIFE_CYCLE: dict[Status, Step] = {
    S.SUBMITTED: Step(
        _l("Application received"),
        _l("The employment centre will check that you are in the target group (unemployed or self-employed). "
           "This usually takes up to 10 working days."),
        {S.TARGET_GROUP_CONFIRMED: Move("target_group_confirmed", (CENTRE,)),
         S.NOT_TARGET_GROUP: Move("target_group_rejected", (CENTRE,)), **_WITHDRAW}),
    S.TARGET_GROUP_CONFIRMED: Step(
        _l("Target group confirmed by the employment centre"),
        _l("The chamber of entrepreneurs will approve the list and invite you to a short entrepreneurship test."),
        {S.LIST_APPROVED: Move("list_approved", (CHAMBER,)),
         S.NOT_TARGET_GROUP: Move("target_group_rejected", (CENTRE,), correction=True), **_WITHDRAW}),
    S.NOT_TARGET_GROUP: Step(
        _l("Not in the target group"),
        _l("If you think this is a mistake, come to the employment centre with your ID card.")),
    S.LIST_APPROVED: Step(
        _l("Approved by the chamber of entrepreneurs"),
        _l("You will be invited to the entrepreneurship test. Keep your phone on."),
        {S.TEST_PASSED: Move("test_result", (CHAMBER,)), S.TEST_FAILED: Move("test_result", (CHAMBER,)),
         **_WITHDRAW}),
    S.TEST_PASSED: Step(
        _l("Entrepreneurship test passed"),
        _l("You will be placed in a training cohort. The schedule will appear here."),
        {S.ENROLLED: Move("enrolled", (CHAMBER,)), **_WITHDRAW,
         # A mistyped paper score corrected by the chamber (potential.services.correct_paper_score).
         S.TEST_FAILED: Move("test_result", (CHAMBER,), correction=True)}),
    S.TEST_FAILED: Step(
        _l("Entrepreneurship test not passed"),
        _l("You may apply again next year. The chamber of entrepreneurs can tell you how to prepare."),
        {S.TEST_PASSED: Move("test_result", (CHAMBER,), correction=True)}),
    S.ENROLLED: Step(
        _l("Enrolled in a training cohort"),
        _l("Come to the first day of training. More than 3 days missed without a valid reason may end your "
           "training."),
        # Added on the first day itself, a participant is in training at once: staff make the calendar's move.
        {S.IN_TRAINING: Move("training_started", (CALENDAR, CHAMBER)),
         S.TEST_PASSED: Move("unenrolled", (CHAMBER,), correction=True), **_WITHDRAW}),
    S.IN_TRAINING: Step(
        _l("In training"),
        _l("Come to every training day. More than 3 days missed without a valid reason may end your training: "
           "tell your trainer if you are ill or cannot come."),
        {S.TRAINING_COMPLETED: Move("training_completed", (CALENDAR,)),
         S.EXPELLED: Move("expelled", (COMMISSION,)), **_WITHDRAW}),
    S.EXPELLED: Step(
        _l("Expelled from training"),
        _l("The commission ended your training. You may apply again next year.")),
    S.TRAINING_COMPLETED: Step(
        _l("Training completed"),
        _l("Upload your business plan and prepare to defend it before the commission."),
        {S.DEFENDED: Move("defence_result", (CHAMBER, COMMISSION)),
         S.NOT_DEFENDED: Move("defence_result", (CHAMBER, COMMISSION))}),
    S.DEFENDED: Step(
        _l("Business plan defended"),
        _l("Your certificate of completion is ready. The chamber of entrepreneurs may refer your plan for a loan."),
        {S.REFERRED_FOR_FINANCING: Move("referred_for_financing", (CHAMBER,)), **_REOPEN}),
    S.NOT_DEFENDED: Step(
        _l("Business plan not defended"),
        _l("Your certificate of participation is ready: download it under “All your results on one page”. It "
           "does not give priority for a programme loan. Ask the chamber of entrepreneurs what to improve in "
           "your plan, and apply again next year."),
        _REOPEN),
    S.REFERRED_FOR_FINANCING: Step(
        _l("Referred for a loan"),
        _l("The lender will look at your plan. The chamber of entrepreneurs will tell you its answer."),
        {S.LOAN_APPROVED: Move("loan_approved", (CHAMBER,)), S.LOAN_DECLINED: Move("loan_declined", (CHAMBER,))}),
    S.LOAN_APPROVED: Step(
        _l("Loan approved"),
        _l("Go to the lender's office with your ID card to sign the loan agreement. The chamber of entrepreneurs "
           "will ask how your business is doing 6 and 12 months after your certificate.")),
    S.LOAN_DECLINED: Step(
        _l("Loan declined"),
        _l("Ask the chamber of entrepreneurs why the lender declined and what to change in your plan. Your "
           "certificate of completion still gives priority for a programme loan for 24 months from its date.")),
    S.WITHDRAWN: Step(
        _l("Application withdrawn"),
        _l("You may apply again this year or later: a new application starts from the beginning.")),
}

STATUS_LABELS = {status: step.label for status, step in LIFE_CYCLE.items()}
NEXT_STEPS = {status: step.next_step for status, step in LIFE_CYCLE.items() if step.next_step}


# ---- Groups, derived from the table ----

def at_or_after(status: Status) -> frozenset[Status]:
    """The status and every status reached from it by forward moves (no corrections, no withdrawal)."""
    reached, todo = {status}, [status]
    while todo:
        for target, move in LIFE_CYCLE[todo.pop()].moves.items():
            if not move.correction and target not in reached:
                reached.add(target)
                todo.append(target)
    return frozenset(reached)


def may_move(current: Status, target: Status, by: str | None = None) -> bool:
    """Does the table allow the move (and, given `by`, that role or CALENDAR/APPLICANT to make it)?"""
    move = LIFE_CYCLE[current].moves.get(target)
    return move is not None and (by is None or by in move.by)


TRAINED = at_or_after(S.TRAINING_COMPLETED)          # training completed and after (never the expelled)
DEFENDED_OR_LATER = at_or_after(S.DEFENDED)
IN_A_COHORT = frozenset({S.ENROLLED, S.IN_TRAINING})  # placed, training not finished
ENROLLED_OR_LATER = at_or_after(S.ENROLLED)           # in a cohort now or once (expelled and trained too)
WITHDRAWABLE = frozenset(s for s, step in LIFE_CYCLE.items() if S.WITHDRAWN in step.moves)
ON_REGISTER = frozenset({S.IN_TRAINING, S.TRAINING_COMPLETED})  # marked on a day's register (late marks too)
# A business plan is uploaded from the training until the commission's decision about it.
PLAN_STEPS = frozenset({S.IN_TRAINING, S.TRAINING_COMPLETED} | set(LIFE_CYCLE[S.TRAINING_COMPLETED].moves))
# What the employment centre's queue shows: its own steps and the chamber's answer to them.
CENTRE_QUEUE = frozenset({S.SUBMITTED, S.TARGET_GROUP_CONFIRMED, S.NOT_TARGET_GROUP, S.LIST_APPROVED})
FINAL = frozenset(s for s, step in LIFE_CYCLE.items() if step.final)

GROUPS: dict[str, frozenset[Status]] = {
    "confirmed": at_or_after(S.TARGET_GROUP_CONFIRMED) - {S.NOT_TARGET_GROUP},
    "test_passed": at_or_after(S.TEST_PASSED),
    "enrolled": ENROLLED_OR_LATER,
    "in_a_cohort": IN_A_COHORT,
    "expelled": frozenset({S.EXPELLED}),
    "trained": TRAINED,
    "defended": DEFENDED_OR_LATER,
    "withdrawable": WITHDRAWABLE,
    "on_register": ON_REGISTER,
    "plan_steps": PLAN_STEPS,
    "final": FINAL,
}


def certificate_due(status: Status) -> str | None:
    """Which certificate a participant gets (rules.certificate_kind): completion once the plan is defended (also
    later, on the way to a loan), participation when trained but not defended; none otherwise."""
    status = Status(status)
    if status in DEFENDED_OR_LATER:
        return rules.certificate_kind(True)
    if status == S.NOT_DEFENDED:
        return rules.certificate_kind(False)
    return None


def sorted_statuses(statuses: Iterable[Status]) -> list[Status]:
    """In the table's order: the order of the life cycle."""
    order = list(LIFE_CYCLE)
    return sorted(statuses, key=order.index)


# ---- The one door ----

events = Namespace()
# Sent with the application and keyword arguments from_status, to_status, by, entry; inside the transaction.
status_changed = events.signal("status-changed")

NOT_ALLOWED = _l("This step is not possible now: the application is “%(current)s”, and “%(target)s” cannot "
                 "follow it. The page may be out of date: open it again to see the present status.")
NOT_YOURS = _l("Your role cannot make this step: “%(target)s” is recorded by someone else.")
NOT_WITHDRAWABLE = _l("An application can be withdrawn only before the training is completed. This one is "
                      "“%(current)s”, so nothing was changed.")


def _who(by: Actor) -> str:
    return by.role.value if isinstance(by, User) else by


def check_move(application: Application, target: Status, by: Actor) -> Move:
    """The move, or Refused with why not, in the user's language."""
    current = application.status
    words = {"current": STATUS_LABELS[current], "target": STATUS_LABELS[target]}
    move = LIFE_CYCLE[current].moves.get(target)
    if move is None:
        raise Refused(str(NOT_WITHDRAWABLE if target == S.WITHDRAWN else NOT_ALLOWED) % words)
    if _who(by) not in move.by:
        raise Refused(str(NOT_YOURS) % words)
    return move


def move_to(application: Application, target: Status, *, by: Actor, reason: str | None = None,
            note: str | None = None, typed: str | None = None) -> AuditEntry:
    """Change the application's status: check the move, write the audit entry, publish the event.

    The caller owns the transaction (a refusal changes nothing: the caller rolls back as for any Refused).
    """
    move = check_move(application, target, by)
    previous = application.status
    entry = audit.record(move.action, by if isinstance(by, User) else None, application, from_status=previous,
                         to_status=target, reason=reason, note=note, typed=typed,
                         actor_role=None if isinstance(by, User) else by)
    application.status = target
    status_changed.send(application, from_status=previous, to_status=target, by=by, entry=entry)
    return entry


def path_to(target: Status) -> list[Status]:
    """The forward statuses from `submitted` to `target` (for demo data walked through the door)."""
    paths = {S.SUBMITTED: [S.SUBMITTED]}
    todo = [S.SUBMITTED]
    while todo:
        current = todo.pop(0)
        for nxt, move in LIFE_CYCLE[current].moves.items():
            if nxt not in paths and (not move.correction or nxt == target):
                paths[nxt] = paths[current] + [nxt]
                todo.append(nxt)
    return paths[target]


# Why the employment centre finds someone outside the target group (codes stored, words in labels.py).
NOT_TARGET_GROUP_REASONS = ("employed", "not_resident", "not_citizen", "under_age", "did_not_come", "other")
# Why the chamber returns a name on a list to the employment centre.
RETURN_REASONS = ("incomplete_data", "not_reachable", "duplicate", "not_target_group", "other")
# Why a person withdraws (as they tell it; staff record it with the same words).
WITHDRAWAL_REASONS = ("found_work", "moved_away", "family", "health", "changed_mind", "other")
