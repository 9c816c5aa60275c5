"""Time until the form is usable in Chromium on DevTools' "3G" preset, first and repeat visit.

Run alone with `.venv/bin/python bench/browser_timing.py`, or as part of `make bench` (bench/run.py calls `run()`).

The app (a fresh SQLite database with the demo data of bench/page_weight.py) is served in this process by werkzeug's
threaded server, as the browser tests do: each request takes the server a few milliseconds against 2,000 ms of
emulated latency, so gunicorn would change nothing measurable here (the load benchmark is where it matters).
Chromium (Playwright, the launch arguments of tests/conftest.py) gets, through a CDP session: Network.enable,
Network.emulateNetworkConditions {latency 2000 ms, 50,000 B/s down and up}, Emulation.setCPUThrottlingRate 4,
and a 360×640 viewport.

"Usable" is read from the page's own clock (performance.now(), 0 = navigation start), as the later of: the load
event's end (every stylesheet and image is in, the inlined loader has run), and the moment the page's first form
field (on the start page: its first action, «Apply») is visible and enabled, checked from DOMContentLoaded on every
animation frame. Every page works without JavaScript, and the scripts run after the load event (bastau/assets.py):
so "usable" no longer waits for them, and the time htmx is ready (its `htmx:load` event on <body>, on the pages
that load it) is a column of its own. First visit = an empty cache and no cookie but the language (a new context;
for the trainer, Network.clearBrowserCache after signing in, which is not timed: the sign-in page may set the
stylesheet's cookie, so the trainer's first visit is timed with the cookie removed too); repeat visit = the same
page navigated to again, cache and cookies kept. The median of 3 runs each; requests and bytes
(encodedDataLength: headers and compressed body) from the Network events of each visit.
"""
from __future__ import annotations

import logging
import os
import statistics
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from page_weight import demo_app  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bastau.assets import CACHED_COOKIE  # noqa: E402
from bastau.demo import DEMO_PASSWORD  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.journey import sign_in_page  # noqa: E402

