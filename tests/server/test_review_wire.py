"""Review check (i13-review): every record's stored wire entry says what its columns say, after the demo."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import select

from server.extensions import db
from server.syncing.wire import MAPPINGS, change_entry
from tests.server.test_demo import demo  # noqa: F401  (the fixture)


def test_every_stored_wire_entry_matches_the_columns_read_back(demo: Flask) -> None:  # noqa: F811
    db.session.expire_all()
    wrong = []
    for mapping in MAPPINGS.values():
        for record in db.session.scalars(select(mapping.model)):
            expected = change_entry(mapping.name, record.id, record.version, record.deleted, record.updated_at,
                                    record.updated_by, mapping.wire_of(record))
            if json.loads(record.wire) != json.loads(expected):
                got, want = json.loads(record.wire), json.loads(expected)
                wrong.append((mapping.name, str(record.id),
                              {k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)},
                              {k: (got["data"].get(k), want["data"].get(k)) for k in want["data"]
                               if got["data"].get(k) != want["data"].get(k)}))
    assert not wrong, wrong[:5]
