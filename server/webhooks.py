"""Webhooks for the city's systems (the seed's 一网通 platform is the kind that subscribes).

An administrator registers a subscriber: a URL, the record types whose changes it wants
(``server.outbox.PUBLISHED``), and a signing secret shown once. The upkeep worker's
``deliver-webhooks`` job then

1. fans the outbox's new events out to each subscriber wanting them, as deliveries (one per
   subscriber and event, whatever happens next);
2. posts each due delivery, signed, and records the attempt; a delivery not answered with a
   2xx is tried again later, waiting twice as long each time (from ``FIRST_WAIT`` up to
   ``LONGEST_WAIT``), until ``BEATLOG_WEBHOOK_MAX_ATTEMPTS``, when it is ``failed`` and waits for
   an administrator to try it again.

Each step commits on its own: a receiver that takes its time never holds a transaction open.
Delivery is at least once on the wire (an answer lost after the receiver took the event is sent
again); the event's id (``X-Beatlog-Event-Id``) lets the receiver keep each event once.

The signature is ``X-Beatlog-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from server.database import delete_counted, insert_ignoring_duplicates
from server.ledger import record_audit
from server.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscriber
from server.outbox import PUBLISHED
from server.privacy import SealError, keyring
from server.refusals import Kind, Refused, invalid
from sync import clock

SIGNATURE_HEADER = "X-Beatlog-Signature"
EVENT_ID_HEADER = "X-Beatlog-Event-Id"
EVENT_HEADER = "X-Beatlog-Event"
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
FAN_OUT_BATCH = 1000
SEND_BATCH = 100
UNSIGNED = "X-Beatlog-Unsigned"
"""Kept on a prepared request whose secret could not be opened: it is not sent, and the attempt says why."""


class Poster(Protocol):
    def post(self, url: str, *, data: bytes, headers: Mapping[str, str], timeout: float,
             allow_redirects: bool) -> Any: ...


def secret_place(subscriber_id: uuid.UUID) -> str:
    return f"webhook_subscriber.secret.{subscriber_id}"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def valid_url(url: str) -> bool:
    """An http or https address that ``requests`` can send to: a host it can parse whose labels DNS takes (63
    characters at most: urllib3 refuses a longer one only when it sends), a port that is a number."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
        (parts.hostname or "").encode("idna")
        requests.PreparedRequest().prepare_url(url, None)
    except (ValueError, requests.RequestException):
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def register(session: Session, url: str, record_types: list[str], description: str, *,
             actor_id: uuid.UUID | None) -> tuple[WebhookSubscriber, str]:
    """A new subscriber, receiving the events written from now on; it and its secret (shown once)."""
    errors: dict[str, list[str]] = {}
    if not valid_url(url):
        errors["url"] = ["An http or https address."]
    unknown = sorted(set(record_types) - set(PUBLISHED))
    if unknown or not record_types:
        errors["record_types"] = [f"Choose among {', '.join(PUBLISHED)}."]
    if errors:
        raise invalid(errors, "The subscriber needs an address and the records it wants.")
    secret = secrets.token_urlsafe(32)
    subscriber = WebhookSubscriber(id=uuid.uuid4(), url=url, record_types=sorted(set(record_types)),
                                   description=description, created_by=actor_id, created_at=clock.now(),
                                   after_seq=session.scalar(select(func.max(WebhookEvent.seq))) or 0)
    subscriber.secret = keyring().seal(secret_place(subscriber.id), secret)
    session.add(subscriber)
    record_audit(session, "webhook.register", actor_id=actor_id,
                 details={"subscriber_id": str(subscriber.id), "url": url, "record_types": subscriber.record_types})
    return subscriber, secret


def set_active(session: Session, subscriber_id: uuid.UUID, active: bool, *, actor_id: uuid.UUID | None) -> None:
    subscriber = session.get(WebhookSubscriber, subscriber_id)
    if subscriber is None:
        raise Refused("not_found", "No such subscriber.", kind=Kind.NOT_FOUND)
    subscriber.active = active
    record_audit(session, "webhook.enable" if active else "webhook.disable", actor_id=actor_id,
                 details={"subscriber_id": str(subscriber_id)})


