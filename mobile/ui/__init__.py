"""The handheld's Kivy screens: one ``.kv`` per screen for layout, logic in the Python beside it.

Everything below ``mobile/ui`` may import Kivy; the rest of ``mobile`` may not, so the store,
the outbox and the sync client stay testable and reusable without a window.
"""
