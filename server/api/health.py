"""A cheap public endpoint: is the server there, and which sync schemas does it speak."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from server.access import public
from server.api.common import api_blueprint
from server.models.base import utcnow
from sync.protocol import OLDEST_ACCEPTED_SCHEMA_VERSION, SCHEMA_VERSION

blp = api_blueprint("health", "Reachability for handhelds coming back online.")


class PingSchema(Schema):
    status = fields.Str()
    schema_version = fields.Int()
    oldest_schema_version = fields.Int()
    server_time = fields.AwareDateTime()


@blp.route("/ping")
@public
@blp.response(200, PingSchema)
def ping() -> dict[str, Any]:
    """No database work: handhelds call it to notice the network is back."""
    return {"status": "ok", "schema_version": SCHEMA_VERSION,
            "oldest_schema_version": OLDEST_ACCEPTED_SCHEMA_VERSION, "server_time": utcnow()}
