"""Signing in from a device, signing out, revoking a lost device, and forgetting spent credentials."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session

from server.access import Scope, token_digest
from server.database import delete_counted
from server.demo.exposure import warn_of_demo_sign_in
from server.ledger import lock_ledger, record_audit
from server.models import AccessToken, Device, EnrolmentCode, LoginFailure, Person
from server.models.base import utcnow
from server.operations.notices import admins, notify
from server.operations.people import set_password
from server.operations.records import locked
from server.passwords import burn_verification, hash_password, needs_rehash, verify_password
from server.refusals import Kind, Refused

TOKEN_PREFIX = "bl_"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ENROLMENT_CODE_LIFETIME = timedelta(hours=24)
ENROLMENT_THROTTLE_KEY = "~enrolment-code"


@dataclass(frozen=True)
class DeviceInfo:
    id: uuid.UUID
    name: str
    platform: str = ""
    app_version: str = ""
    schema_version: int | None = None


@dataclass(frozen=True)
class SignIn:
    token: str
    expires_at: datetime
    person: Person
    device: Device


def sign_in(session: Session, username: str, password: str, device: DeviceInfo, address: str) -> SignIn:
    """Check the password and issue a new token for this device.

    Failures are counted per (account, address) and per address; past the configured limits
    sign-ins from that address are refused (``login_throttled``) until the window has moved on,
    so an attacker elsewhere slows only themselves down and the real user can still sign in.
    Every failure is audited, and so is an account whose failures from everywhere reach the alarm.
    """
    username = username.strip().lower()
    _refuse_if_throttled(session, username, address)
    person = session.scalars(select(Person).where(Person.username == username)).one_or_none()
    if person is None:
        burn_verification(password)
    if person is None or not verify_password(person.password_hash, password):
        _count_failure(session, username, address, "auth.login_failed", {"username": username[:64]})
        _raise_alarm_if_attacked(session, username)
        raise _counted("login_failed", "Wrong username or password.")
    if not person.active or person.deleted:
        raise _disabled()
    lock_ledger(session)
    warn_of_demo_sign_in(username, password)
    if needs_rehash(person.password_hash):
        person.password_hash = hash_password(password)
    # Only this address's failures: an attack from elsewhere stays counted, and visible.
    session.execute(delete(LoginFailure).where(LoginFailure.username == username, LoginFailure.address == address))
    return _issue(session, person, device, address, "auth.login")


def _issue(session: Session, person: Person, device: DeviceInfo, address: str, action: str) -> SignIn:
    """Enrol the device if new and give it a fresh token."""
    enrolled = _enrol(session, person, device, address)
    raw_token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(hours=current_app.config["TOKEN_LIFETIME_HOURS"])
    session.add(AccessToken(token_hash=token_digest(raw_token), device_id=enrolled.id, person_id=person.id,
                            expires_at=expires_at))
    record_audit(session, action, actor_id=person.id, device_id=enrolled.id,
                 details={"address": address, "device_name": enrolled.name})
    return SignIn(raw_token, expires_at, person, enrolled)


def issue_enrolment_code(session: Session, person: Person, *, actor_id: uuid.UUID) -> tuple[str, datetime]:
    """A one-time code for ``person``'s next phone, shown once; earlier unused codes stop working."""
    lock_ledger(session)
    now = utcnow()
    session.execute(update(EnrolmentCode).where(EnrolmentCode.person_id == person.id,
                                                EnrolmentCode.used_at.is_(None)).values(expires_at=now))
    code = "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(2))
    expires_at = now + ENROLMENT_CODE_LIFETIME
    session.add(EnrolmentCode(code_hash=code_digest(code), person_id=person.id, created_by=actor_id,
                              expires_at=expires_at))
    record_audit(session, "device.enrolment_code", actor_id=actor_id, record_type="person", record_id=person.id)
    return code, expires_at


def code_digest(code: str) -> str:
    return token_digest(code.strip().upper().replace(" ", ""))


