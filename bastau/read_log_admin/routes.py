"""The national administrator's read-log pages: who looked at a person (looked up by reference number or IIN,
sent by POST so that neither ends up in an address or a server log), and every access in a time window as CSV
or XLSX for a breach notice (94-V: due within one working day)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, request
from flask_babel import format_datetime, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Form, StringField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from .. import exports, read_log, rules
from ..clock import today
from ..extensions import db
from ..forms import DATE_FORMATS, ENTER_A_DATE, FILL_IN
from ..labels import ROLE_LABELS
from ..models import Application, Role
from ..web import render_page, role_required

bp = Blueprint("read_log_admin", __name__, url_prefix="/admin/read-log")
NOT_FOUND = _l("No application has this reference number or IIN.")
FORMATS = ("csv", "xlsx")


class PersonForm(FlaskForm):
    person = StringField(_l("Reference number or IIN"), description=_l("For example BB-2026-000123 or 12 digits"),
                         validators=[DataRequired(message=FILL_IN)],
                         render_kw={"autocomplete": "off", "maxlength": 20})


def _not_before_first(form, field):
    if form.first.data and field.data and field.data < form.first.data:
        raise ValidationError(_l("The last day cannot be before the first day."))


class WindowForm(Form):
    """Read from the address: the window is not personal, and a GET download can be bookmarked."""
    first = DateField(_l("First day"), format=DATE_FORMATS, invalid_value_message=ENTER_A_DATE,
                      validators=[InputRequired(message=FILL_IN)])
    last = DateField(_l("Last day"), format=DATE_FORMATS, invalid_value_message=ENTER_A_DATE,
                     validators=[InputRequired(message=FILL_IN), _not_before_first])


def _index(person_form=None, window_form=None, status: int = 200, **context):
    if window_form is None:
        window_form = WindowForm(data={"first": today() - timedelta(days=7), "last": today()})
    return render_page("read_log/index.html", person_form=person_form or PersonForm(formdata=None),
                       window_form=window_form, status=status, **context)


@bp.get("")
@role_required(Role.NATIONAL_ADMIN)
def index():
    return _index()


def _applications(typed: str) -> list[Application]:
    parsed = Application.parse_reference(typed)
    if parsed:
        year, number = parsed
        query = sa.select(Application).where(Application.id == number, Application.programme_year == year)
    else:
        query = sa.select(Application).where(Application.iin == rules.normalise_iin(typed)[:12])
    return list(db.session.scalars(query.order_by(Application.id)))


@bp.post("/person")
@role_required(Role.NATIONAL_ADMIN)
def person():
    form = PersonForm()
    if not form.validate_on_submit():
        return _index(person_form=form, status=422)
    found = _applications(form.person.data)
    if not found:
        return _index(person_form=form, status=404, not_found=NOT_FOUND)
    for application in found:  # this look-up is itself a look at the person
        read_log.record(read_log.READ_LOG_PERSON, application.id)
    return render_page("read_log/person.html", people=[(a, read_log.looked_at(a)) for a in found],
                       kinds=read_log.KIND_LABELS, object_title=read_log.object_title, roles=_role_labels())


person.on_csrf_error = lambda: _index(status=400, notice=_l("For your safety the page was renewed. "
                                                              "Press the button again."))


def _role_labels() -> dict[str, str]:
    return {role.value: label for role, label in ROLE_LABELS.items()}


@bp.get("/accesses.<kind>")
@role_required(Role.NATIONAL_ADMIN)
def accesses(kind: str):
    if kind not in FORMATS:
        return _index(status=404)
    form = WindowForm(request.args)
    if not form.validate():
        return _index(window_form=form, status=422)
    return exports.download(_table(form.first.data, form.last.data), kind,
                            [gettext("Read log"), f"{form.first.data:%d.%m.%Y}–{form.last.data:%d.%m.%Y}"],
                            f"read-log-{form.first.data.isoformat()}-{form.last.data.isoformat()}")


def _table(first, last) -> exports.Table:
    roles = _role_labels()
    rows = [[format_datetime(entry.created_at, "dd.MM.yyyy HH:mm:ss"), entry.actor_id,
             user.username if user else None, str(roles.get(entry.actor_role, entry.actor_role)), entry.actor_role,
             str(read_log.KIND_LABELS.get(entry.kind, entry.kind)), entry.kind, entry.object_id, entry.address]
            for entry, user in db.session.execute(read_log.in_window(first, last))]
    headers = [gettext("Time (Almaty)"), gettext("Staff account id"), gettext("Username"), gettext("Role"),
               gettext("Role code"), gettext("What was seen"), gettext("Kind code"), gettext("Object id"),
               gettext("Network address")]
    return exports.Table(title=gettext("Read log from %(first)s to %(last)s", first=f"{first:%d.%m.%Y}",
                                       last=f"{last:%d.%m.%Y}"),
                         headers=headers, rows=rows, sheet_name=gettext("Read log"),
                         widths=[20, 10, 18, 26, 16, 36, 16, 10, 18])
