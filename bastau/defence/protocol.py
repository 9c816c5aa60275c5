"""The defence protocol: who of the commission was present, every member's points per criterion per
participant, the averages and the results, on a page and as a signable A4 PDF (signature lines for the members
present). A member counts as present when they scored at least one plan of the session."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from .. import rules
from ..documents import official_date, set_metadata
from ..formats import percent
from ..models import Application, DefenceSession, RubricCriterion, User
from . import services
from .certificate import FONTS


@dataclass
class Row:
    """One participant: member id -> criterion id -> points, member id -> shown percent, and the result."""
    application: Application
    points: dict[int, dict[int, int]] = field(default_factory=dict)
    totals: dict[int, int] = field(default_factory=dict)
    average: int | None = None
    result: str | None = None  # "defended", "not_defended", "absent"; None while the session is open


@dataclass
class Protocol:
    session: DefenceSession
    closed: bool
    closed_on: object
    present: list[User]
    not_present: list[User]
    criteria: list[RubricCriterion]
    rows: list[Row]

    def count(self, result: str) -> int:
        return sum(1 for row in self.rows if row.result == result)


def build(user: User, session: DefenceSession) -> Protocol:
    closed = services.is_closed(session)
    people = services.participants(user, session)
    rubric = services.criteria()
    members = list(session.members)
    member_ids = {m.id for m in members}
    rows = {a.id: Row(a) for a in people}
    for score in services.scores_of(session.id, list(rows)):
        if score.member_id in member_ids:
            rows[score.application_id].points.setdefault(score.member_id, {})[score.criterion_id] = score.points
    results = services.results_of(session.id) if closed else {}
    for row in rows.values():
        percents = [rules.weighted_percent(points, rubric) for points in row.points.values()]
        row.totals = {m: rules.shown_percent(rules.weighted_percent(p, rubric)) for m, p in row.points.items()}
        found = results.get(row.application.id)
        if found is not None:
            row.average = found.average_percent
            row.result = "absent" if found.absent else "defended" if found.defended else "not_defended"
        elif percents:
            row.average = rules.shown_percent(rules.defence_average(percents))
    scored = {m for row in rows.values() for m in row.points}
    return Protocol(session=session, closed=closed, closed_on=services.closed_on(session) if closed else None,
                    present=[m for m in members if m.id in scored], not_present=[m for m in members if m.id not in scored],
                    criteria=rubric, rows=list(rows.values()))


def result_words(result: str | None) -> str:
    return {"defended": _("Defended"), "not_defended": _("Not defended"), "absent": _("Did not come")}.get(
        result, _("Not decided yet"))


def language_of(protocol: Protocol) -> str:
    """The commission's language: the cohort's, in which the plans were defended and the members scored them.
    The protocol is read and signed by these members only, so one language, not two (see the certificate)."""
    return protocol.session.cohort.language


def render(protocol: Protocol) -> bytes:
    """A4 portrait, in the commission's language whatever the staff member's page language, with DejaVu embedded
    so that Kazakh letters print anywhere."""
    language = language_of(protocol)
    with force_locale(language):
        return _render(protocol, language)


def _render(protocol: Protocol, language: str) -> bytes:
    session = protocol.session
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    set_metadata(pdf, title=_("Protocol of the business plan defence"),
                 subject=_("Cohort №%(title)s, %(district)s", title=session.cohort.title,
                           district=session.cohort.district.name), language=language)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(width, 7, _("Protocol of the business plan defence"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(width, 5, _("Bastau Business entrepreneurship training programme"), align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    lines = [
        _("Cohort №%(title)s, %(district)s", title=session.cohort.title, district=session.cohort.district.name),
        _("Date of the defence: %(date)s", date=official_date(session.held_on, language)),
        _("Place: %(place)s", place=session.place),
        _("Commission members present: %(names)s",
          names=", ".join(m.full_name for m in protocol.present) or "—"),
    ]
    if protocol.not_present:
        lines.append(_("Members who scored no plan: %(names)s",
                       names=", ".join(m.full_name for m in protocol.not_present)))
    if protocol.closed:
        lines.append(_("Defended: %(defended)s, not defended: %(not_defended)s, did not come: %(absent)s",
                       defended=protocol.count("defended"), not_defended=protocol.count("not_defended"),
                       absent=protocol.count("absent")))
    else:
        lines.append(_("Draft: the session is not closed yet, the results are not final."))
    for line in lines:
        pdf.multi_cell(width, 5.5, line, new_x="LMARGIN", new_y="NEXT")

    columns = protocol.present or list(session.members)
    member_width = min(28, (width - 70) / max(len(columns), 1))
    criterion_width = width - member_width * len(columns)
    for number, row in enumerate(protocol.rows, start=1):
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(width, 6, f"{number}. {row.application.full_name}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        with pdf.table(col_widths=(criterion_width, *([member_width] * len(columns))), width=width,
                       text_align=("LEFT", *(["CENTER"] * len(columns))), line_height=4.2,
                       headings_style=FontFace(emphasis="BOLD"), padding=1) as table:
            heading = table.row()
            heading.cell(_("Criterion (weight)"))
            for member in columns:
                heading.cell(member.full_name)
            for criterion in protocol.criteria:
                cells = table.row()
                cells.cell(_("%(text)s (×%(weight)s, up to %(max)s)", text=criterion.text, weight=criterion.weight,
                             max=criterion.max_points))
                for member in columns:
                    value = row.points.get(member.id, {}).get(criterion.id)
                    cells.cell("—" if value is None else str(value))
            total = table.row()
            total.cell(_("Weighted total"))
            for member in columns:
                value = row.totals.get(member.id)
                total.cell(percent(value, 0))
        pdf.set_font("DejaVu", "B", 10)
        average = percent(row.average, 0)
        pdf.multi_cell(width, 6, _("Average: %(average)s. Result: %(result)s.", average=average,
                                   result=result_words(row.result)), new_x="LMARGIN", new_y="NEXT")

    pdf.ln(6)
    if pdf.get_y() > pdf.h - 30 - 12 * len(protocol.present):
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(width, 6, _("Signatures of the commission members present"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for member in protocol.present:
        pdf.ln(6)
        pdf.cell(width * 0.5, 6, member.full_name)
        pdf.cell(width * 0.3, 6, "_" * 24)
        pdf.cell(width * 0.2, 6, _("(signature)"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.cell(width, 6, _("Date: ____________"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
