"""The admin's webhooks page: the city's systems subscribed to Beatlog's events, their deliveries with
every attempt, and a failed delivery tried again (``server.webhooks``)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from server.access import current_person
from server.dashboard import bp, on_refusal
from server.dashboard.auth import page
from server.dashboard.forms import ActiveForm, SubscriberForm, submitted
from server.extensions import db
from server.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscriber
from server.outbox import PUBLISHED
from server.refusals import Refused
from server.webhooks import register, retry, set_active

subscriber_form = SubscriberForm()
active_form = ActiveForm()
DELIVERIES_SHOWN = 50


def webhooks_page(status: int = 200, new_secret: str = "", **errors: Any) -> tuple[str, int]:
    subscribers = db.session.scalars(select(WebhookSubscriber).order_by(WebhookSubscriber.created_at)).all()
    tallies: dict[tuple[uuid.UUID, str], int] = {
        (subscriber_id, state): count for subscriber_id, state, count in db.session.execute(
            select(WebhookDelivery.subscriber_id, WebhookDelivery.status, func.count())
            .group_by(WebhookDelivery.subscriber_id, WebhookDelivery.status))}
    deliveries = db.session.execute(
        select(WebhookDelivery, WebhookEvent).join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .order_by(WebhookEvent.seq.desc()).limit(DELIVERIES_SHOWN)).all()
    attempts: dict[uuid.UUID, list[WebhookAttempt]] = {}
    shown = [delivery.id for delivery, _event in deliveries]
    for attempt in db.session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(shown))
                                      .order_by(WebhookAttempt.at)):
        attempts.setdefault(attempt.delivery_id, []).append(attempt)
    return render_template("dashboard/webhooks.html", subscribers=subscribers, tallies=tallies,
                           deliveries=deliveries, attempts=attempts, published=PUBLISHED, new_secret=new_secret,
                           names={each.id: each.description or each.url for each in subscribers},
                           errors=errors, typed=request.form), status


def webhooks_refused(refusal: Refused, **_view_args: Any) -> tuple[str, int]:
    return webhooks_page(422, **(refusal.fields or {"form": [refusal.message]}))


@bp.route("/webhooks")
@page("admin")
def webhooks() -> tuple[str, int]:
    return webhooks_page()


@bp.route("/webhooks", methods=["POST"])
@page("admin")
@on_refusal(webhooks_refused)
def new_subscriber() -> tuple[str, int]:
    chosen = submitted(subscriber_form, {**request.form, "record_types": request.form.getlist("record_types")})
    _subscriber, secret = register(db.session(), chosen["url"], chosen["record_types"], chosen["description"],
                                   actor_id=current_person().id)
    db.session.flush()
    return webhooks_page(201, new_secret=secret)


@bp.route("/webhooks/<id:subscriber_id>/active", methods=["POST"])
@page("admin")
def subscriber_active(subscriber_id: uuid.UUID) -> Any:
    set_active(db.session(), subscriber_id, submitted(active_form, request.form)["active"],
               actor_id=current_person().id)
    return redirect(url_for("dashboard.webhooks"))


@bp.route("/webhooks/deliveries/<id:delivery_id>/retry", methods=["POST"])
@page("admin")
def retry_delivery(delivery_id: uuid.UUID) -> Any:
    retry(db.session(), delivery_id, actor_id=current_person().id)
    flash(_("The delivery is tried again at the worker's next run."), "done")
    return redirect(url_for("dashboard.webhooks"))
