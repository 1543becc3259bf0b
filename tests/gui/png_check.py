"""Reads 8-bit RGB/RGBA PNGs with the Python 3 stdlib (zlib), for the GUI
screenshot test: size, pixels, and simple colour statistics over regions."""

import struct
import zlib

__all__ = ["Image", "read_png"]


class Image:
    def __init__(self, width, height, channels, rows):
        self.width = width
        self.height = height
        self.channels = channels
        self.rows = rows  # list of bytes, top row first

    def pixel(self, x, y):
        i = x * self.channels
        return tuple(self.rows[y][i:i + 3])

    def pixels(self, box=None):
        """RGB tuples of the region box=(x0, y0, x1, y1), whole image by default."""
        x0, y0, x1, y1 = box or (0, 0, self.width, self.height)
        for y in range(y0, y1):
            row = self.rows[y]
            for x in range(x0, x1):
                i = x * self.channels
                yield (row[i], row[i + 1], row[i + 2])

    def distinct_colours(self, box=None):
        return len(set(self.pixels(box)))

    def count(self, predicate, box=None):
        return sum(1 for p in self.pixels(box) if predicate(p))

    def count_near(self, colour, box=None, tol=12):
        """Pixels within `tol` of `colour` on each channel (a status dot, say)."""
        return self.count(lambda p: all(abs(p[i] - colour[i]) <= tol for i in range(3)), box)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace:
        raise ValueError(f"{path}: only 8-bit RGB/RGBA non-interlaced PNGs are read here")
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        row = bytearray(raw[start + 1:start + 1 + stride])
        # Undo the per-row filter (PNG spec, section 9).
        for i in range(stride):
            a = row[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if kind == 1:
                row[i] = (row[i] + a) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + b) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + ((a + b) >> 1)) & 0xFF
            elif kind == 4:
                row[i] = (row[i] + _paeth(a, b, c)) & 0xFF
        rows.append(bytes(row))
        prev = row
    return Image(width, height, channels, rows)
