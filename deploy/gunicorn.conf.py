"""gunicorn's settings for Beatlog: ``gunicorn --config deploy/gunicorn.conf.py`` (beatlog-web.service runs it).

Everything deployment-specific comes from the environment the unit loads (/etc/beatlog/beatlog.env):
``BEATLOG_PORT`` and ``BEATLOG_WORKERS`` (see ``server.config.web_server_settings``). gunicorn listens on
loopback only; nginx on the same machine is the one way in (docs/operations.md).

Prometheus multiprocess mode: beatlog-web.service sets ``PROMETHEUS_MULTIPROC_DIR`` to a directory
systemd empties at each start; ``child_exit`` (``server.metrics``) tidies each exited worker's files.
"""

import os
from typing import Any

from server.config import settings_from_env, web_server_settings
from server.metrics import child_exit  # noqa: F401  (gunicorn's hook: forget an exited worker's live gauges)

_web = web_server_settings(os.environ)
_largest_body = settings_from_env(os.environ, ".", secret_given=True)["MAX_CONTENT_LENGTH"]

wsgi_app = "server.wsgi:app"
bind = [_web.bind]
workers = _web.workers
proc_name = "beatlog-web"

# A request longer than this is a stuck worker: gunicorn kills and replaces it (nginx waits a little
# longer, so the kill is what gets logged). A push batch of 500 mutations takes well under a second.
timeout = 60
# On SIGTERM (systemctl stop/restart) or SIGHUP (reload), running requests get this long to finish.
graceful_timeout = 30

# The app logs each request itself (issue 15's request log, with its request id); gunicorn's access log
# would only repeat it, without the id. gunicorn's own messages go to stderr, that is to the journal.
accesslog = None
errorlog = "-"

# The app alone decides which X-Forwarded-* headers to believe (BEATLOG_PROXY_HOPS, werkzeug's ProxyFix);
# gunicorn trusting them as well would be a second, differently configured, way.
forwarded_allow_ips = ""


def post_request(worker: Any, req: Any, environ: dict[str, Any], resp: Any) -> None:
    """Read the rest of a body the app answered without reading (a 401 to a photo upload, say).

    gunicorn closes the connection after each answer; unread bytes make that close a reset, and
    nginx, still sending the body, answers 503 instead of the app's answer (so a phone retries
    instead of learning, say, that it was revoked). Bodies are at most the app's limit: nginx
    refuses larger ones, and this reads no further than that.
    """
    body = environ.get("wsgi.input")
    read = 0
    while body is not None and read <= _largest_body and (chunk := body.read(64 * 1024)):
        read += len(chunk)

