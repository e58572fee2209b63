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
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.database import insert_ignoring_duplicates
from server.ledger import record_audit
from server.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscriber
from server.outbox import PUBLISHED
from server.privacy import keyring
from server.refusals import Kind, Refused, invalid
from sync import clock

SIGNATURE_HEADER = "X-Beatlog-Signature"
EVENT_ID_HEADER = "X-Beatlog-Event-Id"
EVENT_HEADER = "X-Beatlog-Event"
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
FAN_OUT_BATCH = 1000
SEND_BATCH = 100


class Poster(Protocol):
    def post(self, url: str, *, data: bytes, headers: Mapping[str, str], timeout: float) -> Any: ...


def secret_place(subscriber_id: uuid.UUID) -> str:
    return f"webhook_subscriber.secret.{subscriber_id}"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def register(session: Session, url: str, record_types: list[str], description: str, *,
             actor_id: uuid.UUID | None) -> tuple[WebhookSubscriber, str]:
    """A new subscriber, receiving the events written from now on; it and its secret (shown once)."""
    parts = urlsplit(url)
    errors: dict[str, list[str]] = {}
    if parts.scheme not in ("http", "https") or not parts.netloc:
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


def deliver(session: Session, config: Mapping[str, Any], poster: Poster | None = None) -> dict[str, int]:
    """Fan out, then send what is due, committing each delivery's outcome as it is known."""
    if poster is None:
        with requests.Session() as own:
            return deliver(session, config, own)
    counts = {"webhook_deliveries_made": fan_out(session), "webhooks_delivered": 0, "webhook_attempts_failed": 0}
    session.commit()
    due = session.execute(
        select(WebhookDelivery.id).where(WebhookDelivery.status == "pending",
                                         WebhookDelivery.next_attempt_at <= clock.now())
        .order_by(WebhookDelivery.next_attempt_at).limit(SEND_BATCH)).scalars().all()
    session.commit()
    for delivery_id in due:
        delivered = send(session, delivery_id, config, poster)
        counts["webhooks_delivered" if delivered else "webhook_attempts_failed"] += 1
        session.commit()
    return {name: count for name, count in counts.items() if count}


def send(session: Session, delivery_id: uuid.UUID, config: Mapping[str, Any], poster: Poster) -> bool:
    """Post one delivery and record the attempt; whether the receiver took it."""
    delivery = session.get_one(WebhookDelivery, delivery_id)
    event = session.get_one(WebhookEvent, delivery.event_id)
    subscriber = session.get_one(WebhookSubscriber, delivery.subscriber_id)
    secret = keyring().open(secret_place(subscriber.id), subscriber.secret)
    session.commit()
    body = json.dumps(event.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(clock.now().timestamp())
    headers = {"Content-Type": "application/json", EVENT_ID_HEADER: str(event.id), EVENT_HEADER: event.kind,
               SIGNATURE_HEADER: signature(secret, timestamp, body)}
    started, code, error = time.perf_counter(), None, ""
    try:
        code = poster.post(subscriber.url, data=body, headers=headers,
                           timeout=config["WEBHOOK_TIMEOUT_SECONDS"]).status_code
        if not 200 <= code < 300:
            error = f"answered {code}"
    except requests.RequestException as failure:
        error = f"{type(failure).__name__}: {failure}"[:500]
    now: datetime = clock.now()
    session.add(WebhookAttempt(delivery_id=delivery.id, at=now, status_code=code, error=error,
                               duration_ms=round(1000 * (time.perf_counter() - started))))
    delivery.attempts += 1
    if not error:
        delivery.status, delivery.delivered_at = "delivered", now
    elif delivery.attempts >= config["WEBHOOK_MAX_ATTEMPTS"]:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = now + wait_after(delivery.attempts)
    return not error
