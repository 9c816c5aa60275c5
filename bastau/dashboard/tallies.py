"""The dashboard's figures kept as tallies: one row per (programme year, district, cohort or 0), so a dashboard
sums a few hundred rows instead of counting every application of the year (issue 18).

One definition of the counts (`contributions`, what bastau/dashboard/figures.py's docstring says each column
counts), used twice:
- `recount()` writes it for every application (the migration's fill, `flask dashboard recount`, the bench);
- the session events below count the touched applications' contribution before a flush and again after it, and
  add the difference with an upsert in the same transaction, so the tally follows every status change that
  lifecycle.move_to makes, and every certificate, loan referral and follow-up.
Bulk `sa.update`/`sa.delete` statements bypass the session's bookkeeping: none in the app touches a counted
column (anonymisation's bulk update of loan referrals clears only the decline reason); code that does must call
`recount()`.
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from itertools import chain

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history

from ..lifecycle import GROUPS
from ..models import Application, BusinessFollowUp, Certificate, CertificateKind, DashboardTally, LoanReferral

COLUMNS = ("applied", "confirmed", "test_passed", "enrolled", "expelled", "trained", "defended", "completion",
           "participation", "referred", "loans", "loan_sum", "opened", "jobs")
KEY = ("programme_year", "district_id", "cohort_key")
# The fields whose change moves an application's contribution, per counted table.
COUNTED_FIELDS = {
    Application: ("programme_year", "district_id", "cohort_id", "status"),
    Certificate: ("application_id", "kind"),
    LoanReferral: ("application_id", "issued_on", "issued_amount"),
    BusinessFollowUp: ("application_id", "months_after", "business_opened", "jobs_created"),
}
_PENDING = "dashboard_tally_pending"
STEPS = ("confirmed", "test_passed", "enrolled", "expelled", "trained", "defended")


def _has(name: str) -> sa.ColumnElement:
    return Application.status.in_(sorted(GROUPS[name], key=lambda s: s.value))


def _count(condition) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _queries(application_ids) -> tuple[sa.Select, sa.Select]:
    """The two grouped statements: the steps (applications only), then certificates, loans and the latest
    follow-up, which belong to people who finished training (read for those rows only)."""
    # a literal 0, not a bound parameter: PostgreSQL must see the grouped expression and the selected one alike
    cohort_key = sa.func.coalesce(Application.cohort_id, sa.literal_column("0"))
    key = (Application.programme_year, Application.district_id, cohort_key.label("cohort_key"))
    limit = () if application_ids is None else (Application.id.in_(sorted(application_ids)),)
    steps = (sa.select(*key, sa.func.count(Application.id).label("applied"),
                       *(_count(_has(name)).label(name)
                         for name in STEPS))
             .where(*limit).group_by(*key[:2], cohort_key))
    scope = sa.select(Application.id).where(_has("trained"), *limit)
    issued = LoanReferral.issued_on.is_not(None)
    loans = (sa.select(LoanReferral.application_id.label("application_id"),
                       sa.func.max(sa.case((issued, 1), else_=0)).label("issued"),
                       sa.func.sum(sa.case((issued, sa.func.coalesce(LoanReferral.issued_amount, 0)), else_=0))
                       .label("amount"))
             .where(LoanReferral.application_id.in_(scope)).group_by(LoanReferral.application_id).subquery("loans"))
    last = (sa.select(BusinessFollowUp.application_id.label("application_id"),
                      sa.func.max(BusinessFollowUp.months_after).label("months"))
            .where(BusinessFollowUp.application_id.in_(scope))
            .group_by(BusinessFollowUp.application_id).subquery("last_check"))
    follow = sa.orm.aliased(BusinessFollowUp, name="follow")
    opened = follow.business_opened.is_(True)
    after = (sa.select(*key,
                       _count(Certificate.kind == CertificateKind.COMPLETION).label("completion"),
                       _count(Certificate.kind == CertificateKind.PARTICIPATION).label("participation"),
                       _count(loans.c.application_id.is_not(None)).label("referred"),
                       _count(loans.c.issued == 1).label("loans"),
                       sa.func.coalesce(sa.func.sum(loans.c.amount), 0).label("loan_sum"),
                       _count(opened).label("opened"),
                       sa.func.coalesce(sa.func.sum(sa.case((opened, follow.jobs_created), else_=0)), 0)
                       .label("jobs"))
             .select_from(Application)
             .outerjoin(Certificate, Certificate.application_id == Application.id)
             .outerjoin(loans, loans.c.application_id == Application.id)
             .outerjoin(last, last.c.application_id == Application.id)
             .outerjoin(follow, sa.and_(follow.application_id == Application.id, follow.months_after == last.c.months))
             .where(_has("trained"), *limit).group_by(*key[:2], cohort_key))
    return steps, after


def contributions(connection, application_ids=None) -> dict[tuple, dict[str, int]]:
    """{(year, district, cohort or 0): {column: count}} for the given applications (None: all of them)."""
    if application_ids is not None and not application_ids:
        return {}
    counted: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    for query in _queries(application_ids):
        for line in connection.execute(query).mappings():
            counted[tuple(line[k] for k in KEY)].update(
                {name: int(value or 0) for name, value in line.items() if name not in KEY})
    return dict(counted)


def recount(connection) -> int:
    """Rewrite every tally from the applications (repairs; after bulk loads). Returns the number of rows."""
    counted = contributions(connection)
    connection.execute(sa.delete(DashboardTally))
    rows = [dict(zip(KEY, key)) | figures for key, figures in sorted(counted.items())]
    if rows:
        connection.execute(sa.insert(DashboardTally), rows)
    return len(rows)


def tallies(connection) -> dict[tuple, dict[str, int]]:
    """The stored tallies, in `contributions`' shape (rows of zeros left out), to compare with a recount."""
    table = DashboardTally.__table__
    stored = {}
    for line in connection.execute(sa.select(table)).mappings():
        figures = {name: int(line[name]) for name in COLUMNS}
        if any(figures.values()):
            stored[tuple(line[k] for k in KEY)] = figures
    return stored


