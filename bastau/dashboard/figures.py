"""The dashboard's figures, counted by the database: one grouped query per level (plus one for the plan).

What each column counts, in one place:
- the pipeline columns count applications whose *current* status is at or after a step (REACHED below);
  a person who withdrew before training counts as applied only (the status no longer says how far they got);
- certificates, loans and follow-ups come from their own tables (one row per application at most after
  aggregation, so nothing is counted twice), for people whose status is training_completed or later (a
  certificate, a referral or a follow-up only exists for them); a follow-up counts by its latest check
  (12 months over 6), and "businesses opened" / "jobs created" are those of the latest check;
- the training-side columns (enrolled onwards) can be narrowed to participants of cohorts with a given number
  and/or training language; the steps before training (applied, confirmed, test passed) have no cohort and
  are never narrowed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..lifecycle import GROUPS
from ..models import (Application, Attendance, BusinessFollowUp, Certificate, CertificateKind, Cohort, District,
                      DistrictPlan, LoanReferral, Mark, NationalPlan, Region, RegionPlan, Status, TrainingDay, User)

# From the life-cycle table: each column counts the statuses at or after its step (see bastau/lifecycle.py).
REACHED: dict[str, frozenset[Status]] = {
    name: GROUPS[name] for name in ("confirmed", "test_passed", "enrolled", "expelled", "trained", "defended")}
TRAINING_SIDE = ("enrolled", "expelled", "trained", "defended", "completion", "participation", "referred",
                 "loans", "loan_sum", "opened", "jobs")
COLUMNS = ("applied", "confirmed", "test_passed", "enrolled", "expelled", "trained", "defended", "completion",
           "participation", "referred", "loans", "loan_sum", "opened", "jobs")
FIRST_YEAR = 2017


@dataclass
class Filters:
    year: int
    cohort_number: int | None = None
    language: str | None = None

    @property
    def narrowed(self) -> bool:
        return bool(self.cohort_number or self.language)

    def key(self) -> tuple:
        return (self.year, self.cohort_number, self.language)


@dataclass
class Row:
    """One line of a dashboard table."""
    key: object
    name: str
    figures: dict = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))
    plan: int | None = None
    link: str | None = None

    @property
    def opened_share(self) -> float | None:
        """The headline: of those trained, how many opened a business (percent)."""
        trained = self.figures["trained"]
        return 100.0 * self.figures["opened"] / trained if trained else None

    @property
    def plan_percent(self) -> float | None:
        return 100.0 * self.figures["trained"] / self.plan if self.plan else None

    @property
    def over_plan(self) -> bool:
        return self.plan_percent is not None and self.plan_percent > 100.0


def _has(status_set) -> sa.ColumnElement:
    return Application.status.in_(sorted(status_set, key=lambda s: s.value))


def _count(condition) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _subqueries(scope: sa.Select):
    """Loans and the latest follow-up per application, for the applications in `scope` only."""
    loans = (sa.select(LoanReferral.application_id.label("application_id"),
                       sa.func.max(sa.case((LoanReferral.issued_on.is_not(None), 1), else_=0)).label("issued"),
                       sa.func.sum(sa.case((LoanReferral.issued_on.is_not(None),
                                            sa.func.coalesce(LoanReferral.issued_amount, 0)), else_=0))
                       .label("amount"))
             .where(LoanReferral.application_id.in_(scope))
             .group_by(LoanReferral.application_id).subquery("loans"))
    last = (sa.select(BusinessFollowUp.application_id.label("application_id"),
                      sa.func.max(BusinessFollowUp.months_after).label("months"))
            .where(BusinessFollowUp.application_id.in_(scope))
            .group_by(BusinessFollowUp.application_id).subquery("last_check"))
    follow = sa.orm.aliased(BusinessFollowUp, name="follow")
    return loans, last, follow


def _aggregate(group_by, filters: Filters, where=(), by_region: bool = False) -> dict:
    """Every column for each value of `group_by`, in two grouped statements: the steps (application and cohort
    only, read from the year/district/status index), then certificates, loans and follow-ups, which belong to
    people who finished training (status training_completed or later) and are read for those rows only."""
    training = sa.true()
    if filters.cohort_number:
        training = sa.and_(training, Cohort.number == filters.cohort_number)
    if filters.language:
        training = sa.and_(training, Cohort.language == filters.language)
    trained = sa.and_(training, _has(REACHED["trained"]))
    year = Application.programme_year == filters.year

    def grouped(columns, *joins, extra=()):
        query = sa.select(group_by.label("key"), *columns).select_from(Application)
        if filters.narrowed:
            query = query.outerjoin(Cohort, Cohort.id == Application.cohort_id)
        for join in joins:
            query = query.outerjoin(*join)
        if by_region:
            query = query.join(District, District.id == Application.district_id)
        return db.session.execute(query.where(year, *where, *extra).group_by(group_by)).mappings()

    steps = grouped([
        sa.func.count(Application.id).label("applied"),
        _count(_has(REACHED["confirmed"])).label("confirmed"),
        _count(_has(REACHED["test_passed"])).label("test_passed"),
        _count(sa.and_(training, _has(REACHED["enrolled"]))).label("enrolled"),
        _count(sa.and_(training, _has(REACHED["expelled"]))).label("expelled"),
        _count(trained).label("trained"),
        _count(sa.and_(training, _has(REACHED["defended"]))).label("defended"),
    ])
    result = {}
    for line in steps:
        result[line["key"]] = dict.fromkeys(COLUMNS, 0) | {name: int(value or 0) for name, value in line.items()
                                                           if name != "key"}
    scope = sa.select(Application.id).where(year, _has(REACHED["trained"]), *where)
    if by_region:
        scope = scope.join(District, District.id == Application.district_id)
    loans, last, follow = _subqueries(scope)
    opened = follow.business_opened.is_(True)
    after = grouped([
        _count(Certificate.kind == CertificateKind.COMPLETION).label("completion"),
        _count(Certificate.kind == CertificateKind.PARTICIPATION).label("participation"),
        _count(loans.c.application_id.is_not(None)).label("referred"),
        _count(loans.c.issued == 1).label("loans"),
        sa.func.coalesce(sa.func.sum(loans.c.amount), 0).label("loan_sum"),
        _count(opened).label("opened"),
        sa.func.coalesce(sa.func.sum(sa.case((opened, follow.jobs_created), else_=0)), 0).label("jobs"),
    ], (Certificate, Certificate.application_id == Application.id),
        (loans, loans.c.application_id == Application.id), (last, last.c.application_id == Application.id),
        (follow, sa.and_(follow.application_id == Application.id, follow.months_after == last.c.months)),
        extra=(trained,))
    for line in after:
        result.setdefault(line["key"], dict.fromkeys(COLUMNS, 0)).update(
            {name: int(value or 0) for name, value in line.items() if name != "key"})
    return result


def plans(year: int) -> tuple[int | None, dict[int, int], dict[int, int]]:
    """The year's plan: national total, {region_id: people}, {district_id: people}."""
    try:
        from .plan_services import plan_for_year  # the plan pages' own reading, once it exists
    except ImportError:
        return _plan_rows(year)
    plan = plan_for_year(year)
    if isinstance(plan, dict):
        national, regions, districts = plan.get("national"), plan.get("regions"), plan.get("districts")
    else:
        national, regions, districts = plan
    return national, dict(regions or {}), dict(districts or {})


