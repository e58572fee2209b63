"""Webhooks to a receiver this test runs on loopback: signed, retried with back-off while it is down,
each event kept once by its id, none for a change that rolled back."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from server.extensions import db
from server.models import Inspection, WebhookAttempt, WebhookDelivery, WebhookEvent
from server.operations.records import locked
from server.operations.review import review_inspection
from server.refusals import Refused
from server.syncing.change import write_record
from server.upkeep.jobs import JOBS, run_job
from server.webhooks import EVENT_ID_HEADER, SIGNATURE_HEADER, register, retry
from tests.phone import DeviceFactory
from tests.server.test_planning import chief_scope, inspected_now
from tests.world import World

Later = Any


class Receiver:
    """A city system's endpoint: keeps each event once by its id, answers 503 while ``failing``, and
    (``slow``) takes an event but answers after the sender stopped waiting."""

    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.failing = False
        self.slow = False
        self.redirect = False
        self.meanwhile: Any = None
        """Called while a request is being answered (what else can use the database then)."""
        self.on_the_wire: list[str] = []
        self.kept: dict[str, dict[str, Any]] = {}
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.took(self.headers[EVENT_ID_HEADER], self.headers[SIGNATURE_HEADER], body)
                if receiver.meanwhile is not None:
                    receiver.meanwhile()
                if receiver.slow:
                    time.sleep(1.5)
                if receiver.redirect:
                    self.send_response(307)
                    self.send_header("Location", receiver.url + "/elsewhere")
                else:
                    self.send_response(503 if receiver.failing else 204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/beatlog"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def took(self, event_id: str, signed: str, body: bytes) -> None:
        self.on_the_wire.append(event_id)
        stamp, digest = (part.split("=", 1)[1] for part in signed.split(","))
        expected = hmac.new(self.secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, digest):
            self.bad_signatures += 1
        elif not self.failing:
            self.kept.setdefault(event_id, json.loads(body))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.stop()


def subscribe(app: Flask, world: World, receiver: Receiver, *record_types: str) -> int:
    """Register the receiver; the position of the last event written before it subscribed."""
    with app.app_context():
        subscriber, receiver.secret = register(db.session, receiver.url, list(record_types), "一网通",
                                               actor_id=world.people["admin"])
        db.session.commit()
        return subscriber.after_seq


def inspect_and_push(device: DeviceFactory, world: World) -> str:
    """Officer A1 submits an inspection from the phone and pushes it; its id."""
    phone = device("officer_a1")
    inspection_id = phone.create("inspection", inspected_now(world))
    phone.push()
    return inspection_id


def deliver(app: Flask) -> dict[str, int]:
    with app.app_context():
        done = run_job(JOBS["deliver-webhooks"], app.config)
    assert done.error is None, done.error
    return done.counts


def events(app: Flask, after: int) -> list[tuple[str, str]]:
    """The outbox's events written after position ``after``: (id, kind)."""
    with app.app_context():
        return [(str(event.id), event.kind) for event in db.session.scalars(
            select(WebhookEvent).where(WebhookEvent.seq > after).order_by(WebhookEvent.seq))]


def test_an_event_reaches_a_receiver_that_was_down_once_signed_after_retries_with_back_off(
    app: Flask, world: World, device: DeviceFactory, receiver: Receiver, later: Later,
) -> None:
    subscribed = subscribe(app, world, receiver, "inspection")
    inspection_id = inspect_and_push(device, world)
    with app.app_context():
        review_inspection(db.session, uuid.UUID(inspection_id), "return", "签名不清",
                          scope=chief_scope(world), reviewer_id=world.people["chief_a"])
        db.session.commit()
    sent = [(event_id, kind) for event_id, kind in events(app, subscribed) if kind.startswith("inspection.")]
    assert [kind for _, kind in sent] == ["inspection.create", "inspection.review"]

    receiver.failing = True
    assert deliver(app) == {"webhook_deliveries_made": 2, "webhook_attempts_failed": 1}, \
        "a receiver that failed is passed over for the rest of the run"
    assert deliver(app) == {"webhook_attempts_failed": 1}
    assert deliver(app) == {}, "nothing is due before its back-off"
    receiver.stop()
    later(timedelta(seconds=31))
    assert deliver(app) == {"webhook_attempts_failed": 1}
    assert deliver(app) == {"webhook_attempts_failed": 1}
    with app.app_context():
        errors = db.session.scalars(select(WebhookAttempt.error).order_by(WebhookAttempt.at)).all()
    assert errors[:2] == ["answered 503", "answered 503"] and all("ConnectionError" in e for e in errors[2:])

    revived = Receiver(receiver.secret)
    try:
        retarget(app, revived.url)
        later(timedelta(seconds=59))
        assert deliver(app) == {}, "the second wait is twice the first"
        later(timedelta(seconds=2))
        assert deliver(app) == {"webhooks_delivered": 2}
        later(timedelta(hours=2))
        assert deliver(app) == {}
        assert revived.bad_signatures == 0
        assert list(revived.kept) == [event_id for event_id, _ in sent]
        assert revived.kept[sent[1][0]]["record"]["data"]["review_comment"] == "签名不清"
    finally:
        revived.stop()


