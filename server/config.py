"""Settings, read from the environment once, at app creation.

Every setting has a default that works on a laptop; production sets ``DATABASE_URL`` and
``SECRET_KEY`` (see docs/operations.md).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sync.work_orders import Deadline, deadlines_from


def database_url(raw: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3, the driver Beatlog installs."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {raw!r}") from None


def _flag(environ: Mapping[str, str], name: str) -> bool:
    raw = environ.get(name, "").strip().lower()
    if raw not in ("", "0", "1", "true", "false"):
        raise RuntimeError(f"{name} must be 1 or 0, not {raw!r}")
    return raw in ("1", "true")


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
LOOPBACK = "127.0.0.0/8,::1/128"
LOG_FORMATS = ("json", "text")


def _networks(environ: Mapping[str, str], name: str, default: str) -> Networks:
    raw = environ.get(name) or default
    try:
        return tuple(ipaddress.ip_network(part.strip()) for part in raw.split(",") if part.strip())
    except ValueError as error:
        raise RuntimeError(f"{name} must list networks such as 10.0.0.0/8 separated by commas: {error}") from None


def _choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = environ.get(name, "").strip().lower() or choices[0]
    if raw not in choices:
        raise RuntimeError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def _seconds_each(environ: Mapping[str, str], name: str) -> dict[str, int]:
    """``name=seconds`` pairs separated by commas, e.g. ``expire-sign-ins=600,purge-tombstones=86400``."""
    pairs: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in environ.get(name, "").split(","))):
        key, _, raw = item.partition("=")
        if not key.strip() or not raw.strip().isdigit() or int(raw) == 0:
            raise RuntimeError(f"{name} must be name=seconds pairs (seconds a whole number above 0), not {item!r}")
        pairs[key.strip()] = int(raw)
    return pairs


def _deadlines(environ: Mapping[str, str], name: str) -> dict[str, Deadline]:
    """``kind=accept/resolve`` minutes, comma-separated (``illegal_parking=30/120``); other kinds keep their default."""
    setting: dict[str, dict[str, int]] = {}
    for item in filter(None, (part.strip() for part in environ.get(name, "").split(","))):
        kind, _, minutes = item.partition("=")
        accept, _, resolve = minutes.partition("/")
        if not (accept.strip().isdigit() and resolve.strip().isdigit()):
            raise RuntimeError(f"{name} must be kind=accept/resolve minutes pairs, not {item!r}")
        setting[kind.strip()] = {"accept": int(accept), "resolve": int(resolve)}
    try:
        return deadlines_from(setting)
    except ValueError as error:
        raise RuntimeError(f"{name}: {error}") from None


def settings_from_env(
    environ: Mapping[str, str], instance_path: str, *, secret_given: bool = False
) -> dict[str, Any]:
    """Settings from environment variables; ``secret_given`` skips making an instance secret."""
    default_db = "sqlite:///" + str(Path(instance_path) / "beatlog.sqlite")
    secret = environ.get("SECRET_KEY") or (None if secret_given else _instance_secret(instance_path))
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url(environ.get("DATABASE_URL") or default_db),
        "DATABASE_REPLICA_URL": database_url(environ.get("DATABASE_REPLICA_URL") or "") or None,
        "TOKEN_LIFETIME_HOURS": _int(environ, "BEATLOG_TOKEN_LIFETIME_HOURS", 24 * 14),
        "MAX_CONTENT_LENGTH": _int(environ, "BEATLOG_MAX_BODY_BYTES", 8 * 1024 * 1024),
        "MAX_BLOB_BYTES": _int(environ, "BEATLOG_MAX_BLOB_BYTES", 5 * 1024 * 1024),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": _int(environ, "BEATLOG_LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": _int(environ, "BEATLOG_LOGIN_MAX_FAILURES_PER_ADDRESS", 30),
        "LOGIN_ALARM_FAILURES_PER_ACCOUNT": _int(environ, "BEATLOG_LOGIN_ALARM_FAILURES_PER_ACCOUNT", 20),
        "LOGIN_FAILURE_WINDOW_SECONDS": _int(environ, "BEATLOG_LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60),
        "QUARANTINE_MAX_PER_DEVICE": _int(environ, "BEATLOG_QUARANTINE_MAX_PER_DEVICE", 300),
        "AUDIT_KEY": environ.get("BEATLOG_AUDIT_KEY"),
        "PII_KEYS": environ.get("BEATLOG_PII_KEYS"),
        "PII_INDEX_KEY": environ.get("BEATLOG_PII_INDEX_KEY"),
        "REGISTRATION_RETENTION_DAYS": _int(environ, "BEATLOG_REGISTRATION_RETENTION_DAYS", 180),
        "WEBHOOK_MAX_ATTEMPTS": _int(environ, "BEATLOG_WEBHOOK_MAX_ATTEMPTS", 12),
        "WEBHOOK_TIMEOUT_SECONDS": _int(environ, "BEATLOG_WEBHOOK_TIMEOUT_SECONDS", 10),
        "WEBHOOK_RETENTION_DAYS": _int(environ, "BEATLOG_WEBHOOK_RETENTION_DAYS", 30),
        "DEMO": environ.get("BEATLOG_DEMO") == "1",
        "PROXY_HOPS": _int(environ, "BEATLOG_PROXY_HOPS", 0),
        "SESSION_COOKIE_SECURE": _flag(environ, "BEATLOG_SECURE_COOKIES"),
        "BLOB_STORE": environ.get("BLOB_STORE") or str(Path(instance_path) / "blobs"),
        "METRICS_ALLOW": _networks(environ, "BEATLOG_METRICS_ALLOW", LOOPBACK),
        "LOG_FORMAT": _choice(environ, "BEATLOG_LOG_FORMAT", LOG_FORMATS),
        "TOMBSTONE_RETENTION_DAYS": _int(environ, "BEATLOG_TOMBSTONE_RETENTION_DAYS", 180),
        "PUSH_ANSWER_RETENTION_DAYS": _int(environ, "BEATLOG_PUSH_ANSWER_RETENTION_DAYS", 30),
        "UPKEEP_INTERVALS": _seconds_each(environ, "BEATLOG_UPKEEP_INTERVALS"),
        "WORKER_LEADER_RETRY_SECONDS": _int(environ, "BEATLOG_WORKER_LEADER_RETRY_SECONDS", 15),
        "WORKER_METRICS_PORT": _int(environ, "BEATLOG_WORKER_METRICS_PORT", 9109),
        "READY_TIMEOUT_SECONDS": _int(environ, "BEATLOG_READY_TIMEOUT_SECONDS", 2),
        "WORK_ORDER_DEADLINES": _deadlines(environ, "BEATLOG_WORK_ORDER_DEADLINES"),
    }


def demo_mode(config: Mapping[str, Any]) -> bool:
    """The embedded SQLite database, or ``BEATLOG_DEMO=1``: where the demo loads itself."""
    return bool(config["DEMO"]) or config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def production(config: Mapping[str, Any]) -> bool:
    """Not testing, not debugging and not the demo: real people's data, real keys required."""
    return not (config.get("TESTING") or config.get("DEBUG") or demo_mode(config))


