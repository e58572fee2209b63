"""How values read on the dashboard's pages: vocabulary words, times, links that keep the filters."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import gettext as _
from markupsafe import Markup, escape

from server.config import station_zone as config_zone
from server.dashboard import bp, locale
from sync import clock, vocab
from sync.plates import display

VOCABULARIES = {
    "role": vocab.ROLES, "venue_kind": vocab.VENUE_KINDS, "risk": vocab.RISK_LEVELS, "hazard": vocab.HAZARD_LEVELS,
    "result": vocab.CHECK_RESULTS, "inspection_status": vocab.INSPECTION_STATUSES,
    "subject": vocab.FOLLOWUP_SUBJECTS, "followup_status": vocab.FOLLOWUP_STATUSES, "satisfaction": vocab.SATISFACTION,
    "work_order_kind": vocab.WORK_ORDER_KINDS, "work_order_status": vocab.WORK_ORDER_STATES,
    "work_order_event": vocab.WORK_ORDER_EVENTS, "outcome": vocab.WORK_ORDER_OUTCOMES,
    "contact_result": vocab.CONTACT_RESULTS, "urgency": vocab.URGENCIES, "document_kind": vocab.DOCUMENT_KINDS,
    "house_status": vocab.HOUSE_STATUSES, "permit_status": vocab.PERMIT_STATUSES, "verification": vocab.VERIFICATIONS,
    "assignment_kind": vocab.ASSIGNMENT_KINDS, "assignment_status": vocab.ASSIGNMENT_STATUSES,
    "hand_back": vocab.HAND_BACK_REASONS, "notice": vocab.NOTICE_KINDS, "origin": vocab.ASSIGNMENT_ORIGINS,
}


@bp.app_template_global()
def word(vocabulary: str, value: str | None) -> str:
    labels = VOCABULARIES[vocabulary]
    if value is None or value not in labels:
        return value or ""
    chinese, english = labels[value]
    return chinese if locale() == "zh" else english


@bp.app_template_filter("plate")
def plate_shown(plate: str) -> str:
    """A plate as people write it: 浙F·12345."""
    return display(plate)


@bp.app_template_global()
def words(vocabulary: str) -> list[tuple[str, str]]:
    return [(value, word(vocabulary, value)) for value in VOCABULARIES[vocabulary]]


@bp.app_template_global()
def record_kind_word(record_type: str) -> str:
    """What kind of record a row of the audit trail or a history is about."""
    return {
        "venue": _("Venue"), "inspection": _("Inspection log"), "followup": _("Follow-up visit"),
        "room": _("Police room"), "station": _("Police station"), "person": _("Person"),
        "checklist_template": _("Checklist"), "device": _("Device"), "work_order": _("Work order"),
        "work_order_event": _("Work order step"), "vehicle": _("Vehicle file"), "rental_house": _("Rental house"),
        "occupant": _("Registered resident"), "residence_permit": _("Residence permit application"),
        "schedule_rule": _("Schedule rule"), "assignment": _("Assignment"), "notice": _("Notice"),
    }.get(record_type, record_type)


def whole_action_word(action: str) -> str | None:
    """An audit action that is not about a synced record, in the reader's words."""
    return {
        "conflict.open": _("sync conflict raised"), "conflict.resolve": _("sync conflict resolved"),
        "quarantine.apply": _("refused change applied"), "quarantine.dismiss": _("refused change dismissed"),
        "device.enrol": _("phone enrolled"), "device.enrolment_code": _("enrolment code issued"),
        "device.reassign": _("phone passed to another officer"), "device.revoke": _("phone revoked"),
        "auth.login": _("signed in"), "auth.login_failed": _("failed sign-in"),
        "auth.enrol": _("signed in on a new phone"),
        "auth.enrol_failed": _("failed enrolment"), "auth.logout": _("signed out"),
        "auth.account_under_attack": _("account under attack"), "person.password_set": _("password set"),
        "sync.refused": _("phone's change refused"), "sync.quarantine_full": _("refused-change queue full"),
        "sync.purge_tombstones": _("deleted records purged"),
        "sync.prune_push_answers": _("old sync answers pruned"), "auth.expire_sign_ins": _("expired sign-ins removed"),
        "personal.search": _("searched by document number"), "personal.reveal": _("personal data revealed"),
        "personal.export": _("registry exported (masked)"), "personal.reseal": _("personal data re-sealed"),
        "webhook.register": _("webhook subscriber registered"), "webhook.enable": _("webhook subscriber resumed"),
        "webhook.disable": _("webhook subscriber paused"), "webhook.retry": _("webhook delivery tried again"),
        "webhook.prune": _("old webhook events removed"),
    }.get(action)


