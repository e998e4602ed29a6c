#!/usr/bin/env python3
"""Draws Kontor's placeholder icon (a blue rounded square with a white envelope) as RGBA PNGs in
the sizes tauri.conf.json lists, and icon.ico (PNG-in-ICO, 16-256 px). Standard library only;
run from this folder: `python3 draw.py`."""
import struct
import zlib

BLUE = (35, 87, 198, 255)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)


def pixel(x, y, size):
    r = size * 0.18
    cx = min(max(x + 0.5, r), size - r)
    cy = min(max(y + 0.5, r), size - r)
    if (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 > r * r:
        return CLEAR
    u, v = (x + 0.5) / size, (y + 0.5) / size
    if 0.2 <= u <= 0.8 and 0.3 <= v <= 0.72:
        flap = 0.3 + (0.5 - abs(u - 0.5)) * 0.7
        return BLUE if abs(v - flap) < max(1.5 / size, 0.025) else WHITE
    return BLUE


def png(size):
    raw = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y, size)) for x in range(size)) for y in range(size)
    )

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


for name, size in {"32x32.png": 32, "128x128.png": 128, "128x128@2x.png": 256, "icon.png": 512}.items():
    with open(name, "wb") as f:
        f.write(png(size))

sizes = [16, 32, 48, 256]
images = [png(s) for s in sizes]
offset = 6 + 16 * len(sizes)
entries = b""
for s, data in zip(sizes, images):
    entries += struct.pack("<BBBBHHII", s % 256, s % 256, 0, 0, 1, 32, len(data), offset)
    offset += len(data)
with open("icon.ico", "wb") as f:
    f.write(struct.pack("<HHH", 0, 1, len(sizes)) + entries + b"".join(images))