def settle_audit_key(config: dict[str, Any]) -> None:
    """Production needs an audit key of its own; elsewhere it defaults to ``SECRET_KEY``.

    With one key for both, whoever holds the session key could also rewrite the trail.
    """
    if production(config) and (not config.get("AUDIT_KEY") or config["AUDIT_KEY"] == config["SECRET_KEY"]):
        raise RuntimeError("Set BEATLOG_AUDIT_KEY to a secret of its own, different from SECRET_KEY: production "
                           "(not TESTING, not DEBUG, not the demo) refuses to start without it.")
    config["AUDIT_KEY"] = config.get("AUDIT_KEY") or config["SECRET_KEY"]


@dataclass(frozen=True)
class WebServer:
    """How gunicorn serves the app: read by ``deploy/gunicorn.conf.py``, and by ``deploy/render.py`` for nginx.

    The address is always loopback: with ``BEATLOG_PROXY_HOPS=1`` the app trusts ``X-Forwarded-For``,
    which is safe only when nothing but the proxy on this machine can reach gunicorn.
    """

    port: int
    workers: int

    @property
    def bind(self) -> str:
        return f"127.0.0.1:{self.port}"


def web_server_settings(environ: Mapping[str, str]) -> WebServer:
    workers = _int(environ, "BEATLOG_WORKERS", 2 * (os.cpu_count() or 1))
    if workers < 1:
        raise RuntimeError(f"BEATLOG_WORKERS must be at least 1, not {workers}")
    return WebServer(port=_int(environ, "BEATLOG_PORT", 8000), workers=workers)


DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_RECORD_QUERIES": False,
    "API_TITLE": "Beatlog API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "PASSWORD_HASH": {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 2},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
}


def _instance_secret(instance_path: str) -> str:
    """A per-installation secret kept in the instance folder, made on first start.

    Production sets ``SECRET_KEY``; this keeps a laptop's tokens valid across restarts
    without anyone committing a secret.
    """
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def station_zone(config: Mapping[str, Any]) -> ZoneInfo:
    """The stations' time zone (``DISPLAY_TIMEZONE``): the dashboard's times, and the days planned work falls due on."""
    return ZoneInfo(config.get("DISPLAY_TIMEZONE", "Asia/Shanghai"))
