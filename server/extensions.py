"""Extension instances, created unbound and bound to an app in ``create_app``."""

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from server.errors import BeatlogApi
from server.models.base import Base
from server.replica import RoutingSession

db = SQLAlchemy(model_class=Base, engine_options={"hide_parameters": True}, session_options={"class_": RoutingSession})
"""A failed statement's error (and so the log) never shows its parameters: tokens' hashes, photo bytes."""
migrate = Migrate()
api = BeatlogApi()
