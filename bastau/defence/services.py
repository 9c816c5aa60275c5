"""Defence sessions, the commission's scores, the results and the certificates.

Every writing service runs in one `with writing():` block, applies the rules from bastau.rules, writes its audit
entries and commits once. A refused change raises Refused (its message says why in the user's language)
and changes nothing; something outside the user's area raises NotFound (a 404 page).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from .. import audit, rules
from ..sms import events as sms
from ..access import applications_for, in_area
from ..database import alphabetically, writing
from ..extensions import db
from ..lifecycle import certificate_due, move_to
from ..models import (
    Application,
    Certificate,
    CertificateKind,
    Cohort,
    DefenceReopening,
    DefenceResult,
    DefenceScore,
    DefenceSession,
    RevokedCertificate,
    Role,
    RubricCriterion,
    Status,
    TrainingDay,
    User,
    defence_member,
)
from ..refusals import NotFound, Refused

MIN_MEMBERS = 2
FEW_MEMBERS = _l("Choose at least two commission members of your district.")
CLOSED = _l("This defence session is closed: its results are final.")
NOBODY_TO_DECIDE = _l("Nobody in this cohort has completed training and waits for a defence result.")
POINTS_RANGE = _l("From 0 to %(max)s points.")
NOTHING_TO_ISSUE = _l("Everyone who may have a certificate already has one.")
CHANGED = _l("Something changed since you opened this page (a score was saved or a participant's status "
             "changed). Check the list again before closing.")
NOT_CLOSED = _l("This defence session is open: there is nothing to reopen.")
TOO_LATE = _l("This session was closed on %(date)s. It could be reopened until %(until)s; its results and "
              "certificates stand.")
MOVED_ON = _l("The session cannot be reopened: %(names)s already went further (referred for a loan). Correct "
              "that first.")
GIVE_A_REASON = _l("Write why the session is reopened (at least 10 characters).")


class NotAMember(Exception):
    """A commission member scores only in sessions they sit on: the route answers 403."""


# ---- Reading ----

def cohorts_for(user: User) -> sa.Select:
    return in_area(sa.select(Cohort), user, Cohort.district_id)


def cohort_for(user: User, cohort_id: int) -> Cohort:
    found = db.session.scalar(cohorts_for(user).where(Cohort.id == cohort_id))
    if found is None:
        raise NotFound(cohort_id)
    return found


def sessions_for(user: User) -> sa.Select:
    """Defence sessions in the user's area; a commission member sees only the sessions they sit on."""
    query = in_area(sa.select(DefenceSession).join(Cohort, DefenceSession.cohort_id == Cohort.id),
                    user, Cohort.district_id)
    if user.role == Role.COMMISSION:
        query = query.where(DefenceSession.id.in_(
            sa.select(defence_member.c.session_id).where(defence_member.c.user_id == user.id)))
    return query


def session_for(user: User, session_id: int, *, lock: bool = False) -> DefenceSession:
    """A session in the user's area (a commission member who does not sit on it gets NotAMember)."""
    query = in_area(sa.select(DefenceSession).join(Cohort, DefenceSession.cohort_id == Cohort.id),
                    user, Cohort.district_id).where(DefenceSession.id == session_id)
    found = db.session.scalar(query.with_for_update(of=DefenceSession) if lock else query)
    if found is None:
        raise NotFound(session_id)
    if user.role == Role.COMMISSION and user.id not in {m.id for m in found.members}:
        raise NotAMember(session_id)
    return found


def closed_among(session_ids: list[int]) -> set[int]:
    """Which of the sessions are closed (`is_closed` of many in one query)."""
    return set(db.session.scalars(sa.select(DefenceResult.session_id)
                                  .where(DefenceResult.session_id.in_(session_ids or [-1])).distinct()))


def is_closed(session: DefenceSession) -> bool:
    """A session is closed once its results are recorded (closing needs at least one participant)."""
    return db.session.scalar(sa.select(DefenceResult.id).where(DefenceResult.session_id == session.id)
                             .limit(1)) is not None


def criteria() -> list[RubricCriterion]:
    return list(db.session.scalars(sa.select(RubricCriterion).where(RubricCriterion.active)
                                   .order_by(RubricCriterion.position, RubricCriterion.id)))