def enrol_with_code(session: Session, code: str, password: str, device: DeviceInfo, address: str) -> SignIn:
    """First sign-in of a phone with a one-time code: the officer chooses their password here."""
    _refuse_if_throttled(session, ENROLMENT_THROTTLE_KEY, address)
    lock_ledger(session)
    found = session.scalars(select(EnrolmentCode).where(EnrolmentCode.code_hash == code_digest(code))
                            .with_for_update()).one_or_none()
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        _count_failure(session, ENROLMENT_THROTTLE_KEY, address, "auth.enrol_failed", {})
        raise _counted("code_invalid", "This enrolment code is not valid, used or expired; ask for a new one.")
    person = session.get(Person, found.person_id)
    if person is None or not person.active or person.deleted:
        raise _disabled()
    set_password(session, person.id, password, actor_id=person.id)
    signed_in = _issue(session, person, device, address, "auth.enrol")
    found.used_at, found.device_id = utcnow(), signed_in.device.id
    return signed_in


def _enrol(session: Session, person: Person, info: DeviceInfo, address: str) -> Device:
    device = session.get(Device, info.id)
    if device is None:
        device = Device(id=info.id, person_id=person.id, enrolled_at=utcnow())
        record_audit(session, "device.enrol", actor_id=person.id, device_id=info.id, details={"name": info.name})
    elif device.revoked:
        raise Refused("device_revoked", "This device has been revoked; its data must be wiped.",
                      kind=Kind.UNAUTHENTICATED)
    elif device.person_id != person.id:
        if _holds_live_token(session, device):
            raise Refused("device_in_use", "Another officer is signed in on this device; they must sign out first.",
                          kind=Kind.CONFLICT)
        record_audit(
            session,
            "device.reassign",
            actor_id=person.id,
            device_id=device.id,
            details={"from": str(device.person_id), "to": str(person.id)},
        )
        device.person_id = person.id
    device.name = info.name
    device.platform = info.platform
    device.app_version = info.app_version
    device.schema_version = info.schema_version
    device.last_seen_at = utcnow()
    device.last_address = address
    session.add(device)
    return device


def _holds_live_token(session: Session, device: Device) -> bool:
    return (
        session.scalars(
            select(AccessToken.id).where(
                AccessToken.device_id == device.id,
                AccessToken.person_id == device.person_id,
                AccessToken.revoked_at.is_(None),
                AccessToken.expires_at > utcnow(),
            )
        ).first()
        is not None
    )


