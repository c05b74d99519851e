"""A small rendered frame sequence: real PNG images, written with the standard library (dev only).

The demo and the end-to-end tests publish "render output"; these frames stand in for a
renderer's: valid PNG files (8-bit RGB, a gradient that moves from frame to frame) named
``<name>.<frame>.png``, so that anything reading them as images can.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, frame: int) -> bytes:
    """One frame: a diagonal gradient shifted by ``frame``."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            rows += bytes(((x * 4 + frame * 8) % 256, (y * 6) % 256, (frame * 40) % 256))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(rows), 9)) \
        + _chunk(b"IEND", b"")


def write_frames(directory: Path, name: str = "beauty", first: int = 1001, count: int = 3,
                 size: tuple[int, int] = (64, 36)) -> list[Path]:
    """Write ``name.<first>.png`` ... into ``directory``; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for frame in range(first, first + count):
        path = directory / f"{name}.{frame:04d}.png"
        path.write_bytes(png(*size, frame))
        paths.append(path)
    return paths
