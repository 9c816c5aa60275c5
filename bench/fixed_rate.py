"""Requests at a fixed rate, open loop: request i is sent at start + i ÷ rate whatever the answers before it take,
each on a connection of its own opened at that moment, and its time counts from that moment, so a request that
waits for the server counts its wait (no coordinated omission).

Why not locust or wrk: locust's constant_throughput users, like wrk's connections, each wait for their answer
before the next request; 50 of them started together stay in step, so a "fixed rate" reaches the server as bursts
of 50 (the start page, 2 ms alone, measured a 32 ms median at 30 a second). wrk's delay() keeps a timetable but
opens the connection before waiting, and a gunicorn sync worker that has accepted a connection waits for its
request: five workers were held by idle connections (p95 2 s at 10 % of capacity). Behind nginx, as in
production, gunicorn sees whole requests only, as it does here.

    asyncio.run(send_at_rate("127.0.0.1", 8000, lines, rate=80, seconds=10)) -> {"rate", "p95_ms", "failures", …}
"""
from __future__ import annotations

import asyncio
import time


def raw_request(method: str, path: str, cookie: str, body: str, host: str) -> bytes:
    """One HTTP/1.1 request as bytes, closing its connection (as each of a real user's requests reaches gunicorn)."""
    payload = body.encode()
    headers = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Accept-Encoding: gzip, deflate, br", "Connection: close"]
    if cookie:
        headers.append(f"Cookie: {cookie}")
    if method == "POST":
        headers += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + payload


async def _one(host: str, port: int, request: bytes, due: float, timeout: float) -> tuple[float, bool]:
    """(seconds from `due` until the whole answer was read, whether it was a 2xx or 3xx)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.write(request)
        answer = await asyncio.wait_for(reader.read(), timeout)  # gunicorn closes after the answer
        writer.close()
        ok = answer[9:10] in (b"2", b"3")  # "HTTP/1.1 200 …"
    except (OSError, asyncio.TimeoutError):
        ok = False
    return time.monotonic() - due, ok


async def send_at_rate(host: str, port: int, lines: list[tuple[str, str, str, str]], rate: float, seconds: float,
                       timeout: float = 10.0) -> dict:
    """Send `lines` (method, path, cookie, body) in turn at `rate` a second for `seconds`: achieved rate, latency
    percentiles from each request's due time, and the requests that failed (not 2xx/3xx, refused, timed out)."""
    requests = [raw_request(*line, host=f"{host}:{port}") for line in lines]
    count = max(1, int(rate * seconds))
    start = time.monotonic() + 0.05
    tasks = []
    for i in range(count):
        due = start + i / rate
        pause = due - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        tasks.append(asyncio.create_task(_one(host, port, requests[i % len(requests)], due, timeout)))
    results = await asyncio.gather(*tasks)
    elapsed = max(time.monotonic() - start, 1e-9)
    times = sorted(seconds for seconds, ok in results if ok)
    failures = sum(1 for _, ok in results if not ok)

    def percentile(p: int) -> float:
        return times[min(len(times) - 1, int(len(times) * p / 100))] * 1000 if times else float("inf")
    return {"target": rate, "rate": len(results) / elapsed, "p50_ms": percentile(50), "p95_ms": percentile(95),
            "p99_ms": percentile(99), "failures": failures}
