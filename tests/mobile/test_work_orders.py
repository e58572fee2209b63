"""Work orders on the handheld core: Today's lists for both sides, steps taken offline, who was first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from marshmallow import ValidationError

from mobile.work_orders import PlateHistory, plate_history, report, reporter_work, squad_work, take_step, views
from sync import clock
from tests.phone import DeviceFactory, Phone
from tests.world import World


def person(world: World, username: str, role: str, room: str | None = None) -> dict[str, Any]:
    return {"id": str(world.people[username]), "role": role,
            "room_id": str(world.rooms[room]) if room else None}


def signed_in(device: DeviceFactory, username: str) -> Phone:
    phone = device(username)
    phone.pull()
    return phone


def test_a_traffic_officers_today_has_the_squads_new_orders_and_an_offline_acceptance_makes_one_theirs(
        world: World, device: DeviceFactory) -> None:
    phone = signed_in(device, "traffic_s1")
    today = squad_work(phone.records, str(world.people["traffic_s1"]), "traffic")
    assert [view.order.id for view in today.new] == [str(world.work_orders["A2"])]
    assert [view.order.id for view in today.mine] == [str(world.work_orders["A1"])]
    assert squad_work(signed_in(device, "traffic_t").records, str(world.people["traffic_t"]), "traffic").new[0] \
        .order.id == str(world.work_orders["B1"])
    take_step(phone.records, str(world.work_orders["A2"]), person(world, "traffic_s1", "traffic"), "accepted")
    today = squad_work(phone.records, str(world.people["traffic_s1"]), "traffic")
    assert {view.order.id for view in today.mine} == {str(world.work_orders["A1"]), str(world.work_orders["A2"])}
    assert today.new == []


def test_overdue_orders_come_first_and_are_counted(world: World, device: DeviceFactory) -> None:
    phone = signed_in(device, "lead_s")
    later = clock.now() + timedelta(days=2)
    today = squad_work(phone.records, str(world.people["lead_s"]), "squad_lead", now=later)
    assert today.overdue == 0
    reporter = signed_in(device, "officer_a1")
    reported = report(reporter.records, person(world, "officer_a1", "officer", "A1"), "illegal_parking",
                      "中山东路9号", plate="浙F99999")
    reporter.sync()
    phone.pull()
    today = squad_work(phone.records, str(world.people["lead_s"]), "squad_lead", now=later)
    assert today.new[0].order.id == reported.id and today.new[0].late == {"accept", "resolve"}
    assert today.overdue == 1


def test_the_second_offline_acceptance_is_shown_refused_with_the_name_of_who_was_first(
        world: World, device: DeviceFactory) -> None:
    first, second = signed_in(device, "traffic_s1"), signed_in(device, "traffic_s2")
    order_id = str(world.work_orders["A2"])
    take_step(first.records, order_id, person(world, "traffic_s1", "traffic"), "accepted")
    mine = take_step(second.records, order_id, person(world, "traffic_s2", "traffic"), "accepted")
    assert views(second.records, [second.records.get("work_order", order_id)])[0].state == "accepted"
    first.sync()
    second.sync()
    view = views(second.records, [second.records.get("work_order", order_id)])[0]
    [(refused, verdict)] = view.refused_steps(str(world.people["traffic_s2"]))
    assert refused.id == mine.id and verdict.state == "accepted"
    assert view.name_of(verdict) == "Traffic S1"
    assert squad_work(second.records, str(world.people["traffic_s2"]), "traffic").mine == []


def test_a_resolution_reaches_the_room_to_verify_and_verifying_closes_it_offline_first(
        world: World, device: DeviceFactory) -> None:
    traffic = signed_in(device, "traffic_s1")
    order_id = str(world.work_orders["A1"])
    actor = person(world, "traffic_s1", "traffic")
    take_step(traffic.records, order_id, actor, "accepted")
    take_step(traffic.records, order_id, actor, "resolved", outcome="moved_by_owner")
    traffic.sync()
    colleague = signed_in(device, "officer_a1b")
    work = reporter_work(colleague.records, str(world.people["officer_a1b"]))
    assert [view.order.id for view in work.to_verify] == [order_id]
    take_step(colleague.records, order_id, person(world, "officer_a1b", "officer"), "verified")
    assert reporter_work(colleague.records, str(world.people["officer_a1b"])).to_verify == []
    colleague.sync()
    assert colleague.records.get("work_order", order_id).data["status"] == "closed"


def test_a_step_missing_what_its_kind_needs_is_refused_before_it_is_queued(world: World, device: DeviceFactory) -> None:
    phone = signed_in(device, "traffic_s1")
    with pytest.raises(ValidationError) as refused:
        take_step(phone.records, str(world.work_orders["A1"]), person(world, "traffic_s1", "traffic"), "resolved",
                  outcome="ticketed")
    assert "ticket_number" in refused.value.messages
    assert phone.pending() == 0


def test_steps_taken_in_the_same_second_fold_in_the_order_they_were_made(world: World, device: DeviceFactory) -> None:
    phone = signed_in(device, "traffic_s1")
    actor, order_id = person(world, "traffic_s1", "traffic"), str(world.work_orders["A2"])
    previous = clock.set_clock(clock.Clock.at(clock.now(), frozen=True))
    try:
        take_step(phone.records, order_id, actor, "accepted")
        take_step(phone.records, order_id, actor, "contacting", contact_result="reached")
        take_step(phone.records, order_id, actor, "resolved", outcome="towed")
    finally:
        clock.set_clock(previous)
    view = views(phone.records, [phone.records.get("work_order", order_id)])[0]
    assert (view.state, set(view.folded.verdicts.values())) == ("resolved", {None})


def test_a_step_the_server_refused_is_kept_aside_and_not_folded(world: World, device: DeviceFactory) -> None:
    lead = signed_in(device, "lead_s")
    order_id = str(world.work_orders["A2"])
    take_step(lead.records, order_id, person(world, "lead_s", "squad_lead"), "assigned",
              assignee_id=str(world.people["traffic_t"]))
    lead.sync()
    view = views(lead.records, [lead.records.get("work_order", order_id)])[0]
    assert (view.state, view.folded.assignee_id) == ("dispatched", None)
    assert [event.data["assignee_id"] for event in view.refused] == [str(world.people["traffic_t"])]


def test_the_phone_knows_a_plates_history_from_its_file_and_its_own_unsent_reports(
        world: World, device: DeviceFactory) -> None:
    phone = signed_in(device, "officer_a1")
    officer = person(world, "officer_a1", "officer", "A1")
    known = plate_history(phone.records, "浙F12345")
    assert (known.total, known.lately, known.repeat) == (2, 2, False)
    assert plate_history(phone.records, "浙FZ9999") == PlateHistory(total=0, lately=0, last=None, repeat=False)
    report(phone.records, officer, "illegal_parking", "中山东路", plate="浙F12345")
    known = plate_history(phone.records, "浙F12345")
    assert (known.total, known.lately, known.repeat) == (3, 3, True)
    phone.sync()
    assert plate_history(phone.records, "浙F12345") == known
    assert plate_history(phone.records, "浙F12345", clock.now() + timedelta(days=31)).repeat is False
