#!/usr/bin/env python3
"""Writes a small MXNet RecordIO file (train.rec, train.idx, property) and expected.tsv beside this script.

An independent implementation of dmlc-core's RecordIOWriter framing and mxnet's recordio.pack (IRHeader 'IfQQ'),
with struct only (mxnet is not installed). Layout as InsightFace: record 0 is the header (a, b), records 1..a-1
are images, a..b-1 identity ranges. Payloads contain the magic at 4-byte-aligned offsets (the writer splits the
record there: cflag 1/2/3) and at unaligned ones (no split). Deterministic: rerunning writes identical files.
"""
import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC = 0xCED7230A
MAGIC_BYTES = struct.pack("<I", MAGIC)


def frame(cflag, data):
    return struct.pack("<II", MAGIC, (cflag << 29) | len(data)) + data


def write_record(f, buf):
    """dmlc-core RecordIOWriter::WriteRecord."""
    parts = []
    start = 0
    for i in range(0, len(buf) - len(buf) % 4, 4):
        if buf[i:i + 4] == MAGIC_BYTES:
            parts.append(frame(1 if start == 0 else 2, buf[start:i]))
            start = i + 4
    parts.append(frame(3 if start != 0 else 0, buf[start:]))
    out = b"".join(parts) + b"\0" * ((4 - len(buf) % 4) % 4)
    f.write(out)


def pack(label, image, id_=0):
    """mxnet recordio.pack: scalar label -> flag 0; list -> flag = len, label 0, float32 labels after the header."""
    if isinstance(label, (list, tuple)):
        return struct.pack("<IfQQ", len(label), 0.0, id_, 0) + struct.pack("<%df" % len(label), *label) + image
    return struct.pack("<IfQQ", 0, float(label), id_, 0) + image


def image(n, seed, magic_at=()):
    # a tiny deterministic LCG: independent of numpy versions
    b = bytearray()
    x = seed
    for _ in range(n):
        x = (1103515245 * x + 12345) % (1 << 31)
        b.append((x >> 16) & 0xFF)
    for m in magic_at:
        b[m:m + 4] = MAGIC_BYTES
    return bytes(b)


def main():
    # (class, use array label, image)
    images = [
        (0, False, image(33, 1)),
        (0, True, image(48, 2, (0,))),             # split right at the image start
        (1, False, image(57, 3, (4, 8, 52))),      # consecutive aligned magics, one at the very end
        (1, True, image(29, 4, (1, 2 + 4 * 3, 23))),  # unaligned magics only
        (2, False, image(0, 5)),                   # empty image (header only)
        (2, True, image(20, 6, (16,))),            # aligned magic as the last 4 bytes
    ]
    a = len(images) + 1
    ranges = []
    start = 1
    for c in range(3):
        n = sum(1 for cls, _, _ in images if cls == c)
        ranges.append((start, start + n))
        start += n
    b = a + len(ranges)

    rows = []
    with open(os.path.join(HERE, "train.rec"), "wb") as rec, open(os.path.join(HERE, "train.idx"), "w") as idx:
        def put(key, payload):
            idx.write("%d\t%d\n" % (key, rec.tell()))
            offset = rec.tell()
            write_record(rec, payload)
            return offset

        put(0, pack([float(a), float(b)], b""))
        for i, (cls, as_array, img) in enumerate(images, start=1):
            label = [float(cls), 0.25 * i] if as_array else cls
            offset = put(i, pack(label, img, id_=i))
            rows.append("%d\t%d\t%d\t%d\t%s" % (i, offset, cls, len(img), hashlib.sha256(img).hexdigest()))
        for c, (s, e) in enumerate(ranges):
            put(a + c, pack([float(s), float(e)], b""))

    with open(os.path.join(HERE, "property"), "w") as p:
        p.write("3,112,112")
    with open(os.path.join(HERE, "expected.tsv"), "w") as f:
        f.write("# key\toffset\tclass\timage_length\timage_sha256 (header record: %d %d)\n" % (a, b))
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
