"""The server half of sync: push (apply device mutations), pull (cursor pages), conflicts,
reviews and blobs. The pure rules it shares with the handheld live in the top-level ``sync``
package; this package adds the database.
"""
