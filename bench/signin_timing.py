"""How long a staff sign-in takes for an unknown username, a disabled account, a wrong and a right password, with
the production password hash (scrypt): the times must not tell which accounts exist (bastau/accounts/signin.py).

    .venv/bin/python bench/signin_timing.py

Not a test: it measures (tests/test_signin_hardening.py checks that the same work is done, never the time).
"""
from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from bastau import create_app  # noqa: E402
from bastau.extensions import db  # noqa: E402
from bastau.models import Role, User  # noqa: E402
from bastau.reference import load_all  # noqa: E402

PASSWORD = "bench pass phrase 1"
REPEAT = 21


def _app():
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'signin.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "LOGIN_LIMIT": "100000 per minute",
                      "LOGIN_ACCOUNT_LIMIT": "100000 per minute"})
    with app.app_context():
        upgrade(revision="heads")
        load_all()
        for username, active in (("bench-active", True), ("bench-disabled", False)):
            user = User(username=username, full_name="Бенч", role=Role.NATIONAL_ADMIN, active=active,
                        must_change_password=False)
            user.set_password(PASSWORD)  # scrypt, as in production
            db.session.add(user)
        db.session.commit()
    return app


def _timed(app, login: str, password: str, expected: int) -> list[float]:
    times = []
    for _ in range(REPEAT):
        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          client.get("/staff/login").get_data(as_text=True)).group(1)
        started = time.perf_counter()
        response = client.post("/staff/login", data={"login": login, "password": password, "csrf_token": token})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == expected, (login, response.status_code)
    return times


def main() -> None:
    app = _app()
    _timed(app, "warm-up", "x", 401)  # the stand-in hash is made once, on the first unknown username
    rows = [("unknown username", "nobody-at-all", PASSWORD, 401),
            ("disabled account, right password", "bench-disabled", PASSWORD, 401),
            ("wrong password", "bench-active", "not the password", 401),
            ("right password (signs in)", "bench-active", PASSWORD, 302)]
    print(f"{'sign-in':<36}{'median ms':>10}{'min ms':>8}{'max ms':>8}")
    for name, login, password, expected in rows:
        times = _timed(app, login, password, expected)
        print(f"{name:<36}{statistics.median(times):>10.1f}{min(times):>8.1f}{max(times):>8.1f}")


if __name__ == "__main__":
    main()
