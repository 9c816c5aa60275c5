"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py app:app` (see README, "Production").

Every value can be changed from the environment, so one image serves every server behind the balancer.
"""
import multiprocessing
import os

# Where to listen: BIND ("127.0.0.1:8000", "unix:/run/bastau.sock"), else this machine only, on PORT. Behind
# nginx on the same host nothing else should reach gunicorn: a client talking to it directly would skip the
# proxy (the app believes X-Forwarded-For only from TRUSTED_PROXIES anyway, so it cannot spoof its address).
bind = [os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"]

# Sync workers, one request at a time each: requests are short and wait on the database, the code and its
# drivers (psycopg, redis) are plain blocking ones, and nginx in front buffers slow phones' uploads and
# downloads, so a worker is never held by a client on 3G. gevent would need monkey-patching psycopg, threads
# would share one process's connection pool and GIL for little gain; more servers scale it instead.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)

# A request still running after 30 s is stuck (the slowest page, a cohort's certificates, takes a few seconds):
# the worker is killed and replaced. A deploy's graceful stop lets running requests finish for as long.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30

# Replace each worker after about ten thousand requests (jitter: not all at once), so a slow leak cannot grow.
# Not fewer: a worker's start costs ~1.7 s of CPU (it imports the app itself, see preload_app), which at
# 1,000 requests was ~1.7 ms a request, more than rendering the start page, and `make bench` saw 3 s stalls.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10

# The heartbeat file is touched constantly: keep it in memory, not on a (possibly network) disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# The proxies whose X-Forwarded-Proto gunicorn believes (the app's own TRUSTED_PROXIES does the same for itself).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The app writes one structured JSON line per request itself (bastau.request_log): no second access log,
# which would also carry the raw path and query string. gunicorn's own messages go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Each worker imports the app itself: no database engine, pool or Redis connection is ever shared across
# fork, and a HUP reloads new code. A misconfigured environment still stops the whole server: its workers
# fail to boot and gunicorn exits.
preload_app = False

# gunicorn's runtime control socket is not used (systemd sends HUP and TERM), and two servers on one host would
# share its default path (~/.gunicorn/gunicorn.ctl).
control_socket_disable = True
