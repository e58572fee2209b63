"""Small but real PNG images for the demo's photos and signatures, made without any library.

A photo is a coloured scene (sky, a wall, a doorway) whose colours come from a seed; a
signature is a dark stroke on white that wanders with the signer's name.
"""

from __future__ import annotations

import math
import random
import struct
import zlib
from collections.abc import Callable
from functools import lru_cache

Pixel = tuple[int, int, int]


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    raw = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


@lru_cache(maxsize=64)
def scene_photo(seed: int, width: int = 120, height: int = 90) -> bytes:
    """A venue front: sky, a wall in one of a few colours, a door, and a red hazard mark."""
    rng = random.Random(seed)
    wall = rng.choice([(196, 180, 150), (170, 170, 176), (210, 200, 186), (150, 120, 100)])
    door_left = rng.randint(20, width - 60)
    mark = (rng.randint(10, width - 20), rng.randint(height // 2, height - 20))

    def pixel(x: int, y: int) -> Pixel:
        if (x - mark[0]) ** 2 + (y - mark[1]) ** 2 < 36:
            return (220, 30, 30)
        if y < height // 3:
            return (135, 190, 235)
        if door_left <= x < door_left + 34 and y > height // 2:
            return (90, 60, 40)
        return wall

    return png(width, height, pixel)


@lru_cache(maxsize=512)
def signature(name: str, width: int = 160, height: int = 48) -> bytes:
    """A hand-like stroke whose shape follows the signer's name."""
    rng = random.Random(name)
    waves = [(rng.uniform(0.02, 0.09), rng.uniform(0, 6.28), rng.uniform(6, 14)) for _ in range(3)]

    def curve(x: int) -> float:
        return height / 2 + sum(amplitude * math.sin(frequency * x + phase) for frequency, phase, amplitude in waves)

    def pixel(x: int, y: int) -> Pixel:
        if 10 <= x < width - 10 and abs(y - curve(x)) < 1.6:
            return (20, 20, 60)
        return (255, 255, 255)

    return png(width, height, pixel)
