"""Protocol constants both ends of a sync agree on."""

SCHEMA_VERSION = 1
"""The wire schema this code speaks. The server also accepts ``SCHEMA_VERSION - 1``."""

OLDEST_ACCEPTED_SCHEMA_VERSION = SCHEMA_VERSION
API_PREFIX = "/api/v1"
