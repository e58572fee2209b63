"""What an open form holds between saves, so that Back, a crash or a killed app loses nothing.

A form draft is the officer's unsaved edits of one form (the values its widgets hold, shaped
like the record's data), keyed by the screen and what it was opened on. It is never a record
and never enters the outbox: the record changes only when the officer saves. The ``open_form``
mark names the form that was on screen, so the next start after unlock goes back to it.

A draft remembers the record's data it was made over (None for a new record). It is laid over
that record only while the record still holds that data: over a record changed by a pull,
approved or gone, the officer's old values would silently undo someone else's change (see
:meth:`FormDraft.fits`). The data, not the version, is compared: the officer's own saved change
coming back acknowledged moves the version but leaves the data as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mobile.store.database import Store
from mobile.store.records import LocalRecord
from sync import clock

OPEN_FORM = "open_form"


@dataclass(frozen=True)
class FormDraft:
    screen: str
    params: dict[str, Any]
    fields: dict[str, Any]
    base: dict[str, Any] | None = None
    """The record's data the form was opened on; None for a record not yet made."""

    def fits(self, record: LocalRecord | None) -> bool:
        """Whether the draft may be laid over ``record`` as the store has it now (None: no such record)."""
        if self.base is None:
            return record is None
        return record is not None and record.data == self.base


def draft_key(screen: str, params: dict[str, Any]) -> str:
    return f"{screen}:{json.dumps(params, sort_keys=True)}"


class FormDrafts:
    def __init__(self, store: Store) -> None:
        self.store = store

    def keep(self, screen: str, params: dict[str, Any], fields: dict[str, Any], base: dict[str, Any] | None,
             still_open: bool = True) -> None:
        """Store the form's values made over the record holding ``base``; ``still_open`` marks it as the
        form to return to after a restart."""
        key = draft_key(screen, params)
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO form_draft (key, screen, params, fields, base, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET fields = excluded.fields, base = excluded.base, "
                "updated_at = excluded.updated_at",
                (key, screen, json.dumps(params), json.dumps(fields, ensure_ascii=False),
                 None if base is None else json.dumps(base, ensure_ascii=False), clock.now_text()))
            self.store.set_meta(OPEN_FORM, key if still_open else None, db)

    def get(self, screen: str, params: dict[str, Any]) -> FormDraft | None:
        rows = self.store.query("SELECT * FROM form_draft WHERE key = ?", (draft_key(screen, params),))
        return self._draft(rows[0]) if rows else None

    def discard(self, screen: str, params: dict[str, Any]) -> None:
        """The form was saved or its edits thrown away: nothing of it to keep or to return to."""
        key = draft_key(screen, params)
        with self.store.transaction() as db:
            db.execute("DELETE FROM form_draft WHERE key = ?", (key,))
            self.store.set_meta(OPEN_FORM, None, db)

    def open_form(self) -> FormDraft | None:
        """The form that was on screen with unsaved edits when the app last stopped, if any."""
        key = self.store.get_meta(OPEN_FORM)
        rows = self.store.query("SELECT * FROM form_draft WHERE key = ?", (key,)) if key else []
        return self._draft(rows[0]) if rows else None

    @staticmethod
    def _draft(row: Any) -> FormDraft:
        return FormDraft(row["screen"], json.loads(row["params"]), json.loads(row["fields"]),
                         None if row["base"] is None else json.loads(row["base"]))
