"""The demo's rental registry (出租房屋, 流动人口): houses, registrations and permit applications in two rooms.

About fifty houses in 枫杨 and 中港 with about 150 registrations, every one pushed from its officer's
handheld at the time it was made. Names are obviously fictional (演示…) and documents synthetic:
resident IDs with a valid region, birth date and check digit that nobody holds, passports of a few
nationalities. There are residents who moved out, foreigners registered late, houses not verified
for months, a resident registered in 中港 while still open in 枫杨 (so the one-open rule marks the
earlier "moved?"), and permit applications at every step.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from random import Random
from typing import Any

from sqlalchemy.orm import Session

from server.demo.handhelds import Handhelds
from server.models import Person
from sync.identity import with_check_digit

CHINA = timezone(timedelta(hours=8))
ROOMS = (("officer1", "officer2", 30, ("枫杨路", "枫南路", "东栅街")),
         ("officer3", "officer3", 20, ("中港路", "睦邻路")))
"""Per room (枫杨, 中港): the officers who register (the first most, the second some), houses, streets."""
REGIONS = (("330402", "浙江省嘉兴市南湖区", 1985, 2003), ("330421", "浙江省嘉善县", 1985, 2003),
           ("412726", "河南省郸城县", 1975, 1995), ("362426", "江西省泰和县", 1975, 1995),
           ("522121", "贵州省遵义县", 1975, 1995), ("420922", "湖北省孝昌县", 1995, 2003))
"""Region codes valid in those birth years (GB/T 2260 as python-stdnum knows it), and the place they name."""
SURNAMES = "张王李赵陈刘杨黄周吴徐孙朱马胡郭何高林罗"
GIVEN = "甲乙丙丁戊己庚辛壬癸"
FOREIGNERS = (("KOR", "Z"), ("JPN", "M"), ("VNM", "X"), ("PHL", "L"), ("IND", "Z"))
EMPLOYERS = ("嘉兴某纺织厂", "外卖骑手", "某电子厂", "个体经营", "某餐饮店", "建筑工地", "快递员", "学生")


def resident_id(rng: Random) -> tuple[str, str]:
    """A synthetic resident ID number and the place of household registration it names."""
    code, place, first, last = rng.choice(REGIONS)
    born = datetime(rng.randint(first, last), rng.randint(1, 12), rng.randint(1, 28))
    first17 = f"{code}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return with_check_digit(first17), place


def fictional_name(rng: Random) -> str:
    return "演示" + rng.choice(SURNAMES) + rng.choice(GIVEN)


class RegistryDemo(Handhelds):
    def __init__(self, session: Session, rng: Random, now: datetime, people: dict[str, Person],
                 devices: dict[str, uuid.UUID]) -> None:
        super().__init__(session, rng, now, devices)
        self.people = people
        self.counts: dict[str, int] = {}
        self.open_elsewhere: tuple[str, str, datetime] | None = None
        """A 枫杨 resident's document, place and registration time, registered again in 中港 (still open in 枫杨)."""

    def build(self, counts: dict[str, int]) -> None:
        for first, second, houses, streets in ROOMS:
            for number in range(houses):
                officer = self.people[second if number % 5 == 4 else first]
                self.house(officer, f"嘉兴市南湖区{self.rng.choice(streets)}{self.rng.randint(1, 300)}号", number)
        for name, count in self.counts.items():
            counts[name] = counts.get(name, 0) + count

    def house(self, officer: Person, address: str, number: int) -> None:
        registered = self.now - timedelta(days=self.rng.randint(200, 700))
        house_id = str(self.uuid())
        units = [f"{floor}0{door}" for floor in range(1, self.rng.randint(2, 4)) for door in (1, 2)]
        landlord_number = resident_id(self.rng)[0] if number % 2 == 0 else ""
        self.send(officer, registered, "rental_house", house_id, {
            "room_id": str(officer.room_id), "officer_id": str(officer.id), "address": address,
            "landlord_name": fictional_name(self.rng), "landlord_id_number": landlord_number,
            "landlord_phone": f"139{self.rng.randint(0, 99999999):08d}", "units": units})
        self.counted("rental houses")
        unverified = number % 7 == 3
        verified = self.now - timedelta(days=self.rng.randint(100, 160) if unverified else self.rng.randint(3, 80))
        self.send(officer, verified, "rental_house", house_id, {"last_verified_at": self.local(verified)},
                  base_version=1, base={"last_verified_at": None})
        for unit in units[:4]:
            self.occupant(officer, house_id, unit, number)

    def occupant(self, officer: Person, house_id: str, unit: str, number: int) -> None:
        arrived = self.now - timedelta(days=self.rng.randint(10, 400), hours=self.rng.randint(0, 12))
        again = self.open_elsewhere if officer.username == "officer3" else None
        if again is not None:
            arrived = again[2] + (self.now - again[2]) / 2
        foreign = number % 9 == 2 and unit.endswith("1")
        late = foreign and number % 2 == 0
        registered = arrived + (timedelta(hours=self.rng.randint(30, 70)) if late
                                else timedelta(hours=self.rng.randint(1, 20)))
        if foreign:
            nationality, visa = self.rng.choice(FOREIGNERS)
            document: dict[str, Any] = {"document_kind": "passport", "nationality": nationality, "visa_type": visa,
                                        "document_number": f"M{self.rng.randint(10000000, 99999999)}"}
            place = ""
        else:
            identity, place = resident_id(self.rng)
            document = {"document_kind": "resident_id", "document_number": identity}
        if again is not None:
            document, place = {"document_kind": "resident_id", "document_number": again[0]}, again[1]
            foreign, self.open_elsewhere = False, None
        occupant_id = str(self.uuid())
        self.send(officer, registered, "occupant", occupant_id, {
            "house_id": house_id, "officer_id": str(officer.id), "unit": unit, "full_name": fictional_name(self.rng),
            **document, "phone": f"13{self.rng.randint(100000000, 999999999)}", "household_place": place,
            "employer": self.rng.choice(EMPLOYERS), "arrived_at": self.local(arrived),
            "registered_at": self.local(registered),
            "verification": self.rng.choice(("document_seen", "document_seen", "landlord", "self_declared"))})
        self.counted("registrations")
        kept_open = number == 1 and unit == "101" and officer.username != "officer3" and not foreign
        if kept_open:
            self.open_elsewhere = (document["document_number"], place, registered)
        moved_out = not kept_open and self.rng.random() < 0.18 and (self.now - arrived).days > 60
        if moved_out:
            left = arrived + timedelta(days=self.rng.randint(30, (self.now - arrived).days - 5))
            self.send(officer, left, "occupant", occupant_id, {"moved_out_at": self.local(left)}, base_version=1,
                      base={"moved_out_at": None})
        elif not foreign and self.rng.random() < 0.12:
            self.permit(officer, occupant_id, registered)

    def permit(self, officer: Person, occupant_id: str, registered: datetime) -> None:
        applied = min(registered + timedelta(days=self.rng.randint(1, 20)), self.now - timedelta(hours=2))
        waited = (self.now - applied).days
        step = self.rng.choice(("applied", "accepted", "issued", "issued", "refused")[:1 if waited < 2 else
                                                                                     2 if waited < 16 else 5])
        steps: dict[str, Any] = {}
        if step != "applied":
            steps["accepted_at"] = self.local(applied + timedelta(days=1))
        if step in ("issued", "refused"):
            steps["decided_at"] = self.local(applied + timedelta(days=15))
            steps.update({"permit_number": f"浙居{self.rng.randint(100000, 999999)}"} if step == "issued"
                         else {"reason": "居住未满半年"})
        self.send(officer, applied, "residence_permit", str(self.uuid()), {
            "occupant_id": occupant_id, "officer_id": str(officer.id), "applied_at": self.local(applied),
            "status": step, **steps})
        self.counted("permit applications")

    def counted(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    @staticmethod
    def local(moment: datetime) -> str:
        return moment.astimezone(CHINA).isoformat()
