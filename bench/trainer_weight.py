"""Page weights of the trainer's phone pages and the commission's pages, for a cohort of 30.

Run with `.venv/bin/python bench/trainer_weight.py`. Like bench/page_weight.py (whose helpers it uses) it
builds a throw-away SQLite database and measures compressed bytes on the wire as Chromium receives them:
the HTML (headers + compressed body), the first visit (plus every stylesheet and script, none cached) and
the repeat visit (HTML only). The register of 30 must stay under 14 KB: trainers work on weak data.
"""
from __future__ import annotations

import re
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade  # noqa: E402
from page_weight import ENCODING, FIRST_BUDGET, HTML_BUDGET, assets_of, text, wire_size  # noqa: E402

from bastau import create_app, rules  # noqa: E402
from bastau.clock import today  # noqa: E402
from bastau.reference import load_all  # noqa: E402

PASSWORD = "bench-password-1"
COHORT_SIZE = 30
SURNAMES = ("Ахметжанова", "Бейсенов", "Вороненко", "Дүйсенбаев", "Ермекова", "Жанұзақов", "Зейнолла",
            "Ибраһимова", "Қасымбеков", "Ләззатова", "Мұхамеджанов", "Нұрсұлтанова", "Оспанов", "Өтегенова",
            "Рахымжанов")
NAMES = (("Жұлдыз", "Маратқызы"), ("Ержан", "Болатұлы"), ("Ольга", "Сергеевна"), ("Самат", "Нұрланұлы"),
         ("Ләззат", "Сағатқызы"), ("Тимур", "Қайратұлы"))


def seed(app) -> dict:
    """A trainer and a commission member of Қарасай, a cohort of 30 in its third week with marks so far."""
    import sqlalchemy as sa

    from bastau.apply.services import new_submission_key
    from bastau.extensions import db
    from bastau.models import (
        Application,
        Attendance,
        Cohort,
        District,
        Mark,
        Role,
        Status,
        TrainingDay,
        User,
    )
    with app.app_context():
        place = db.session.scalar(sa.select(District).where(District.kato_code == "195200000"))
        users = {}
        for role in (Role.TRAINER, Role.COMMISSION):
            user = User(username=role.value, full_name="Бизнес Жаттықтырушы Тестов", role=role, district_id=place.id,
                        must_change_password=False)
            user.set_password(PASSWORD)
            db.session.add(user)
            users[role] = user
        db.session.flush()
        start = today() - timedelta(days=15)
        cohort = Cohort(district_id=place.id, programme_year=start.year, number=1, language="kk",
                        venue="Қаскелең қаласы, Абылай хан көшесі 25, «Атамекен» филиалы", start_date=start,
                        training_days=28, capacity=30, trainer_id=users[Role.TRAINER].id,
                        created_by_id=users[Role.TRAINER].id)
        cohort.days = [TrainingDay(day_number=i + 1, date=start + timedelta(days=i),
                                   module_number=rules.module_of_day(i, 28)) for i in range(28)]
        db.session.add(cohort)
        db.session.flush()
        people = []
        for n in range(COHORT_SIZE):
            born = datetime(1980 + n % 20, 1 + n % 12, 1 + n % 27).date()
            iin = rules.compose_iin(born, "female" if n % 2 else "male", 5000 + n)
            name, patronymic = NAMES[n % len(NAMES)]
            application = Application(
                programme_year=start.year, iin=iin, surname=SURNAMES[n % len(SURNAMES)], first_name=name,
                patronymic=patronymic, birth_date=born, sex="female" if n % 2 else "male", phone="+77011234567",
                district_id=place.id, social_status="unemployed", education="secondary", channel="akimat",
                status=Status.IN_TRAINING, cohort_id=cohort.id, access_code_hash="-",
                submission_key=new_submission_key(), language="kk", consent_version="2026-1", consent_language="kk",
                consent_at=datetime(2026, 4, 1))
            db.session.add(application)
            people.append(application)
        db.session.flush()
        past = [d for d in cohort.days if d.date < today()]
        for index, day in enumerate(past):
            day.delivered_at, day.delivered_by_id = datetime(2026, 4, 1), users[Role.TRAINER].id
            for p, application in enumerate(people):
                mark = Mark.ABSENT if (p % 7 == 3 and index % 3 == 0) else Mark.EXCUSED if p % 11 == 5 and index == 2 \
                    else Mark.PRESENT
                db.session.add(Attendance(training_day_id=day.id, application_id=application.id, mark=mark,
                                          reason="illness" if mark == Mark.EXCUSED else None,
                                          recorded_by_id=users[Role.TRAINER].id))
        db.session.commit()
        today_day = next(d for d in cohort.days if d.date == today())
        flagged = next(a.id for n, a in enumerate(people) if n % 7 == 3)
        return {"cohort": cohort.id, "today": today_day.id, "past": past[-1].id, "flagged": flagged}


def signed_in(app, username: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_ENCODING"] = ENCODING
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(client.get("/staff/login"))).group(1)
    response = client.post("/staff/login", data={"login": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client


def pages(app, ids: dict):
    trainer = signed_in(app, "trainer")
    yield "my cohorts", trainer.get("/trainer/")
    yield "cohort (30)", trainer.get(f"/trainer/cohorts/{ids['cohort']}")
    yield "register, new (30)", trainer.get(f"/trainer/days/{ids['today']}")
    yield "register, saved (30)", trainer.get(f"/trainer/days/{ids['past']}")
    commission = signed_in(app, "commission")
    yield "flagged (commission)", commission.get("/attendance/flagged")
    yield "decision (commission)", commission.get(f"/commission/participants/{ids['flagged']}")


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bastau-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}", "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        load_all()
    ids = seed(app)
    asset_client = app.test_client()
    asset_sizes: dict[str, int] = {}
    all_ok = True
    print(f"{'page':<24}{'HTML':>10}{'first visit':>14}{'repeat visit':>14}   (bytes on the wire, Brotli)")
    for name, response in pages(app, ids):
        assert response.status_code == 200, (name, response.status_code)
        assert response.headers.get("Content-Encoding") in ("br", "gzip"), name
        body = text(response)
        if name.startswith("register"):
            assert body.count('type="radio"') == 3 * COHORT_SIZE, name  # all 30 are on it
        html = first = wire_size(response)
        for url in assets_of(body):
            if url not in asset_sizes:
                asset_sizes[url] = wire_size(asset_client.get(url, headers={"Accept-Encoding": ENCODING}))
            first += asset_sizes[url]
        ok = html < HTML_BUDGET and first < FIRST_BUDGET
        all_ok &= ok
        print(f"{name:<24}{html:>10,}{first:>14,}{html:>14,}   {'ok' if ok else 'OVER BUDGET'}"
              f"   (uncompressed HTML {len(body.encode()):,} B)")
    print("\nassets:", ", ".join(f"{url.rsplit('/', 1)[-1]} {size:,} B" for url, size in asset_sizes.items()))
    print(f"budgets: HTML < {HTML_BUDGET:,} B, first visit < {FIRST_BUDGET:,} B -> "
          f"{'all within' if all_ok else 'EXCEEDED'}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
