"""The admin's devices and audit trail pages: revoke a lost phone, search and verify every change."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import func, select

from server.access import current_person
from server.dashboard import bp
from server.dashboard.auth import page
from server.dashboard.forms import AuditFilters, RevokeForm
from server.dashboard.present import day_start
from server.dashboard.records import action_choices, record_names
from server.extensions import db
from server.ledger import Verification, verify_audit
from server.models import AuditEntry, Device, Person, SyncConflict
from server.operations.devices import revoke_device
from sync.search import LIKE_ESCAPE, like_containing

AUDIT_PAGE = 100
revoke_form = RevokeForm()
audit_filters = AuditFilters()


@bp.route("/devices")
@page("admin")
def devices() -> str:
    browsers = request.args.get("browsers") == "true"
    query = select(Device, Person).join(Person, Person.id == Device.person_id).order_by(Device.last_seen_at.desc())
    if not browsers:
        query = query.where(Device.platform != "web")
    conflicts = dict(db.session.execute(select(SyncConflict.device_id, func.count()).where(
        SyncConflict.status == "open").group_by(SyncConflict.device_id)).all())
    return render_template("dashboard/devices.html", devices=db.session.execute(query).all(), conflicts=conflicts,
                           browsers=browsers)


@bp.route("/devices/<id:device_id>/revoke", methods=["POST"])
@page("admin")
def revoke(device_id: uuid.UUID) -> Any:
    try:
        reason = revoke_form.load(request.form)["reason"]
    except ValidationError:
        flash(_("Say why the device is revoked (lost, stolen, replaced…)."), "problem")
        return redirect(url_for("dashboard.devices"))
    revoke_device(db.session(), device_id, actor_id=current_person().id, reason=reason)
    flash(_("Revoked. The phone is wiped at its next contact with the server."), "done")
    return redirect(url_for("dashboard.devices"))


@bp.route("/audit")
@page("admin")
def audit() -> str:
    return audit_page(read_audit_filters(), verification=None)


@bp.route("/audit/verify", methods=["POST"])
@page("admin")
def audit_verify() -> str:
    """The verdict above the same list the admin was reading (its filters travel in the form)."""
    return audit_page(read_audit_filters(request.form), verification=verify_audit(db.session()))


def read_audit_filters(given: Any = None) -> dict[str, Any]:
    try:
        return audit_filters.load(request.args if given is None else
                                  {key: value for key, value in given.items() if key != "csrf_token"})
    except ValidationError:
        return audit_filters.load({})


def audit_page(filters: dict[str, Any], verification: Verification | None) -> str:
    query = select(AuditEntry)
    if filters["action"]:
        query = query.where(AuditEntry.action.like(like_containing(filters["action"]), escape=LIKE_ESCAPE))
    if filters["actor"]:
        query = query.where(AuditEntry.actor_id == filters["actor"])
    if filters["record"]:
        query = query.where(AuditEntry.record_id == filters["record"])
    if filters["date_from"]:
        query = query.where(AuditEntry.at >= day_start(filters["date_from"]))
    if filters["date_to"]:
        query = query.where(AuditEntry.at < day_start(filters["date_to"] + timedelta(days=1)))
    entries = db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(AUDIT_PAGE + 1)
                                 .offset((filters["page"] - 1) * AUDIT_PAGE)).all()
    people = {person.id: person for person in db.session.scalars(select(Person))}
    shown = entries[:AUDIT_PAGE]
    return render_template("dashboard/audit.html", entries=shown, more=len(entries) > AUDIT_PAGE,
                           filters=filters, people=people, verification=verification,
                           records=record_names(shown), actions=action_choices())