def commission_of(district_id: int) -> list[User]:
    """Active commission accounts of a district, by name."""
    return list(db.session.scalars(sa.select(User).where(User.role == Role.COMMISSION, User.active,
                                                         User.district_id == district_id)
                                   .order_by(alphabetically(User.full_name), User.id)))


def waiting_for_defence(user: User, cohort: Cohort) -> sa.Select:
    """The cohort's participants who completed training and have no defence result yet."""
    return (applications_for(user).where(Application.cohort_id == cohort.id,
                                         Application.status == Status.TRAINING_COMPLETED)
            .order_by(alphabetically(Application.surname), alphabetically(Application.first_name), Application.id))


def participants(user: User, session: DefenceSession) -> list[Application]:
    """Who defends in a session: while it is open, the cohort's people waiting for a result;
    once closed, those it decided about."""
    if is_closed(session):
        return list(db.session.scalars(
            applications_for(user).join(DefenceResult, DefenceResult.application_id == Application.id)
            .where(DefenceResult.session_id == session.id)
            .order_by(alphabetically(Application.surname), Application.id)))
    return list(db.session.scalars(waiting_for_defence(user, session.cohort)))


def participant_of(user: User, session: DefenceSession, application_id: int) -> Application:
    found = next((a for a in participants(user, session) if a.id == application_id), None)
    if found is None:
        raise NotFound(application_id)
    return found


def scores_of(session_id: int, application_ids=None, member_id: int | None = None) -> list[DefenceScore]:
    query = sa.select(DefenceScore).where(DefenceScore.session_id == session_id)
    if application_ids is not None:
        query = query.where(DefenceScore.application_id.in_(list(application_ids) or [-1]))
    if member_id is not None:
        query = query.where(DefenceScore.member_id == member_id)
    return list(db.session.scalars(query))


def member_points(session_id: int, application_id: int, member_id: int) -> dict[int, int]:
    return {s.criterion_id: s.points for s in scores_of(session_id, [application_id], member_id)}


def scored_by(session_id: int) -> dict[int, set[int]]:
    """application id -> the members who have scored that plan."""
    found: dict[int, set[int]] = defaultdict(set)
    for application_id, member_id in db.session.execute(
            sa.select(DefenceScore.application_id, DefenceScore.member_id)
            .where(DefenceScore.session_id == session_id).distinct()):
        found[application_id].add(member_id)
    return found


def results_of(session_id: int) -> dict[int, DefenceResult]:
    return {r.application_id: r for r in db.session.scalars(
        sa.select(DefenceResult).where(DefenceResult.session_id == session_id))}


def results_for(application_ids: list[int]) -> dict[int, DefenceResult]:
    return {r.application_id: r for r in db.session.scalars(
        sa.select(DefenceResult).where(DefenceResult.application_id.in_(application_ids or [-1])))}


def cohort_dates(cohort_id: int) -> tuple[date | None, date | None]:
    """The first and last training day of a cohort."""
    row = db.session.execute(sa.select(sa.func.min(TrainingDay.date), sa.func.max(TrainingDay.date))
                             .where(TrainingDay.cohort_id == cohort_id)).first()
    return (row[0], row[1]) if row else (None, None)


def certificates_of(user: User, cohort: Cohort) -> list[Certificate]:
    return list(db.session.scalars(
        sa.select(Certificate).join(Application, Certificate.application_id == Application.id)
        .where(Certificate.cohort_id == cohort.id,
               Application.id.in_(applications_for(user).with_only_columns(Application.id)))
        .order_by(alphabetically(Application.surname), alphabetically(Application.first_name), Certificate.id)))


def certificate_for(user: User, certificate_id: int) -> Certificate:
    found = db.session.scalar(sa.select(Certificate).where(
        Certificate.id == certificate_id,
        Certificate.application_id.in_(applications_for(user).with_only_columns(Application.id))))
    if found is None:
        raise NotFound(certificate_id)
    return found


def certificate_by_number(number: str) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(Certificate.number == number))


def revoked_by_number(number: str) -> RevokedCertificate | None:
    return db.session.scalar(sa.select(RevokedCertificate).where(RevokedCertificate.number == number))


def closed_at(session: DefenceSession):
    """When the session was closed (its results were recorded), naive UTC; None while it is open."""
    return db.session.scalar(sa.select(sa.func.min(DefenceResult.decided_at))
                             .where(DefenceResult.session_id == session.id))


