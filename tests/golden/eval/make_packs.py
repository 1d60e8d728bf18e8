#!/usr/bin/env python3
"""Tiny InsightFace-style verification packs for BinPackReader tests (Debian python3 + numpy + cv2).

Writes packs/<name>.bin and packs/packs.json (sha256 of every image and the issame flags), and packs/aligned112-p4.bin
(20 pairs of 112x112 JPEGs, protocol 4: what `fairkd eval --bin` reads in the CLI test; packs.json "aligned112"). Packs are
pickle.dumps((bins, issame_list)) with pickle protocols 2, 3, 4 and bins as bytes, bytearray or numpy uint8 arrays;
two hand-assembled streams imitate what Python 2 wrote (protocol 2 SHORT_BINSTRING/BINSTRING; protocol 1 with INT
01/00 bools). hostile-*.bin hold globals the reader must refuse (os.system via GLOBAL and STACK_GLOBAL, posix.system
as pickle writes it on Linux). Run again to regenerate identical files.
"""
import hashlib
import json
import os
import pickle
import struct

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "packs")


def images():
    rng = np.random.default_rng(7)
    out = []
    for i in range(6):
        img = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
        ok, buf = cv2.imencode(".png", img)
        assert ok
        out.append(buf.tobytes())
    # One larger than 255 bytes so BINBYTES/BINSTRING (4-byte lengths) appear besides the short forms.
    big = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)
    out[5] = cv2.imencode(".png", big)[1].tobytes()
    assert len(out[5]) > 255 and len(out[0]) < 256
    return out


ISSAME = [True, False, True]


def aligned_pairs(pairs=20, size=112):
    """The `fairkd eval --bin` CLI test's pack: 2 x PAIRS JPEGs (cv2, quality 90) of SIZE x SIZE smooth seeded textures,
    as aligned faces are stored in InsightFace packs; a same pair is one texture and a lightly shifted copy, a different
    pair two textures. Pairs alternate same/different, so each of the 10 folds holds both."""
    rng = np.random.default_rng(112)
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)

    def texture(p):
        return np.stack([127 + 100 * np.sin(x / p[0] + p[1]) * np.cos(y / p[2]),
                         127 + 100 * np.sin((x + y) / p[3] + p[4]),
                         127 + 100 * np.cos(x / p[5]) * np.sin(y / p[6] + p[1])], axis=-1)

    def jpeg(img):
        ok, buf = cv2.imencode(".jpg", np.clip(np.round(img), 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 90])
        assert ok
        return buf.tobytes()

    bins, issame = [], []
    for k in range(pairs):
        a = rng.uniform([4, 0, 4, 6, 0, 3, 4], [14, 6, 14, 18, 6, 12, 14])
        b = a + rng.normal(0, 0.05, 7) if k % 2 == 0 else rng.uniform([4, 0, 4, 6, 0, 3, 4], [14, 6, 14, 18, 6, 12, 14])
        bins += [jpeg(texture(a)), jpeg(texture(b))]
        issame.append(k % 2 == 0)
    return bins, issame


def py2_protocol2(bins, issame):
    """What Python 2 cPickle.dump((bins, issame), f, 2) writes: str items as SHORT_BINSTRING/BINSTRING."""
    s = b"\x80\x02]q\x00("
    memo = 1
    for b in bins:
        s += (b"U" + bytes([len(b)]) if len(b) < 256 else b"T" + struct.pack("<i", len(b))) + b
        s += b"q" + bytes([memo])
        memo += 1
    s += b"e]q" + bytes([memo]) + b"(" + b"".join(b"\x88" if x else b"\x89" for x in issame) + b"e\x86q" + bytes([memo + 1]) + b"."
    return s


def py2_protocol1(bins, issame):
    """Protocol 1 (no PROTO opcode): MARK ... TUPLE, bools as INT 01/00, BINGET back-references."""
    s = b"(]q\x00("
    for b in bins:
        s += (b"U" + bytes([len(b)]) if len(b) < 256 else b"T" + struct.pack("<i", len(b))) + b
    s += b"e]q\x01(" + b"".join(b"I01\n" if x else b"I00\n" for x in issame) + b"et" + b"."
    return s


def hostile():
    body = b"\x8c\x02os\x94\x8c\x06system\x94\x93\x94\x8c\x04true\x94\x85\x94R\x94."
    return {
        "hostile-os-system-global": b"\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03.",
        "hostile-os-system-stack-global": b"\x80\x04\x95" + struct.pack("<Q", len(body)) + body,
        "hostile-posix-system": pickle.dumps(Evil(), protocol=2),
    }


class Evil:
    def __reduce__(self):
        return (os.system, ("true",))


def main():
    os.makedirs(OUT, exist_ok=True)
    bins = images()
    packs = {}
    for proto in (2, 3, 4):
        packs[f"p{proto}-bytes"] = pickle.dumps((bins, ISSAME), protocol=proto)
        packs[f"p{proto}-numpy"] = pickle.dumps(([np.frombuffer(b, dtype=np.uint8) for b in bins], ISSAME), protocol=proto)
    packs["p4-bytearray"] = pickle.dumps(([bytearray(b) for b in bins], ISSAME), protocol=4)
    packs["p3-numpy-bool-scalars"] = pickle.dumps((bins, [np.bool_(x) for x in ISSAME]), protocol=3)
    packs["py2-p2-binstring"] = py2_protocol2(bins, ISSAME)
    packs["py2-p1-int-bools"] = py2_protocol1(bins, ISSAME)
    for name, data in packs.items():
        loaded = pickle.loads(data, encoding="bytes")
        assert [bytes(x) for x in loaded[0]] == bins and [bool(x) for x in loaded[1]] == ISSAME, name
    packs.update(hostile())
    # Decoded pixels instead of encoded images, and a float array: data the reader must refuse (not execute, not guess).
    packs["invalid-raw-pixels"] = pickle.dumps(([np.zeros((4, 4, 3), np.uint8)] * 2, [True]), protocol=4)
    packs["invalid-float-array"] = pickle.dumps(([np.zeros(5, np.float32)] * 2, [True]), protocol=4)
    for name, data in packs.items():
        with open(os.path.join(OUT, name + ".bin"), "wb") as fh:
            fh.write(data)
    manifest = {"images": [hashlib.sha256(b).hexdigest() for b in bins], "issame": ISSAME,
                "valid": sorted(n for n in packs if not n.startswith(("hostile", "invalid"))),
                "hostile": sorted(n for n in packs if n.startswith("hostile")),
                "invalid": {"invalid-raw-pixels": "raw pixels", "invalid-float-array": "is not uint8"}}
    aligned, aligned_same = aligned_pairs()
    with open(os.path.join(OUT, "aligned112-p4.bin"), "wb") as fh:
        fh.write(pickle.dumps((aligned, aligned_same), protocol=4))
    manifest["aligned112"] = {"pack": "aligned112-p4", "pairs": len(aligned_same),
                              "images": [hashlib.sha256(b).hexdigest() for b in aligned], "issame": aligned_same}
    with open(os.path.join(OUT, "packs.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)


if __name__ == "__main__":
    main()
