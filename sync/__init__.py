"""Beatlog's sync core, shared by the server and the handheld.

Pure Python: record vocabularies, wire schemas and protocol constants. It imports
neither Flask nor Kivy, so the handheld can validate a record exactly as the server will.
"""
