"""The field-level three-way merge, as a pure function.

For each field a device changed it sends the value it started from (``base``) and its new
value. Against the server's current value:

- server == device: nothing to do;
- server == base: nobody else touched the field, the device's value applies;
- otherwise somebody else changed it too: a conflict. The server's value stays and the
  three values are kept for an admin to decide.

Wall clocks play no part. The server applies this to every pushed update. The handheld does
not merge: it keeps its unsynced edits over what it pulls and lets the server decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldMerge:
    applied: dict[str, Any] = field(default_factory=dict)
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)


def three_way(base: Mapping[str, Any], server: Mapping[str, Any], device: Mapping[str, Any]) -> FieldMerge:
    """Merge ``device``'s changed fields into ``server``, given what the device started from."""
    merge = FieldMerge()
    for name, value in device.items():
        current = server.get(name)
        if current == value:
            continue
        if name in base and current == base[name]:
            merge.applied[name] = value
        else:
            merge.conflicts[name] = {"base": base.get(name), "server": current, "device": value}
    return merge
