"""The handheld app: local store, outbox and sync client (no Kivy), and the Kivy screens in ``ui``."""