def retarget(app: Flask, url: str) -> None:
    """The receiver came back on another port (a test's loopback server cannot rebind its own)."""
    from server.models import WebhookSubscriber

    with app.app_context():
        for subscriber in db.session.scalars(select(WebhookSubscriber)):
            subscriber.url = url
        db.session.commit()


def test_an_answer_lost_after_the_receiver_took_the_event_is_sent_again_and_kept_once(
    app: Flask, world: World, device: DeviceFactory, receiver: Receiver, later: Later,
) -> None:
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 0.5
    subscribe(app, world, receiver, "inspection")
    inspect_and_push(device, world)
    receiver.slow = True
    assert deliver(app) == {"webhook_deliveries_made": 1, "webhook_attempts_failed": 1}
    receiver.slow = False
    later(timedelta(minutes=1))
    assert deliver(app) == {"webhooks_delivered": 1}
    assert len(receiver.on_the_wire) == 2 and len(set(receiver.on_the_wire)) == 1 and len(receiver.kept) == 1


def test_a_change_that_rolled_back_makes_no_event_and_a_type_not_subscribed_is_not_sent(
    app: Flask, world: World, device: DeviceFactory, receiver: Receiver,
) -> None:
    subscribed = subscribe(app, world, receiver, "inspection", "assignment")
    with app.app_context():
        write_record(db.session, locked(db.session, Inspection, world.inspections["A1"]), "update",
                     {"findings": "未提交的修改"}, actor_id=world.people["officer_a1"])
        db.session.rollback()
    assert events(app, subscribed) == []
    phone = device("officer_a1")
    phone.create("venue", {"room_id": str(world.rooms["A1"]), "name": "新开业网吧", "kind": "internet_cafe",
                           "address": "A1 Road 9"})
    phone.push()
    assert [kind for _, kind in events(app, subscribed)] == ["venue.create"]
    assert deliver(app) == {}
    assert receiver.on_the_wire == []


def test_a_delivery_that_keeps_failing_stops_after_the_last_attempt_and_an_admin_tries_it_again(
    app: Flask, world: World, device: DeviceFactory, receiver: Receiver, later: Later,
) -> None:
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 3
    subscribe(app, world, receiver, "inspection")
    inspect_and_push(device, world)
    receiver.failing = True
    for _ in range(3):
        deliver(app)
        later(timedelta(hours=1))
    assert deliver(app) == {}
    with app.app_context():
        delivery = db.session.scalars(select(WebhookDelivery)).one()
        assert (delivery.status, delivery.attempts) == ("failed", 3)
        retry(db.session, delivery.id, actor_id=world.people["admin"])
        db.session.commit()
    receiver.failing = False
    assert deliver(app) == {"webhooks_delivered": 1}
    assert len(receiver.kept) == 1