def closed_on(session: DefenceSession) -> date | None:
    """The Kazakhstan day the session was closed."""
    moment = closed_at(session)
    if moment is None:
        return None
    from datetime import timezone
    from ..clock import KZ
    return moment.replace(tzinfo=timezone.utc).astimezone(KZ).date()


def reopen_until(session: DefenceSession) -> date | None:
    """The last day a regional administrator may reopen the closed session (rules.defence_may_reopen)."""
    day = closed_on(session)
    return day + timedelta(days=rules.DEFENCE_REOPEN_DAYS) if day else None


def reopenings_of(session_id: int) -> list[DefenceReopening]:
    return list(db.session.scalars(sa.select(DefenceReopening).where(DefenceReopening.session_id == session_id)
                                   .order_by(DefenceReopening.reopened_at)))


def certificate_of_application(application_id: int) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(Certificate.application_id == application_id))


def result_of_application(application_id: int) -> DefenceResult | None:
    return db.session.scalar(sa.select(DefenceResult).where(DefenceResult.application_id == application_id))


# ---- Setting up a session ----

def create_session(actor: User, cohort_id: int, *, held_on: date, place: str, member_ids: list[int]) -> DefenceSession:
    """A defence session for a cohort of the actor's district, with at least two commission members of
    that district."""
    with writing():
        cohort = cohort_for(actor, cohort_id)
        members = [u for u in commission_of(cohort.district_id) if u.id in set(member_ids)]
        if len(members) < MIN_MEMBERS:
            raise Refused(FEW_MEMBERS, "members")
        session = DefenceSession(cohort_id=cohort.id, held_on=held_on, place=place, created_by_id=actor.id,
                                 members=members)
        db.session.add(session)
        audit.record("defence_session_set_up", actor, note=f"{cohort.title}: {held_on.isoformat()}")
        sms.defence_scheduled(session)
    return session


# ---- Scoring ----

def _upsert_statement():
    dialect = db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(DefenceScore)


def save_scores(member: User, session_id: int, application_id: int, points: dict[int, int]) -> None:
    """A member's points for one participant's plan, one per criterion. Saving again replaces them
    (an upsert on the unique key: a re-sent form or a second tap changes nothing more)."""
    with writing():
        session = session_for(member, session_id, lock=True)
        if member.id not in {m.id for m in session.members}:
            raise NotAMember(session_id)
        if is_closed(session):
            raise Refused(CLOSED)
        participant_of(member, session, application_id)
        rubric = {c.id: c for c in criteria()}
        for criterion_id, value in points.items():
            criterion = rubric.get(criterion_id)
            if criterion is None or not 0 <= value <= criterion.max_points:
                raise Refused(str(POINTS_RANGE) % {"max": criterion.max_points if criterion else 0},
                              f"c{criterion_id}")
        now = db.func.now()
        rows = [{"session_id": session_id, "application_id": application_id, "member_id": member.id,
                 "criterion_id": criterion_id, "points": value} for criterion_id, value in points.items()]
        if rows:
            statement = _upsert_statement()
            db.session.execute(statement.values(rows).on_conflict_do_update(
                index_elements=["session_id", "application_id", "member_id", "criterion_id"],
                set_={"points": statement.excluded.points, "scored_at": now}))


# ---- Closing: the results, the status changes and the certificates ----

@dataclass
class Decision:
    """What closing the session will record for one participant."""
    application: Application
    defended: bool
    absent: bool
    percent: int | None

    @property
    def kind(self) -> str:
        return rules.certificate_kind(self.defended)


@dataclass
class Preview:
    """What closing will do, shown before it is done (and checked again when it is done)."""
    decisions: list[Decision]
    others_due: list[Application]  # of the cohort, waiting for a certificate already

    @property
    def absent(self) -> list[Application]:
        return [d.application for d in self.decisions if d.absent]

    @property
    def certificates(self) -> dict[str, int]:
        counts = {"completion": 0, "participation": 0}
        for decision in self.decisions:
            counts[decision.kind] += 1
        for application in self.others_due:
            counts[certificate_due(application.status)] += 1
        return counts

    @property
    def token(self) -> str:
        """A fingerprint of the preview: closing refuses when what it would do is no longer what was shown."""
        import hashlib
        text = ";".join(f"{d.application.id}:{int(d.defended)}:{int(d.absent)}:{d.percent}" for d in self.decisions)
        text += "|" + ",".join(str(a.id) for a in self.others_due)
        return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass
