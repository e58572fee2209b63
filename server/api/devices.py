"""Enrolled devices: listing them and revoking a lost one."""

from __future__ import annotations

import uuid
from typing import Any

from flask_smorest.pagination import PaginationParameters

from server.access import ROLES, allow, current_person, current_scope
from server.api.common import MAX_PAGE_SIZE, PAGE_SIZE, api_blueprint, in_scope, page, scoped
from server.api.schemas import DeviceQuery, DeviceSchema, RevokeRequest
from server.extensions import db
from server.models import Device
from server.operations.devices import revoke_device

blp = api_blueprint("devices", "Handhelds enrolled by signing in, and revoking a lost one.")


@blp.route("/devices")
@allow(*ROLES)
@blp.arguments(DeviceQuery, location="query")
@blp.response(200, DeviceSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_devices(filters: dict[str, Any], pagination_parameters: PaginationParameters) -> list[Device]:
    """Your own devices; a chief sees the station's, an admin everyone's."""
    statement = scoped(Device).order_by(Device.last_seen_at.desc())
    if "person_id" in filters:
        statement = statement.where(Device.person_id == filters["person_id"])
    if not filters["include_revoked"]:
        statement = statement.where(Device.revoked_at.is_(None))
    return page(statement, pagination_parameters)


@blp.route("/devices/<id:device_id>")
@allow(*ROLES)
@blp.response(200, DeviceSchema)
def get_device(device_id: uuid.UUID) -> Device:
    return in_scope(Device, device_id)


@blp.route("/devices/<id:device_id>/revoke", methods=["POST"])
@allow(*ROLES)
@blp.arguments(RevokeRequest)
@blp.response(200, DeviceSchema)
def revoke(body: dict[str, Any], device_id: uuid.UUID) -> Device:
    """Revoke a lost device (your own, or anyone's as an admin); it wipes itself on next contact."""
    return revoke_device(db.session(), device_id, actor_id=current_person().id, reason=body["reason"],
                         scope=current_scope())