def retry(session: Session, delivery_id: uuid.UUID, *, actor_id: uuid.UUID | None) -> None:
    """Try a failed delivery again at once (and, if it fails, with its back-off from the start)."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise Refused("not_found", "No such delivery.", kind=Kind.NOT_FOUND)
    if delivery.status == "delivered":
        raise Refused("delivered", "This event was delivered.", kind=Kind.CONFLICT)
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, clock.now()
    record_audit(session, "webhook.retry", actor_id=actor_id, details={"delivery_id": str(delivery_id)})


def fan_out(session: Session) -> int:
    """Make the deliveries of the events written since each active subscriber last looked; how many."""
    made = 0
    for subscriber in session.scalars(select(WebhookSubscriber).where(WebhookSubscriber.active.is_(True))):
        events = session.execute(select(WebhookEvent.id, WebhookEvent.seq, WebhookEvent.record_type)
                                 .where(WebhookEvent.seq > subscriber.after_seq)
                                 .order_by(WebhookEvent.seq).limit(FAN_OUT_BATCH)).all()
        if not events:
            continue
        rows = [{"id": uuid.uuid4(), "subscriber_id": subscriber.id, "event_id": event_id, "status": "pending",
                 "attempts": 0, "next_attempt_at": clock.now()}
                for event_id, _seq, record_type in events if record_type in subscriber.record_types]
        insert_ignoring_duplicates(session, WebhookDelivery.__table__, rows)
        subscriber.after_seq = events[-1][1]
        made += len(rows)
    return made


def wait_after(attempts: int) -> timedelta:
    return min(FIRST_WAIT * 2 ** (attempts - 1), LONGEST_WAIT)


@dataclass(frozen=True)
class Outgoing:
    """One delivery's request, read before the database is let go: nothing of the session is touched while it is
    in flight."""

    delivery_id: uuid.UUID
    subscriber_id: uuid.UUID
    url: str
    body: bytes
    headers: dict[str, str]


def deliver(session: Session, config: Mapping[str, Any], poster: Poster | None = None) -> dict[str, int]:
    """Fan out, then send what is due, committing each delivery's outcome as it is known.

    A subscriber whose delivery failed is passed over for the rest of the run (its other deliveries keep
    their turn), so one receiver that is down costs a run at most one timeout, and the others still get theirs.
    """
    if poster is None:
        with requests.Session() as own:
            return deliver(session, config, own)
    counts = {"webhook_deliveries_made": fan_out(session), "webhooks_delivered": 0, "webhook_attempts_failed": 0}
    session.commit()
    due = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.subscriber_id)
        .join(WebhookSubscriber, WebhookSubscriber.id == WebhookDelivery.subscriber_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= clock.now(),
               WebhookSubscriber.active.is_(True))
        .order_by(WebhookDelivery.next_attempt_at, WebhookEvent.seq).limit(SEND_BATCH)).all()
    session.commit()
    failing: set[uuid.UUID] = set()
    for delivery_id, subscriber_id in due:
        if subscriber_id in failing:
            continue
        outgoing = prepared(session, delivery_id)
        session.commit()
        code, error, took = post(poster, outgoing, config["WEBHOOK_TIMEOUT_SECONDS"])
        record_attempt(session, delivery_id, code, error, took, config["WEBHOOK_MAX_ATTEMPTS"])
        session.commit()
        counts["webhook_attempts_failed" if error else "webhooks_delivered"] += 1
        if error:
            failing.add(subscriber_id)
    return {name: count for name, count in counts.items() if count}


def prepared(session: Session, delivery_id: uuid.UUID) -> Outgoing:
    """The signed request of one delivery, as plain values."""
    delivery = session.get_one(WebhookDelivery, delivery_id)
    event = session.get_one(WebhookEvent, delivery.event_id)
    subscriber = session.get_one(WebhookSubscriber, delivery.subscriber_id)
    body = json.dumps(event.payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", EVENT_ID_HEADER: str(event.id), EVENT_HEADER: event.kind}
    try:
        secret = keyring().open(secret_place(subscriber.id), subscriber.secret)
    except SealError as error:
        secret = ""
        headers[UNSIGNED] = str(error)
    headers[SIGNATURE_HEADER] = signature(secret, int(clock.now().timestamp()), body)
    return Outgoing(delivery.id, subscriber.id, subscriber.url, body, headers)


def post(poster: Poster, outgoing: Outgoing, timeout: float) -> tuple[int | None, str, int]:
    """Send it: the status code, what went wrong ("" when taken), and how long it took in milliseconds.

    Redirects are not followed (a redirect would turn the POST into a GET, and lead the server where its
    operator did not send it); anything but a 2xx is a failed attempt, whatever went wrong.
    """
    started, code, error = time.perf_counter(), None, ""
    if UNSIGNED in outgoing.headers:
        error = f"not sent: the signing secret cannot be opened ({outgoing.headers[UNSIGNED]})"
    else:
        try:
            code = poster.post(outgoing.url, data=outgoing.body, headers=outgoing.headers, timeout=timeout,
                               allow_redirects=False).status_code
            if not 200 <= code < 300:
                error = f"answered {code}"
        except Exception as failure:  # noqa: BLE001 (any failure is this attempt's, never the whole run's)
            error = f"{type(failure).__name__}: {failure}"
    return code, error[:500], round(1000 * (time.perf_counter() - started))


def record_attempt(session: Session, delivery_id: uuid.UUID, code: int | None, error: str, took: int,
                   max_attempts: int) -> None:
    delivery = session.get_one(WebhookDelivery, delivery_id)
    now: datetime = clock.now()
    session.add(WebhookAttempt(delivery_id=delivery.id, at=now, status_code=code, error=error, duration_ms=took))
    delivery.attempts += 1
    if not error:
        delivery.status, delivery.delivered_at = "delivered", now
    elif delivery.attempts >= max_attempts:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = now + wait_after(delivery.attempts)


def prune_events(session: Session, kept_for: timedelta) -> dict[str, int]:
    """Delete events older than ``kept_for`` that every subscriber has had fanned out and none still waits for,
    with their deliveries and attempts: the outbox is written for every change, subscribers or not."""
    cutoff = clock.now() - kept_for
    fanned = session.scalar(select(func.min(WebhookSubscriber.after_seq)).where(WebhookSubscriber.active.is_(True)))
    waiting = select(WebhookDelivery.event_id).where(WebhookDelivery.status == "pending")
    old = select(WebhookEvent.id).where(WebhookEvent.created_at < cutoff, WebhookEvent.id.not_in(waiting),
                                        *([WebhookEvent.seq <= fanned] if fanned is not None else []))
    ids = list(session.scalars(old))
    if not ids:
        return {}
    deliveries = select(WebhookDelivery.id).where(WebhookDelivery.event_id.in_(ids))
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.event_id.in_(ids)))
    removed = delete_counted(session, delete(WebhookEvent).where(WebhookEvent.id.in_(ids)))
    record_audit(session, "webhook.prune", details={"events": removed})
    return {"webhook_events": removed}
