"""The dashboard's figures: one grouped query per level over the tallies (plus one for the plan). The tallies
(bastau/dashboard/tallies.py) hold these counts per programme year, district and cohort, kept current in the
same transaction as every change they count, so a dashboard's cost does not grow with the applications.

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
from ..models import (Application, Attendance, Cohort, DashboardTally, District, DistrictPlan, Mark, NationalPlan,
                      Region, RegionPlan, Status, TrainingDay, User)
from .tallies import COLUMNS  # importing the tallies also registers the session events that keep them current

# From the life-cycle table: each column counts the statuses at or after its step (see bastau/lifecycle.py).
REACHED: dict[str, frozenset[Status]] = {
    name: GROUPS[name] for name in ("confirmed", "test_passed", "enrolled", "expelled", "trained", "defended")}
TRAINING_SIDE = ("enrolled", "expelled", "trained", "defended", "completion", "participation", "referred",
                 "loans", "loan_sum", "opened", "jobs")
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


def _tallied(group_by, filters: Filters, where=(), by_region: bool = False) -> dict:
    """Every column for each value of `group_by`, summed from the tallies (bastau/dashboard/tallies.py): a few
    hundred rows for the year whatever the number of applications. Narrowing joins the cohort of each tally."""
    tally = DashboardTally
    training = sa.true()
    if filters.cohort_number:
        training = sa.and_(training, Cohort.number == filters.cohort_number)
    if filters.language:
        training = sa.and_(training, Cohort.language == filters.language)

    def summed(name):
        column = getattr(tally, name)
        if filters.narrowed and name in TRAINING_SIDE:
            column = sa.case((training, column), else_=0)
        return sa.func.coalesce(sa.func.sum(column), 0).label(name)

    query = sa.select(group_by.label("key"), *(summed(name) for name in COLUMNS)).select_from(tally)
    if filters.narrowed:
        query = query.outerjoin(Cohort, Cohort.id == tally.cohort_key)
    if by_region:
        query = query.join(District, District.id == tally.district_id)
    query = query.where(tally.programme_year == filters.year, *where).group_by(group_by)
    return {line["key"]: {name: int(line[name]) for name in COLUMNS}
            for line in db.session.execute(query).mappings()}


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
    counted = _tallied(District.region_id, filters, by_region=True)
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
    counted = _tallied(DashboardTally.district_id, filters, where=(District.region_id == region.id,), by_region=True)
    _, region_plans, district_plans = plans(filters.year)
    rows = []
    for place in db.session.scalars(sa.select(District).where(District.region_id == region.id)):
        row = Row(key=place.id, name=place.name, plan=district_plans.get(place.id))
        row.figures.update(counted.get(place.id, {}))
        rows.append(row)
    return _sorted(rows), _total(rows, region.name, region_plans.get(region.id))


def district(place: District, filters: Filters, not_in_cohort: str) -> tuple[list[Row], Row]:
    """A row per cohort of the district's year (and one for people not in a cohort), and the district's total."""
    counted = _tallied(DashboardTally.cohort_key, filters, where=(DashboardTally.district_id == place.id,))
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
    counted = _tallied(DashboardTally.cohort_key, Filters(group.programme_year),
                       where=(DashboardTally.cohort_key == group.id,))
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
