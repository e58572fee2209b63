"""The demo's handhelds: each person's device, signed in once, pushing through the real engine at a past moment.

Data made this way gets everything the server derives on a push (routing, folds, the
one-open-registration rule) exactly as a phone's would.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from random import Random
from typing import Any

from sqlalchemy.orm import Session

from server.access import Scope
from server.demo import org
from server.models import Person
from server.operations.devices import DeviceInfo, sign_in
from server.syncing.push import Caller, push
from sync import clock
from sync.protocol import SCHEMA_VERSION


class Handhelds:
    def __init__(self, session: Session, rng: Random, now: datetime,
                 devices: dict[str, uuid.UUID] | None = None) -> None:
        self.session = session
        self.rng = rng
        self.now = now
        self.devices: dict[str, uuid.UUID] = {} if devices is None else devices
        """Each person's handheld by username: shared by the demo's parts, so one person has one phone."""

    def send(self, person: Person, at: datetime, record_type: str, record_id: str, data: dict[str, Any],
             *, base_version: int | None = None, base: dict[str, Any] | None = None) -> int:
        """Push one change from the person's handheld as at ``at`` (a create, or with a base an update); its version."""
        mutation = {"mutation_id": self.uuid(), "type": record_type, "id": uuid.UUID(record_id),
                    "op": "create" if base is None else "update", "base_version": base_version, "data": data,
                    "base": base}
        with clock_at(min(at, self.now)):
            caller = Caller(person.id, self.device_of(person), Scope.of(self.session, person))
            results = push(self.session, caller, [mutation])
        if results[0]["status"] != "applied":
            raise RuntimeError(f"the demo's {record_type} was not applied: {results[0]}")
        version: int = results[0]["version"]
        return version

    def device_of(self, person: Person) -> uuid.UUID:
        """The person's handheld, signed in once."""
        if person.username not in self.devices:
            device_id = self.uuid()
            sign_in(self.session, person.username, org.DEMO_PASSWORD,
                    DeviceInfo(device_id, f"{person.display_name}的警务通", platform="android", app_version="1.0.0",
                               schema_version=SCHEMA_VERSION), "127.0.0.1")
            self.devices[person.username] = device_id
        return self.devices[person.username]

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """The process clock stopped at ``moment`` while one step is pushed."""
    previous = clock.set_clock(clock.Clock.at(moment, frozen=True))
    try:
        yield
    finally:
        clock.set_clock(previous)