class Outcome:
    defended: int = 0
    not_defended: int = 0
    absent: int = 0
    certificates: list[Certificate] = field(default_factory=list)


def _decide(actor: User, session: DefenceSession, absent_ids: set[int], *, lock: bool = False) -> Preview:
    """Rule (rules.defence_passed): defended when the members' weighted average is at least 60% of the
    maximum and no member gave the plan zero. Someone marked "did not come", or whom no member scored,
    is not defended (absent)."""
    query = waiting_for_defence(actor, session.cohort)
    people = db.session.scalars(query.with_for_update(of=Application) if lock else query).all()
    rubric = criteria()
    member_ids = {m.id for m in session.members}
    given: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for score in scores_of(session.id, [a.id for a in people]):
        if score.member_id in member_ids:
            given[score.application_id][score.member_id][score.criterion_id] = score.points
    decisions = []
    for application in people:
        by_member = given.get(application.id, {})
        if application.id in absent_ids or not by_member:
            decisions.append(Decision(application, False, True, None))
            continue
        totals = [rules.weighted_percent(points, rubric) for points in by_member.values()]
        decisions.append(Decision(application, rules.defence_passed(totals), False,
                                  rules.shown_percent(rules.defence_average(totals))))
    deciding = {a.id for a in people}
    others = [a for a in _uncertified(actor, session.cohort) if a.id not in deciding and certificate_due(a.status)]
    return Preview(decisions, others)


def close_preview(actor: User, session_id: int, absent_ids: set[int]) -> Preview:
    """What closing would record and issue, without writing anything (the confirmation page)."""
    session = session_for(actor, session_id)
    if is_closed(session):
        raise Refused(CLOSED)
    preview = _decide(actor, session, absent_ids)
    if not preview.decisions:
        raise Refused(NOBODY_TO_DECIDE)
    return preview


def close_session(actor: User, session_id: int, absent_ids: set[int], today: date,
                  expected: str | None = None) -> Outcome:
    """Record every waiting participant's result (see _decide) and issue the certificates. Given `expected`
    (the confirmation page's Preview.token), refuse with CHANGED when what it would do is not what was shown."""
    with writing():
        session = session_for(actor, session_id, lock=True)
        if is_closed(session):
            raise Refused(CLOSED)
        preview = _decide(actor, session, absent_ids, lock=True)
        if not preview.decisions:
            raise Refused(NOBODY_TO_DECIDE)
        if expected is not None and expected != preview.token:
            raise Refused(CHANGED)
        outcome = Outcome()
        for decision in preview.decisions:
            application, defended, absent, percent = (decision.application, decision.defended, decision.absent,
                                                      decision.percent)
            db.session.add(DefenceResult(session_id=session.id, application_id=application.id, defended=defended,
                                         absent=absent, average_percent=percent, decided_by_id=actor.id))
            move_to(application, Status.DEFENDED if defended else Status.NOT_DEFENDED, by=actor,
                    reason="did_not_come" if absent else None, note=None if absent else f"{percent}%")
            if absent:
                outcome.absent += 1
            elif defended:
                outcome.defended += 1
            else:
                outcome.not_defended += 1
        db.session.flush()
        outcome.certificates = _issue(actor, session.cohort, today)
    return outcome


# ---- Reopening a closed session (a regional administrator corrects it) ----

@dataclass
class Reopening:
    """What reopening would undo: the results and the certificates of the session's participants."""
    people: list[Application]
    certificates: list[Certificate]
    closed_on: date
    until: date
    blocked: list[Application]


def reopen_preview(actor: User, session_id: int, today: date, *, lock: bool = False) -> Reopening:
    session = session_for(actor, session_id, lock=lock)
    if not is_closed(session):
        raise Refused(NOT_CLOSED)
    decided = sa.select(DefenceResult.application_id).where(DefenceResult.session_id == session.id)
    query = (applications_for(actor).where(Application.id.in_(decided))
             .order_by(alphabetically(Application.surname), Application.id))
    people = list(db.session.scalars(query.with_for_update(of=Application) if lock else query))
    certificates = list(db.session.scalars(sa.select(Certificate).where(
        Certificate.application_id.in_([a.id for a in people] or [-1])).order_by(Certificate.id)))
    day = closed_on(session)
    blocked = [a for a in people if not lifecycle_may_reopen(a.status)]
    return Reopening(people, certificates, day, day + timedelta(days=rules.DEFENCE_REOPEN_DAYS), blocked)