RUNS = 3
REPEAT_GOAL = 2.3  # seconds, every page; the first visit's goal is each target's own
THREE_G = {"offline": False, "latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
CPU_SLOWDOWN = 4
VIEWPORT = {"width": 360, "height": 640}

# Recorded in every document before its own scripts run (CDP, so the Content-Security-Policy does not apply).
PROBE = """
(() => {
  const probe = window.__bench = {htmx: null, field: null};
  document.addEventListener("htmx:load", (event) => {
    if (event.target === document.body && probe.htmx === null) probe.htmx = performance.now();
  }, true);
  const usable = (el) => {
    if (!el || el.disabled) return false;
    const label = el.id && document.querySelector(`label[for="${el.id}"]`);
    return el.checkVisibility() || Boolean(label && label.checkVisibility());
  };
  const watch = () => {
    if (usable(document.querySelector(window.__benchField))) probe.field = performance.now();
    else requestAnimationFrame(watch);
  };
  document.addEventListener("DOMContentLoaded", watch);
})();
"""
READY = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const probe = window.__bench;
  const usesHtmx = document.querySelector('script[src*="htmx"], link[href*="htmx"]') !== null;
  if (!nav || !nav.loadEventEnd || !probe || probe.field === null || (usesHtmx && probe.htmx === null)) return null;
  return {load: nav.loadEventEnd, htmx: probe.htmx, field: probe.field};
}"""


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    field: str  # CSS selector of the first thing the user acts on
    first_goal: float  # seconds until usable on a first visit
    who: str | None = None  # a demo username to sign in first


@dataclass
class Visit:
    usable: float  # seconds
    load: float
    htmx: float | None  # seconds until htmx was ready, on a page that loads it
    requests: int
    from_cache: int
    bytes: int
    urls: list[str] = field(default_factory=list)


FIELD = "main form input:not([type=hidden]), main form select, main form textarea"


def targets(ids) -> list[Target]:
    return [
        Target("start page", "/", "main a.button", first_goal=2.5),
        Target("application form", "/apply", FIELD, first_goal=2.7),
        Target("trainer's attendance (30)", f"/trainer/days/{ids.register_day}",
               "#register input:not([type=hidden])", first_goal=2.5, who="trainer"),
    ]


class NetworkLog:
    """Requests of one visit from the CDP Network events."""

    def __init__(self, cdp):
        self.requests: dict[str, dict] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", self._cached)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def _sent(self, event):
        self.requests.setdefault(event["requestId"], {"url": event["request"]["url"], "cached": False, "bytes": 0,
                                                      "done": False})

    def _cached(self, event):
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["cached"] = True

    def _received(self, event):
        response = event["response"]
        if event["requestId"] in self.requests and (response.get("fromDiskCache") or response.get("fromMemoryCache")):
            self.requests[event["requestId"]]["cached"] = True

    def _finished(self, event):
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]].update(bytes=int(event["encodedDataLength"]), done=True)

    def _failed(self, event):
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["done"] = True

    def settle(self, page, quiet_ms: int = 1000, limit_ms: int = 20_000) -> None:
        """Wait until every request has ended and none started for `quiet_ms`: requests made after the load
        event (Chromium's own /favicon.ico) belong to the visit too."""
        seen, quiet = -1, 0
        for _ in range(limit_ms // 250):
            page.wait_for_timeout(250)
            busy = len(self.requests) != seen or not all(r["done"] for r in self.requests.values())
            seen, quiet = len(self.requests), 0 if busy else quiet + 250
            if quiet >= quiet_ms:
                return

    def clear(self):
        self.requests.clear()


QUIET = ("werkzeug", "bastau.request")  # a log line per request would bury the progress lines


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def timed_visit(page, network: NetworkLog, url: str) -> Visit:
    network.clear()
    page.goto(url, wait_until="load", timeout=120_000)
    assert page.url == url, f"{url} ended at {page.url}"
    marks = page.wait_for_function(READY, timeout=60_000, polling=100).json_value()
    network.settle(page)
    requests = list(network.requests.values())
    fetched = [r for r in requests if not r["cached"]]
    return Visit(usable=max(marks["load"], marks["field"]) / 1000, load=marks["load"] / 1000,
                 htmx=None if marks["htmx"] is None else marks["htmx"] / 1000, requests=len(fetched),
                 from_cache=len(requests) - len(fetched), bytes=sum(r["bytes"] for r in fetched),
                 urls=[r["url"].split("/", 3)[-1] for r in fetched])


def first_and_repeat(browser, base: str, target: Target) -> tuple[Visit, Visit]:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.add_cookies([{"name": "lang", "value": "kk", "url": base}])
        context.add_init_script(f"window.__benchField = {target.field!r};" + PROBE)
        page = context.new_page()
        if target.who:
            sign_in_page(page, base, target.who, DEMO_PASSWORD)
        cdp = context.new_cdp_session(page)
        network = NetworkLog(cdp)
        cdp.send("Network.enable")
        cdp.send("Network.clearBrowserCache")
        context.clear_cookies(name=CACHED_COOKIE)
        cdp.send("Network.emulateNetworkConditions", THREE_G)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        first = timed_visit(page, network, base + target.path)
        repeat = timed_visit(page, network, base + target.path)
        return first, repeat
    finally:
        context.close()


def warm_up(browser, base: str) -> None:
    """One untimed, unthrottled visit, so that the first timed run does not also pay for starting the browser's
    renderer (its cache is another context's: the timed first visits still start empty)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.new_page().goto(base + "/")
    context.close()


def median_visit(visits: list[Visit]) -> Visit:
    """The run with the median time (its requests and bytes are that run's)."""
    return sorted(visits, key=lambda v: v.usable)[len(visits) // 2]


def markdown(results: dict[tuple[Target, str], list[Visit]], load_average: tuple[float, float]) -> str:
    lines = [
        "## Time until the form is usable (Chromium, 3G, 4× CPU slowdown, 360×640)",
        "",
        "DevTools' \"3G\" preset through CDP (2,000 ms latency per request, 50,000 B/s down and up) and "
        "`Emulation.setCPUThrottlingRate` 4; the app served locally (werkzeug, threaded) with the demo data. "
        "**Usable** = from navigation start, by the page's own clock, the later of: the load event's end, the first "
        "form field (start page: the «Apply» button) visible and enabled. Scripts run after the load event (every "
        "page works without them), so **htmx ready** (`htmx:load` on `<body>`, on the pages that load htmx) is "
        "reported apart. First visit = empty cache, no stylesheet cookie; repeat = the same tab navigating to the page "
        "again, cache and cookies kept. "
        f"Median of {RUNS} runs; requests and bytes (headers + compressed body, from the Network events) are the "
        "median run's; «from cache» counts requests answered by the browser's cache. The CPU slowdown multiplies "
        f"whatever else the machine does: 1-minute load average {load_average[0]:.1f} before and "
        f"{load_average[1]:.1f} after ({os.cpu_count()} cores).",
        "",
        "| page | visit | usable (s, median) | runs (s) | load event (s) | htmx ready (s) | requests | from cache | "
        "bytes | goal |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    verdicts = []
    for (target, kind), visits in results.items():
        middle, goal = median_visit(visits), target.first_goal if kind == "first" else REPEAT_GOAL
        met = statistics.median(v.usable for v in visits) <= goal
        verdicts.append(met)
        htmx = "—" if middle.htmx is None else f"{statistics.median(v.htmx for v in visits):.2f}"
        lines.append(f"| {target.name} | {kind} | {statistics.median(v.usable for v in visits):.2f} | "
                     f"{', '.join(f'{v.usable:.2f}' for v in visits)} | {middle.load:.2f} | {htmx} | "
                     f"{middle.requests} | {middle.from_cache} | {middle.bytes:,} | {'✓' if met else '✗'} ≤ {goal:g} s |")
    lines += ["", "Requests of the median runs: " + "; ".join(
        f"{target.name}, {kind}: " + ", ".join(f"`/{url}`" for url in median_visit(visits).urls)
        for (target, kind), visits in results.items()) + "."]
    first_goals = " / ".join(f"{target.first_goal:g}" for target, kind in results if kind == "first")
    lines += ["", f"Goals: first visit ≤ {first_goals} s, repeat visit ≤ {REPEAT_GOAL:g} s — "
              + ("**all met**." if all(verdicts) else f"**{verdicts.count(False)} of {len(verdicts)} missed**.")]
    return "\n".join(lines) + "\n"


def run() -> str:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        return f"## Time until the form is usable\n\nNot measured: {CHROMIUM} is not installed " \
               "(`apt-get install -y chromium`).\n"
    print("browser timing: building the demo database …", flush=True)
    app, ids = demo_app("browser-timing")
    load_before = os.getloadavg()[0]
    levels = {name: logging.getLogger(name).level for name in QUIET}
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    server, base = serve(app)
    results: dict[tuple[Target, str], list[Visit]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            warm_up(browser, base)
            for target in targets(ids):
                for n in range(RUNS):
                    first, repeat = first_and_repeat(browser, base, target)
                    results.setdefault((target, "first"), []).append(first)
                    results.setdefault((target, "repeat"), []).append(repeat)
                    print(f"  {target.name:<28} run {n + 1}: first {first.usable:.2f} s ({first.requests} requests, "
                          f"{first.bytes:,} B), repeat {repeat.usable:.2f} s ({repeat.requests} requests, "
                          f"{repeat.bytes:,} B)", flush=True)
            browser.close()
    finally:
        server.shutdown()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    return markdown(results, (load_before, os.getloadavg()[0]))


if __name__ == "__main__":
    print(run())