def _plan_rows(year: int):
    national = db.session.scalar(sa.select(NationalPlan.people).where(NationalPlan.year == year))
    regions = dict(db.session.execute(sa.select(RegionPlan.region_id, RegionPlan.people)
                                      .where(RegionPlan.year == year)).all())
    districts = dict(db.session.execute(sa.select(DistrictPlan.district_id, DistrictPlan.people)
                                        .where(DistrictPlan.year == year)).all())
    return national, regions, districts


def _total(rows: list[Row], name: str, plan: int | None) -> Row:
    total = Row(key=None, name=name, plan=plan)
    for row in rows:
        for column in COLUMNS:
            total.figures[column] += row.figures[column]
    return total


def national(filters: Filters, total_name: str) -> tuple[list[Row], Row]:
    """A row per region (every region, also those without applications) and the country's total."""
    counted = _aggregate(District.region_id, filters, by_region=True)
    plan_total, region_plans, _ = plans(filters.year)
    rows = []
    for region in db.session.scalars(sa.select(Region)):
        row = Row(key=region.id, name=region.name, plan=region_plans.get(region.id))
        row.figures.update(counted.get(region.id, {}))
        rows.append(row)
    if plan_total is None and region_plans:
        plan_total = sum(region_plans.values())
    return _sorted(rows), _total(rows, total_name, plan_total)


def region(region: Region, filters: Filters) -> tuple[list[Row], Row]:
    """A row per district of the region, and the region's total."""
    counted = _aggregate(Application.district_id, filters, where=(District.region_id == region.id,), by_region=True)
    _, region_plans, district_plans = plans(filters.year)
    rows = []
    for place in db.session.scalars(sa.select(District).where(District.region_id == region.id)):
        row = Row(key=place.id, name=place.name, plan=district_plans.get(place.id))
        row.figures.update(counted.get(place.id, {}))
        rows.append(row)
    return _sorted(rows), _total(rows, region.name, region_plans.get(region.id))