def lifecycle_may_reopen(status: Status) -> bool:
    from ..lifecycle import may_move
    return may_move(status, Status.TRAINING_COMPLETED, Role.REGIONAL_ADMIN.value)


def reopen_session(actor: User, session_id: int, reason: str, today: date) -> DefenceReopening:
    """Reopen a closed session within 30 days of closing (rules.defence_may_reopen): its results are
    removed, its participants wait for a defence result again (a correction move of the life cycle) and
    their certificates are revoked; the scores stay for the members to correct. Closing again issues
    certificates with new numbers."""
    reason = " ".join((reason or "").split())
    if len(reason) < 10:
        raise Refused(GIVE_A_REASON, "reason")
    with writing():
        session = session_for(actor, session_id, lock=True)
        found = reopen_preview(actor, session_id, today, lock=True)
        if not rules.defence_may_reopen(found.closed_on, today):
            raise Refused(str(TOO_LATE) % {"date": _day(found.closed_on), "until": _day(found.until)})
        if found.blocked:
            raise Refused(str(MOVED_ON) % {"names": ", ".join(a.full_name for a in found.blocked)})
        reopening = DefenceReopening(session_id=session.id, closed_at=closed_at(session), reopened_by_id=actor.id,
                                     reason=reason[:500])
        db.session.add(reopening)
        db.session.flush()
        by_application = {a.id: a for a in found.people}
        for certificate in found.certificates:
            db.session.add(RevokedCertificate(number=certificate.number, application_id=certificate.application_id,
                                              kind=certificate.kind, cohort_id=certificate.cohort_id,
                                              issued_on=certificate.issued_on, revoked_on=today,
                                              reopening_id=reopening.id))
            audit.record("certificate_revoked", actor, by_application[certificate.application_id],
                         note=certificate.number, typed=reason)
            db.session.delete(certificate)
        db.session.execute(sa.delete(DefenceResult).where(DefenceResult.session_id == session.id))
        for application in found.people:
            move_to(application, Status.TRAINING_COMPLETED, by=actor, typed=reason)
        audit.record("defence_session_reopened", actor,
                     note=f"{session.cohort.title}: {session.held_on.isoformat()}", typed=reason)
    return reopening


def _day(day: date) -> str:
    from ..i18n import short_date
    return short_date(day)


def issue_certificates(actor: User, cohort_id: int, today: date) -> list[Certificate]:
    """Certificates for everyone of the cohort who may have one and has none yet."""
    with writing():
        cohort = cohort_for(actor, cohort_id)
        issued = _issue(actor, cohort, today)
        if not issued:
            raise Refused(NOTHING_TO_ISSUE)
    return issued


def _new_number(year: int) -> str:
    while True:  # a repeat is astronomically unlikely; the unique index is the final word
        number = rules.certificate_number(year)
        if certificate_by_number(number) is None and revoked_by_number(number) is None:
            return number  # a revoked number is never given again


def _uncertified(actor: User, cohort: Cohort, *, lock: bool = False) -> list[Application]:
    holders = sa.select(Certificate.application_id)
    query = applications_for(actor).where(Application.cohort_id == cohort.id, Application.id.not_in(holders))
    return list(db.session.scalars(query.with_for_update(of=Application) if lock else query))


def _issue(actor: User, cohort: Cohort, today: date) -> list[Certificate]:
    """Inside the caller's write transaction: completion for defended plans, participation for
    those trained but not defended (lifecycle.certificate_due); expelled people get none."""
    people = _uncertified(actor, cohort, lock=True)
    issued = []
    for application in people:
        kind = certificate_due(application.status)
        if kind is None:
            continue
        certificate = Certificate(application_id=application.id, number=_new_number(cohort.programme_year),
                                  kind=CertificateKind(kind), cohort_id=cohort.id, language=cohort.language,
                                  issued_on=today, issued_by_id=actor.id)
        db.session.add(certificate)
        audit.record("certificate_issued", actor, application, reason=kind, note=certificate.number)
        issued.append(certificate)
    db.session.flush()
    for certificate in issued:
        sms.certificate_issued(certificate, certificate.application, current_app.config.get(
            "PUBLIC_URL", "http://127.0.0.1:5000"))
    return issued
