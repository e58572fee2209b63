"""Signing in and out from a handheld."""

from __future__ import annotations

from typing import Any

from flask import request

from server.access import ROLES, allow, current_person, current_token, public
from server.api.common import api_blueprint
from server.api.schemas import WEAK_PASSWORD_RESPONSE, EnrolRequest, LoginRequest, LoginResponse, UserSchema
from server.errors import ErrorSchema
from server.extensions import db
from server.operations.devices import DeviceInfo, SignIn, enrol_with_code, sign_in, sign_out
from server.syncing.protocol import stated_schema_version

blp = api_blueprint("auth", "Sign in with a device, sign out, and say who is signed in.")

@blp.route("/auth/login", methods=["POST"])
@public
@blp.arguments(LoginRequest)
@blp.response(200, LoginResponse)
def login(body: dict[str, Any]) -> dict[str, Any]:
    """Exchange a password for a bearer token bound to this device."""
    signed_in = sign_in(db.session(), body["username"], body["password"], device_of(body), request.remote_addr or "")
    return answer(signed_in)


def device_of(body: dict[str, Any]) -> DeviceInfo:
    return DeviceInfo(id=body["device_id"], name=body["device_name"], platform=body["platform"],
                      app_version=body["app_version"], schema_version=stated_schema_version())


def answer(signed_in: SignIn) -> dict[str, Any]:
    return {"token": signed_in.token, "expires_at": signed_in.expires_at, "user": signed_in.person,
            "device_id": signed_in.device.id}


@blp.route("/auth/enrol", methods=["POST"])
@public
@blp.arguments(EnrolRequest)
@blp.alt_response(422, schema=ErrorSchema, description=WEAK_PASSWORD_RESPONSE)
@blp.response(200, LoginResponse)
def enrol(body: dict[str, Any]) -> dict[str, Any]:
    """Enrol a phone with a one-time code from an admin; the officer sets their password here."""
    signed_in = enrol_with_code(db.session(), body["code"], body["password"], device_of(body),
                                request.remote_addr or "")
    return answer(signed_in)


@blp.route("/auth/logout", methods=["POST"])
@allow(*ROLES)
@blp.response(204)
def logout() -> None:
    """End this token's session; the device stays enrolled."""
    sign_out(db.session(), current_token())


@blp.route("/auth/me")
@allow(*ROLES)
@blp.response(200, UserSchema)
def me() -> Any:
    """The person this token belongs to."""
    return current_person()