def _add(connection, delta: dict[tuple, dict[str, int]]) -> None:
    """Add the differences, in one upsert; keys sorted, so concurrent transactions lock rows in the same order."""
    rows = [dict(zip(KEY, key)) | figures for key, figures in sorted(delta.items()) if any(figures.values())]
    if not rows:
        return
    connection.execute(_upsert(connection.dialect.name), rows)


@lru_cache(maxsize=None)
def _upsert(dialect_name: str):
    """The upsert, built once: its rows go as parameters, so SQLAlchemy compiles it once too (built with the rows
    inside, it was compiled anew on every write: a third of a submission's time)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = DashboardTally.__table__
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(KEY), set_={name: table.c[name] + statement.excluded[name] for name in COLUMNS})


def _changed(obj, fields) -> bool:
    # get_history, not inspect(obj).attrs: that builds a state for every attribute of the row, which made this
    # a third of a calendar run's flush of a thousand moves
    return any(get_history(obj, name, passive=PASSIVE_NO_INITIALIZE).has_changes() for name in fields)


def _application_ids(obj) -> set[int]:
    """The applications an object counts for: its own id, or its application's (also the one it left)."""
    if isinstance(obj, Application):
        return {obj.id} if obj.id is not None else set()
    ids = set(get_history(obj, "application_id", passive=PASSIVE_NO_INITIALIZE).deleted) | {obj.application_id}
    parent = sa.inspect(obj).dict.get("application")  # only if loaded: never a query inside a flush
    if parent is not None and getattr(parent, "id", None) is not None:
        ids.add(parent.id)
    return {i for i in ids if i is not None}


_KEYS = ("programme_year", "district_id", "cohort_id")
_UNKNOWN = object()


