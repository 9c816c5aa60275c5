"""The benchmarks' own tools: the IIN generator of bench/wrk/iin.lua against bastau.rules, the reading of wrk's
output in bench/load.py, and bench/calendar_run.py at a small scale. The Lua runs in a `lua`/`luajit` interpreter
if there is one, else in wrk's own LuaJIT (the script prints and exits before wrk connects anywhere); without either
that part is skipped."""
from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from bastau import rules
from bastau.jobs import PERIODIC

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import calendar_run  # noqa: E402
import load  # noqa: E402

# Captured from a real run: `wrk -t2 -c50 -d3s --latency -s bench/wrk/submit.lua` with 50 journeys refused (422).
WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:39521/
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   871.57ms  213.68ms   1.26s    70.20%
    Req/Sec    35.67     27.36   110.00     66.67%
  151 requests in 3.07s, 1.61MB read
  Non-2xx or 3xx responses: 50
Requests/sec:     49.17
Transfer/sec:    537.87KB
BENCH_JSON {"requests": 151, "duration_us": 3071003, "bytes": 1691454, "p50_us": 897472, "p95_us": 1151037, \
"p99_us": 1243862, "max_us": 1260920, "status_errors": 50, "connect_errors": 0, "read_errors": 0, \
"write_errors": 0, "timeouts": 0, "journeys_done": 0, "journeys_failed": 50}
"""


def run_lua(code: str, tmp_path: Path) -> str:
    script = tmp_path / "probe.lua"
    script.write_text(f'dofile("bench/wrk/iin.lua")\n{code}\nio.stdout:flush()\nos.exit(0)\n')
    interpreter = shutil.which("luajit") or shutil.which("lua") or shutil.which("lua5.1")
    if interpreter:
        command = [interpreter, str(script)]
    elif shutil.which("wrk"):
        command = [shutil.which("wrk"), "-s", str(script), "http://127.0.0.1:9/"]
    else:
        pytest.skip("neither a Lua interpreter nor wrk is installed")
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, timeout=60).stdout


def test_lua_check_digit_is_the_rules_check_digit(tmp_path):
    rng = random.Random(11)
    firsts = [f"{rng.randrange(10**11):011d}" for _ in range(3000)]
    (tmp_path / "firsts.txt").write_text("\n".join(firsts) + "\n")
    output = run_lua(f'for line in io.lines("{tmp_path / "firsts.txt"}") do '
                     'io.write(tostring(iin_check_digit(line)), "\\n") end', tmp_path)
    expected = [str(rules.iin_check_digit(first)) if rules.iin_check_digit(first) is not None else "nil"
                for first in firsts]
    assert output.split() == expected
    assert "nil" in expected  # the sample reaches the case where no check digit exists


def test_lua_iins_are_valid_distinct_adults_born_as_numbered(tmp_path):
    numbers = list(range(0, 25_000)) + [load.IIN_BLOCK * 3 + k * 64 + 1 for k in range(2_000)]
    (tmp_path / "numbers.txt").write_text("\n".join(map(str, numbers)) + "\n")
    output = run_lua(f'for line in io.lines("{tmp_path / "numbers.txt"}") do '
                     'io.write(tostring(iin_for(tonumber(line))), "\\n") end', tmp_path).split()
    assert len(output) == len(numbers)
    made = [iin for iin in output if iin != "nil"]
    assert len(set(made)) == len(made) > 0.98 * len(numbers)
    for k, iin in zip(numbers, output):
        first = f"{date(1985, 1, 1) + timedelta(days=k // 10000):%y%m%d}{3 + k % 2}{k % 10000:04d}"
        if iin == "nil":
            assert rules.iin_check_digit(first) is None
            continue
        facts = rules.parse_iin(iin)
        assert iin[:11] == first
        assert facts.birth_date == date(1985, 1, 1) + timedelta(days=k // 10000)
        assert facts.sex == ("male" if k % 2 == 0 else "female")
        assert rules.is_adult(facts.birth_date, date.today())


def test_seeded_iins_never_meet_the_load_tests_iins():
    sys.path.insert(0, str(ROOT / "bench"))
    import seed
    iins = seed._iins()
    made = [next(iins) for _ in range(60_000)]
    assert len({iin for iin, _born in made}) == len(made)
    assert all(rules.iin_is_valid(iin) and born.year < 1985 for iin, born in made)


def test_parse_wrk_reads_the_figures_of_a_real_run():
    figures = load.parse_wrk(WRK_OUTPUT)
    result = load.Result("application", "database", figures)
    assert figures["requests"] == 151
    assert result.rate == pytest.approx(151 / 3.071003)
    assert result.ms(95) == pytest.approx(1151.037)
    assert result.errors == 100  # 50 refused answers, 50 journeys without a receipt


def test_parse_wrk_without_the_json_line_fails_loudly():
    with pytest.raises(ValueError, match="BENCH_JSON"):
        load.parse_wrk(WRK_OUTPUT.split("BENCH_JSON")[0])


def figures(rate: float, p95_ms: float, status_errors: int = 0) -> dict:
    return {"requests": int(rate * 10), "duration_us": 10_000_000, "p50_us": p95_ms * 500, "p95_us": p95_ms * 1000,
            "p99_us": p95_ms * 1200, "status_errors": status_errors, "connect_errors": 0, "read_errors": 0,
            "write_errors": 0, "timeouts": 0}


def test_table_marks_each_goal_met_or_missed_and_shows_errors():
    hello = load.Result("hello", "ceiling", figures(2000, 20))
    fast = load.Result("start page", "content", figures(1200, 40))
    slow = load.Result("dashboard", "database", figures(500, 80, status_errors=7))
    assert load.verdict(fast, hello) == ("met", "met (≥ 0.5×)")
    assert load.verdict(slow, hello) == ("**missed**", "missed (≥ 0.3×)".replace("missed", "**missed**"))
    rows = load.table([hello, fast, slow]).splitlines()
    assert "| dashboard | 500 | 0.25 |" in rows[-1] and "| **7** |" in rows[-1]


def test_a_page_whose_every_answer_timed_out_misses_the_latency_goal():
    hello = load.Result("hello", "ceiling", figures(2000, 20))
    lost = load.Result("dashboard", "database", figures(1, 0) | {"timeouts": 15})
    assert load.verdict(lost, hello)[0] == "**missed**"
    assert f"| > {load.TIMEOUT * 1000:,} |" in load.table([hello, lost]).splitlines()[-1]


def test_the_calendar_bench_runs_small_and_reports_each_job_and_the_goal():
    """bench/calendar_run.py at 2,000 applications on SQLite: the seeding still fits the schema, the run moves
    people, and the section names every job and the goal (the real run, at 500,000, is `make bench`'s)."""
    report = calendar_run.run(total=2_000, databases=("sqlite",))
    assert "not available" not in report, report
    assert "2,000 applications" in report
    for job in PERIODIC:
        assert report.count(f"| {job.name} |") == 1, job.name
    started, completed = map(int, re.search(r"\| training_moves \|[^|]+\|[^|]+\| (\d+) started, (\d+) completed",
                                            report).groups())
    assert started > 0 and completed > 0  # a cohort began today and another ended yesterday
    assert re.search(r"\| training_moves \|(?:[^|]+\|){4}[^|]+\| 0 started, 0 completed \|", report)  # then nothing
    assert re.search(r"Goal: one full calendar run under 10 s — SQLite (met|\*\*missed\*\*) \(", report)


def test_the_sms_bench_drains_a_small_outbox_and_the_server_sees_each_message_once():
    """bench/sms_throughput.py at 100 messages on SQLite, 40 a run: three runs of `sms_delivery` hand them all to
    the local Mobizon-like server, which gets one request per message and none twice (the real run, at 3,000 and
    200 a run, is `make bench`'s)."""
    import sms_throughput
    report = sms_throughput.run(messages=100, databases=("sqlite",), batch=40)
    assert "not available" not in report, report
    assert ("| database | messages | runs | total s | messages/s | requests the server saw | each message once |"
            in report)
    [row] = [line for line in report.splitlines() if line.startswith("| SQLite")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1:3] == ["100", "3"]  # 100 messages in runs of 40, 40 and 20
    assert float(cells[3]) > 0 and float(cells[4].replace(",", "")) > 0
    assert cells[5:8] == ["100", "yes", "0"]  # 100 requests, each message once, none failed or left
    assert re.search(r"SQLite: seeded in [\d.]+ s", report)