def test_while_a_delivery_is_in_flight_the_database_is_free_for_everyone_else(
    app: Flask, world: World, device: DeviceFactory, receiver: Receiver,
) -> None:
    """A receiver that takes its time must not hold SQLite's write lock, nor a PostgreSQL row lock, meanwhile."""
    subscribe(app, world, receiver, "inspection")
    inspect_and_push(device, world)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    other = sa.create_engine(url, connect_args={"timeout": 0} if url.startswith("sqlite") else {})
    free: list[bool] = []

    def write_meanwhile(*_args: Any) -> None:
        try:
            with other.connect() as connection:
                if connection.dialect.name == "sqlite":
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                    connection.exec_driver_sql("ROLLBACK")
                else:
                    with connection.begin():
                        connection.exec_driver_sql("SELECT id FROM webhook_delivery FOR UPDATE NOWAIT").all()
            free.append(True)
        except sa.exc.OperationalError:
            free.append(False)

    receiver.meanwhile = write_meanwhile
    try:
        assert deliver(app) == {"webhook_deliveries_made": 1, "webhooks_delivered": 1}
    finally:
        other.dispose()
    assert free == [True]


def test_a_paused_subscriber_gets_nothing_until_it_resumes_and_a_redirect_is_not_followed(
    app: Flask, world: World, device: DeviceFactory, receiver: Receiver, later: Later,
) -> None:
    from server.models import WebhookSubscriber
    from server.webhooks import set_active

    subscribe(app, world, receiver, "inspection")
    with app.app_context():
        subscriber_id = db.session.scalars(select(WebhookSubscriber.id)).one()
        set_active(db.session, subscriber_id, False, actor_id=world.people["admin"])
        db.session.commit()
    inspect_and_push(device, world)
    assert deliver(app) == {}
    with app.app_context():
        set_active(db.session, subscriber_id, True, actor_id=world.people["admin"])
        db.session.commit()
    receiver.redirect = True
    assert deliver(app) == {"webhook_deliveries_made": 1, "webhook_attempts_failed": 1}
    assert receiver.on_the_wire == [receiver.on_the_wire[0]], "the redirect's target was never asked"
    receiver.redirect = False
    later(timedelta(seconds=31))
    assert deliver(app) == {"webhooks_delivered": 1}


def test_a_failure_of_any_kind_is_the_attempts_and_never_stops_the_other_deliveries(
    app: Flask, world: World, device: DeviceFactory,
) -> None:
    from server.webhooks import deliver as deliver_with

    class Broken:
        def post(self, url: str, **_kwargs: Any) -> Any:
            raise RuntimeError(f"cannot reach {url}")

    with app.app_context():
        register(db.session, "http://127.0.0.1:9/a", ["inspection"], "", actor_id=world.people["admin"])
        db.session.commit()
    inspect_and_push(device, world)
    with app.app_context():
        assert deliver_with(db.session, app.config, Broken()) == {"webhook_deliveries_made": 1,
                                                                  "webhook_attempts_failed": 1}
        db.session.commit()
        assert db.session.scalars(select(WebhookAttempt.error)).one().startswith("RuntimeError: cannot reach")


@pytest.mark.parametrize("url", ["ftp://city.example/hook", "http://[::1/x", "http://host:port/x", "no address",
                                 "http://" + "a" * 64 + ".example/hook"])
def test_an_address_requests_cannot_send_to_is_refused_when_registered(app: Flask, world: World, url: str) -> None:
    with app.app_context(), pytest.raises(Refused) as refused:
        register(db.session, url, ["inspection"], "", actor_id=world.people["admin"])
    assert refused.value.fields == {"url": ["An http or https address."]}


def test_old_events_no_subscriber_waits_for_are_pruned_and_one_still_waiting_is_kept(
    app: Flask, world: World, device: DeviceFactory, receiver: Receiver, later: Later,
) -> None:
    subscribed = subscribe(app, world, receiver, "inspection")
    inspect_and_push(device, world)
    receiver.failing = True
    deliver(app)
    later(timedelta(days=31))
    with app.app_context():
        done = run_job(JOBS["prune-webhook-events"], app.config)
    assert done.error is None and done.counts.get("webhook_events", 0) > 0
    assert [kind for _, kind in events(app, subscribed)] == ["inspection.create"], "still waiting to be taken"
    receiver.failing = False
    assert deliver(app) == {"webhooks_delivered": 1}
    with app.app_context():
        assert run_job(JOBS["prune-webhook-events"], app.config).counts == {"webhook_events": 1}
    assert events(app, 0) == []
