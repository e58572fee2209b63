"""Beatlog's server: the sync endpoint, the JSON API and the dashboard.

``flask --app server …`` finds ``create_app`` here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from server import (
    access,
    blobstore,
    bodies,
    cli,
    compression,
    dashboard,
    health,
    logs,
    privacy,
    replica,
    requestlog,
    scrape,
    transaction,
)
from server import api as api_package
from server.config import DEFAULTS, database_url, production, settings_from_env, settle_audit_key
from server.database import engine_options, tune_engine
from server.extensions import api, db, migrate

MIGRATIONS = str(Path(__file__).parent / "migrations")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides the environment (tests pass theirs here)."""
    overrides = dict(config or {})
    instance_path = overrides.pop("INSTANCE_PATH", None) or os.environ.get("BEATLOG_INSTANCE_PATH")
    app = transaction.TransactionalFlask(__name__, instance_path=instance_path or None)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    requestlog.init_app(app)
    bodies.init_app(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config.update(DEFAULTS)
    app.config.update(
        settings_from_env(os.environ, app.instance_path, secret_given="SECRET_KEY" in overrides)
    )
    app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    settle_audit_key(app.config)
    privacy.init_app(app, production=production(app.config))
    logs.configure(app)
    compression.init_app(app)

    blobstore.init_app(app)
    db.init_app(app)
    replica.init_app(app)
    with app.app_context():
        tune_engine(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS, compare_type=True, render_as_batch=True)
    api.init_app(app)
    transaction.init_app(app)
    access.init_app(app)
    health.init_app(app)
    api_package.init_app(app)
    dashboard.init_app(app)
    scrape.init_app(app)
    cli.init_app(app)
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app
