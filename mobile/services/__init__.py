"""Device hardware and media behind small facades, each with a desktop fallback.

On Android the facades use plyer; on a desktop (development, tests) they fall back to
something that works without the hardware and says so.
"""