def _refuse_if_throttled(session: Session, username: str, address: str) -> None:
    config = current_app.config
    window = timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"])
    since = utcnow() - window
    from_address = LoginFailure.address == address
    for condition, limit in (
        (and_(LoginFailure.username == username, from_address), config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        (from_address, config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
    ):
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(condition, LoginFailure.at >= since)
        ).one()
        if count >= limit:
            wait = max(1, int((oldest + window - utcnow()).total_seconds()) + 1)
            raise Refused("login_throttled", f"Too many failed sign-ins; try again in {wait} seconds.",
                          kind=Kind.TOO_MANY, retry_after=wait)


def _count_failure(session: Session, username: str, address: str, action: str, details: dict[str, str]) -> None:
    """Count a failure for throttling and append it to the audit trail; raise ``_counted`` after it."""
    lock_ledger(session)
    session.add(LoginFailure(username=username[:64], address=address[:64], at=utcnow()))
    record_audit(session, action, details={**details, "address": address[:64]})


def _counted(code: str, message: str) -> Refused:
    """The refusal of a counted failure: it keeps the count and its audit entry, though the request fails."""
    return Refused(code, message, kind=Kind.UNAUTHENTICATED, keep=True)


def _disabled() -> Refused:
    return Refused("account_disabled", "This account is disabled; ask an administrator.", kind=Kind.UNAUTHENTICATED)


@dataclass(frozen=True)
class Attack:
    """An account whose failed sign-ins, from every address, reached the alarm in the window."""

    username: str
    failures: int
    addresses: int


def accounts_under_attack(session: Session, username: str | None = None) -> list[Attack]:
    """Existing accounts (or just ``username``) with at least the alarm's failures in the window."""
    config = current_app.config
    since = utcnow() - timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"])
    wanted = [LoginFailure.username == username] if username is not None else []
    rows = session.execute(
        select(LoginFailure.username, func.count(), func.count(LoginFailure.address.distinct()))
        .where(LoginFailure.at >= since, LoginFailure.username.in_(select(Person.username)), *wanted)
        .group_by(LoginFailure.username)
        .having(func.count() >= config["LOGIN_ALARM_FAILURES_PER_ACCOUNT"])
        .order_by(LoginFailure.username)
    ).all()
    return [Attack(*row) for row in rows]


def _raise_alarm_if_attacked(session: Session, username: str) -> None:
    """Audit the moment an account's failures reach the alarm (once per window's worth), and tell the admins."""
    session.flush()
    for attack in accounts_under_attack(session, username):
        if attack.failures == current_app.config["LOGIN_ALARM_FAILURES_PER_ACCOUNT"]:
            record_audit(session, "auth.account_under_attack", details={
                "username": attack.username, "failures": attack.failures, "addresses": attack.addresses})
            attacked = session.scalar(select(Person.id).where(Person.username == attack.username))
            if attacked is not None:
                notify(session, admins(session), "under_attack", "person", attacked, attack.username)


def sign_out(session: Session, token: AccessToken) -> None:
    token.revoked_at = utcnow()
    record_audit(session, "auth.logout", actor_id=token.person_id, device_id=token.device_id)


def revoke_device(
    session: Session, device_id: uuid.UUID, *, actor_id: uuid.UUID | None, reason: str, scope: Scope | None = None
) -> Device:
    """Revoke a lost device: its tokens stop working now, and it is told to wipe itself.

    Within ``scope`` (everything when None), only the owner's own device unless it is an admin's.
    """
    device = locked(session, Device, device_id, scope)
    if scope is not None and not scope.everything and device.person_id != scope.person_id:
        raise Refused("forbidden", "Only the device's owner or an administrator may revoke it.", kind=Kind.FORBIDDEN)
    if device.revoked:
        return device
    device.revoked_at = utcnow()
    device.revoked_by = actor_id
    device.revoke_reason = reason
    session.execute(
        update(AccessToken)
        .where(AccessToken.device_id == device.id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=device.revoked_at)
    )
    record_audit(
        session,
        "device.revoke",
        actor_id=actor_id,
        device_id=device.id,
        details={"person_id": str(device.person_id), "reason": reason},
    )
    return device


def expire_sign_ins(session: Session, failure_window: timedelta) -> dict[str, int]:
    """Delete what no sign-in can use any more: expired tokens, expired enrolment codes, old failures.

    A token goes once it has expired, unless it is the newest one issued to its device: that
    is the one the phone holds, and presented months later it still answers
    ``device_revoked`` or ``account_disabled`` (so the phone wipes itself) rather than
    ``token_invalid``. An older expired token, presented by a phone that never got its
    successor, is answered ``token_invalid`` instead of ``token_expired``; the phone asks
    for the password either way. An enrolment code goes once it has expired, used or not (a
    used one is refused the same as an unknown one). A failed sign-in goes once it has left
    the throttling window, the only thing that counts it.
    """
    lock_ledger(session)
    now = utcnow()
    newest = select(func.max(AccessToken.id)).group_by(AccessToken.device_id)
    counts = {
        "tokens": delete_counted(session, delete(AccessToken).where(
            AccessToken.expires_at <= now, AccessToken.id.not_in(newest))),
        "enrolment_codes": delete_counted(session, delete(EnrolmentCode).where(EnrolmentCode.expires_at <= now)),
        "login_failures": delete_counted(session, delete(LoginFailure).where(LoginFailure.at < now - failure_window)),
    }
    if any(counts.values()):
        record_audit(session, "auth.expire_sign_ins", details=counts)
    return counts
