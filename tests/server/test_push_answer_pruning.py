"""Pruning stored push answers: an answer goes only once no phone can replay its mutation.

The phones are the real handheld core (``tests.phone``): what they replay, and when, is what
the handheld does.
"""

from __future__ import annotations

from typing import Any

from tests.phone import DeviceFactory
from tests.world import World


def venue_data(world: World, name: str = "月河宾馆") -> dict[str, Any]:
    return {"room_id": str(world.rooms["A1"]), "name": name, "kind": "hotel", "address": "中山东路1号"}


def test_a_round_sends_every_waiting_mutation_before_it_pulls_even_behind_a_batch_of_retryable_refusals(
    device: DeviceFactory, world: World
) -> None:
    """The handheld's promise the pruning bound rests on: a pull follows the answers of every
    mutation that was waiting, even when more than a batch of them wait for a photo."""
    phone = device("officer_a1")
    phone.pull()
    missing = "0" * 64
    phone.edit("inspection", str(world.inspections["A1"]), photo_hashes=[missing])
    phone.edit("followup", str(world.followups["A1"]), photo_hashes=[missing])
    venue = phone.create("venue", venue_data(world))
    phone.sync(push_batch=2)
    statuses = {result["id"]: (result["status"], result.get("code")) for result in phone.results}
    assert statuses == {str(world.inspections["A1"]): ("rejected", "missing_blob"),
                        str(world.followups["A1"]): ("rejected", "missing_blob"), venue: ("applied", None)}
    assert phone.pending() == 2