def _loaded(obj, name: str, old: bool):
    """The attribute's value before the flush (`old`) or after it, from what the session holds; _UNKNOWN when it is
    not loaded (then the SQL path counts it)."""
    state = sa.inspect(obj)
    if name not in state.dict and name not in state.committed_state:
        # A new row's attribute never set is inserted as its column's plain default, or NULL when there is none
        # (a new application's status and cohort): known without a query.
        column = obj.__table__.c[name]
        if not state.pending or column.server_default is not None:
            return _UNKNOWN
        if column.default is None:
            return None
        return column.default.arg if column.default.is_scalar else _UNKNOWN
    history = get_history(obj, name, passive=PASSIVE_NO_INITIALIZE)
    values = (history.deleted or history.unchanged) if old else (history.added or history.unchanged)
    return values[0] if values else None


def _counted_in_python(obj, new: bool) -> tuple[tuple, dict[str, int]] | None:
    """An application's move counted from the session alone, the common case (a status change, or a new
    application, with its year, district and cohort set as ids and not moving; before and after training): no
    query. None when the SQL path must count it (moved keys, relationships set instead of ids, deleted, not
    loaded, or training finished on either side, where certificates, loans and follow-ups count)."""
    if any(get_history(obj, name, passive=PASSIVE_NO_INITIALIZE).has_changes() for name in ("cohort", "district")):
        return None
    key = tuple(_loaded(obj, name, old=False) for name in _KEYS)
    if _UNKNOWN in key or key[1] is None or (not new and any(
            get_history(obj, name, passive=PASSIVE_NO_INITIALIZE).has_changes() for name in _KEYS)):
        return None
    statuses = [None if new else _loaded(obj, "status", old=True), _loaded(obj, "status", old=False)]
    if _UNKNOWN in statuses or any(status in GROUPS["trained"] for status in statuses):
        return None
    key = (key[0], key[1], key[2] or 0)
    delta = dict.fromkeys(COLUMNS, 0)
    for sign, status in ((-1, statuses[0]), (1, statuses[1])):
        if status is None:
            continue
        delta["applied"] += sign
        for name in STEPS:
            delta[name] += sign * (status in GROUPS[name])
    return key, delta


@event.listens_for(Session, "before_flush")
def _before_flush(session, _context, _instances) -> None:
    touched, counted = [], defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    for obj in chain(session.new, session.dirty, session.deleted):
        fields = COUNTED_FIELDS.get(type(obj))
        if fields is None:
            continue
        if obj in session.new or obj in session.deleted or _changed(obj, fields):
            touched.append(obj)
    if not touched:
        return
    slow = [obj for obj in touched if not isinstance(obj, Application) or obj in session.deleted]
    slow_ids = set().union(*(_application_ids(obj) for obj in slow)) if slow else set()
    for obj in touched:
        if obj in slow:
            continue
        quick = None if obj.id in slow_ids else _counted_in_python(obj, obj in session.new)
        if quick is None:
            slow.append(obj)
            continue
        key, figures = quick
        for name, value in figures.items():
            counted[key][name] += value
    ids = set().union(*(_application_ids(obj) for obj in slow)) if slow else set()
    before = contributions(session.connection(), ids)
    session.info.setdefault(_PENDING, []).append((slow, ids, before, dict(counted)))


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    slow, ids, before, counted = pending.pop()
    # new rows have their ids now
    ids = ids.union(*(_application_ids(obj) for obj in slow))
    after = contributions(session.connection(), ids)
    delta = {key: dict(figures) for key, figures in counted.items()}
    for key in set(before) | set(after):
        old, new = before.get(key, {}), after.get(key, {})
        figures = delta.setdefault(key, dict.fromkeys(COLUMNS, 0))
        for name in COLUMNS:
            figures[name] += new.get(name, 0) - old.get(name, 0)
    _add(session.connection(), delta)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, _previous) -> None:
    session.info.pop(_PENDING, None)