@bp.app_template_global()
def action_word(action: str) -> str:
    """An audit action or a sync answer (``inspection.review``, ``applied``) in the reader's words."""
    whole = whole_action_word(action)
    if whole is not None:
        return whole
    verb = action.rsplit(".", 1)[-1]
    return {
        "create": _("created"), "update": _("changed"), "delete": _("deleted"), "review": _("reviewed"),
        "resolve": _("conflict resolved"), "move": _("moved to another room"), "approve": _("approved"),
        "fold": _("state updated from its steps"), "file": _("filed again from its reports"),
        "route": _("sent to a traffic squad"),
        "return": _("returned"), "approved": _("approved"), "returned": _("returned"),
        "applied": _("applied"), "merged": _("merged"), "duplicate": _("repeated, already applied"),
        "conflict": _("conflict"), "rejected": _("rejected"), "venue": _("venue"), "inspection": _("inspection"),
        "followup": _("follow-up"), "field_conflict": _("both changed the same field"),
        "locked": _("the log was already approved"), "deleted": _("the record was deleted"),
        "exists": _("the record already existed"), "changed_since_base": _("changed since the phone's copy"),
        "open": _("open"), "resolved": _("resolved"), "supersede": _("marked moved? (registered elsewhere)"),
        "flag": _("marked as registered before elsewhere"), "erase": _("personal data removed after retention"),
        "schedule": _("planned by the inspection schedule"), "complete": _("done by a submitted inspection"),
        "miss": _("marked missed"), "hand_back": _("handed back to the chief"), "notify": _("notice sent"),
        "read": _("marked read"),
    }.get(verb, action)


@bp.app_template_global()
def platform_word(platform: str) -> str:
    computer = _("computer")
    return {"android": _("Android"), "ios": "iOS", "web": _("browser"), "desktop": computer, "linux": computer,
            "win": computer, "macosx": computer}.get(platform, platform)


@bp.app_template_global()
def device_name(device: Any) -> str:
    """A phone by the name it enrolled with; a browser as the dashboard, in the reader's language."""
    return _("Web dashboard") if device.platform == "web" else device.name


@bp.app_template_global()
def audit_action_word(action: str) -> str:
    """An audit entry's action with what it is about: 检查记录 · 修改."""
    subject, _dot, verb = action.rpartition(".")
    whole = whole_action_word(action)
    if whole is not None or not subject:
        return whole or action_word(action)
    return f"{record_kind_word(subject)} · {action_word(verb)}"


def station_zone() -> ZoneInfo:
    return config_zone(current_app.config)


@bp.app_template_filter()
def station_time(moment: datetime | None) -> str:
    """A server time in the station's time zone."""
    return moment.astimezone(station_zone()).strftime("%Y-%m-%d %H:%M") if moment else ""


def device_time(moment: datetime | None) -> str:
    """A time as the handheld recorded it, with its UTC offset."""
    return moment.strftime("%Y-%m-%d %H:%M (UTC%z)") if moment else ""


@bp.app_template_filter()
def phone_time(moment: datetime | None) -> Markup:
    """A time a handheld recorded, in station time like every time on the page; the phone's own
    clock reading (with its offset) is the detail under the pointer."""
    if moment is None:
        return Markup("")
    detail = _("Phone's clock: %(time)s", time=device_time(moment))
    return Markup('<time datetime="{iso}" title="{detail}">{shown}</time>').format(
        iso=moment.isoformat(), detail=detail, shown=escape(station_time(moment)))


def day_start(day: date) -> datetime:
    """Midnight starting ``day`` at the station, the bound of a date filter."""
    return datetime.combine(day, time.min, station_zone())


def station_today() -> date:
    return clock.today(station_zone())


@bp.app_template_global()
def with_query(**changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    query = {key: value for key, value in request.args.items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = str(value)
    return f"{request.path}?{urlencode(query)}"
