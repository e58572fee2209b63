"""The server half of sync: push (apply device mutations), pull (cursor pages) and the one
record-change core every writer goes through (``change``). Reviews, conflict resolution and
admin edits are operations (``server/operations``) that change records through that core. The
pure rules shared with the handheld live in the top-level ``sync`` package; this package adds
the database.
"""
