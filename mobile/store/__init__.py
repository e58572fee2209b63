"""The handheld's local store: the officer's scope, unsynced edits and sync state, in SQLite."""

from mobile.store.database import Store, StoreError, StoreLocked, WrongKey
from mobile.store.drafts import FormDraft, FormDrafts
from mobile.store.records import LocalRecord, Records, SyncState
from mobile.store.replica import Replica

__all__ = ["FormDraft", "FormDrafts", "LocalRecord", "Records", "Replica", "Store", "StoreError", "StoreLocked",
           "SyncState", "WrongKey"]
