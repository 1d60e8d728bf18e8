#!/usr/bin/env python3
"""Peer check for FairKd: PyTorch loads weights saved by C# (save_py) with strict=True and reproduces C#'s outputs.

usage: check_saved.py MODEL WIDTH INPUT_SIZE EMBEDDING WEIGHTS.pth INPUT.u8 BATCH CSHARP_OUTPUT.f32
Prints one JSON line {"strict": true, "max_rel_diff": ...}; exits 0 when the difference is <= 1e-4, 1 otherwise.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import build  # noqa: E402  (the independent PyTorch definitions)


def main(argv):
    name, width, size, emb, weights, inp, batch, out = argv
    size, emb, batch = int(size), int(emb), int(batch)
    u = max(1, int(round(64 * float(width))))
    model = build(name, u, size, emb)
    model.load_state_dict(torch.load(weights, map_location="cpu"), strict=True)
    model.eval()
    pixels = np.fromfile(inp, dtype=np.uint8).reshape(batch, 3, size, size)
    x = (torch.from_numpy(pixels.astype(np.float32)) - 127.5) / 127.5
    with torch.no_grad():
        y = model(x).numpy()
    theirs = np.fromfile(out, dtype="<f4").reshape(y.shape)
    diff = float(np.abs(y - theirs).max() / max(1.0, float(np.abs(y).max())))
    print(json.dumps({"strict": True, "max_rel_diff": diff}))
    return 0 if diff <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