def district(place: District, filters: Filters, not_in_cohort: str) -> tuple[list[Row], Row]:
    """A row per cohort of the district's year (and one for people not in a cohort), and the district's total."""
    # coalesce: None (not in a cohort) becomes 0, and SQLite reads the district's rows by the year/district
    # index instead of walking the whole table in cohort order
    counted = _aggregate(sa.func.coalesce(Application.cohort_id, 0), filters,
                         where=(Application.district_id == place.id,))
    _, _, district_plans = plans(filters.year)
    query = sa.select(Cohort).where(Cohort.district_id == place.id, Cohort.programme_year == filters.year)
    if filters.cohort_number:
        query = query.where(Cohort.number == filters.cohort_number)
    if filters.language:
        query = query.where(Cohort.language == filters.language)
    rows = []
    for cohort in db.session.scalars(query.order_by(Cohort.number)):
        row = Row(key=cohort.id, name=cohort.title)
        row.figures.update(counted.get(cohort.id, {}))
        rows.append(row)
    loose = Row(key=0, name=not_in_cohort)
    loose.figures.update(counted.get(0, {}))
    if any(loose.figures.values()):
        rows.append(loose)
    # people of cohorts that the filters leave out still count as applied / confirmed / test passed
    hidden = [figures for key, figures in counted.items() if key and key not in {r.key for r in rows}]
    total = _total(rows, place.name, district_plans.get(place.id))
    for figures in hidden:
        for column in COLUMNS:
            if column not in TRAINING_SIDE:
                total.figures[column] += figures[column]
    return rows, total


def cohort(group: Cohort) -> Row:
    """The cohort's own figures (the filters do not apply: the cohort is chosen)."""
    counted = _aggregate(Application.cohort_id, Filters(group.programme_year),
                         where=(Application.cohort_id == group.id,))
    row = Row(key=group.id, name=group.title)
    row.figures.update(counted.get(group.id, {}))
    return row


def attendance_rate(cohort_ids_query) -> float | None:
    present, marks = db.session.execute(
        sa.select(_count(Attendance.mark == Mark.PRESENT), sa.func.count(Attendance.id))
        .join(TrainingDay, TrainingDay.id == Attendance.training_day_id)
        .where(TrainingDay.cohort_id.in_(cohort_ids_query))).one()
    return 100.0 * present / marks if marks else None


@dataclass
class TrainerRow:
    trainer_id: int
    name: str
    cohorts: int = 0
    participants: int = 0
    enrolled: int = 0
    trained: int = 0
    defended: int = 0
    present: int = 0
    marks: int = 0

    @property
    def completion_rate(self) -> float | None:
        return 100.0 * self.trained / self.enrolled if self.enrolled else None

    @property
    def defence_rate(self) -> float | None:
        return 100.0 * self.defended / self.trained if self.trained else None

    @property
    def attendance_rate(self) -> float | None:
        return 100.0 * self.present / self.marks if self.marks else None


def trainers(filters: Filters, region_id: int | None = None, district_id: int | None = None) -> list[TrainerRow]:
    """Per trainer of the area's cohorts of the year: cohorts, participants, completion, defence, attendance."""
    cohorts = sa.select(Cohort.id).where(Cohort.programme_year == filters.year)
    if filters.cohort_number:
        cohorts = cohorts.where(Cohort.number == filters.cohort_number)
    if filters.language:
        cohorts = cohorts.where(Cohort.language == filters.language)
    if district_id is not None:
        cohorts = cohorts.where(Cohort.district_id == district_id)
    elif region_id is not None:
        cohorts = cohorts.where(Cohort.district_id.in_(sa.select(District.id).where(District.region_id == region_id)))
    chosen = cohorts
    rows: dict[int, TrainerRow] = {}
    people = (sa.select(Cohort.trainer_id, User.full_name, sa.func.count(sa.distinct(Cohort.id)),
                        sa.func.count(Application.id), _count(_has(REACHED["enrolled"])),
                        _count(_has(REACHED["trained"])), _count(_has(REACHED["defended"])))
              .join(User, User.id == Cohort.trainer_id)
              .outerjoin(Application, Application.cohort_id == Cohort.id)
              .where(Cohort.id.in_(chosen)).group_by(Cohort.trainer_id, User.full_name))
    for trainer_id, name, n_cohorts, n_people, enrolled, trained, defended in db.session.execute(people):
        rows[trainer_id] = TrainerRow(trainer_id, name, n_cohorts, n_people, int(enrolled), int(trained),
                                      int(defended))
    marks = (sa.select(Cohort.trainer_id, _count(Attendance.mark == Mark.PRESENT), sa.func.count(Attendance.id))
             .select_from(Attendance).join(TrainingDay, TrainingDay.id == Attendance.training_day_id)
             .join(Cohort, Cohort.id == TrainingDay.cohort_id)
             .where(Cohort.id.in_(chosen)).group_by(Cohort.trainer_id))
    for trainer_id, present, total in db.session.execute(marks):
        if trainer_id in rows:
            rows[trainer_id].present, rows[trainer_id].marks = int(present), int(total)
    return sorted(rows.values(), key=lambda r: _alpha(r.name))


def _alpha(name: str):
    from ..i18n import alphabetical
    return alphabetical(name)


def _sorted(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: _alpha(r.name))
