#!/usr/bin/env python3
"""PyTorch peer of the FairKd teacher benchmark (src/FairKd.Benchmarks/TeacherBenchmark.cs).

Builds the same IResNet as arcface_torch (the definition in tests/golden/models/generate.py, written independently
of the C# models), loads the weights the C# side saved with ModelWeights.SavePyTorch (strict=True), and runs
batches of random 3x112x112 input in eval + inference mode with torch.set_num_threads(N).

usage: teacher_peer.py --model NAME --weights FILE --threads N --batch B [--size 112]
Then reads commands on stdin, one per line, answering each with one JSON line on stdout:
  run K        -> {"batches": K, "seconds": [per-batch wall seconds...]}  (the module as loaded, eager)
  runfused K   -> the same for PyTorch's own inference rewrite of that module: torch.fx conv+BN folding
                  (torch.fx.experimental.optimization.fuse) and channels_last weights and input
  check FILE   -> {"embedding": [...]} for one float32 CHW image read from FILE (raw little-endian)
  quit
The first line printed is {"ready": true, "versions": "..."} once the model is loaded.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch.fx.experimental.optimization import fuse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests", "golden", "models"))
from generate import build  # noqa: E402  (arcface_torch IResNet/MobileFaceNet definitions)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--size", type=int, default=112)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)  # after the import: generate.py sets 1 for its own goldens
    model = build(a.model, 64, a.size)
    state = torch.load(a.weights, map_location="cpu")
    model.load_state_dict(state, strict=True)
    model.eval()
    fused = fuse(model).to(memory_format=torch.channels_last)  # fuse() deep-copies; model stays as loaded
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(a.batch, 3, a.size, a.size, generator=gen)
    x_cl = x.contiguous(memory_format=torch.channels_last)
    versions = f"python {sys.version.split()[0]}, torch {torch.__version__}, threads {torch.get_num_threads()}"
    print(json.dumps({"ready": True, "versions": versions}), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == "quit":
            break
        if cmd[0] in ("run", "runfused"):
            net, inp = (model, x) if cmd[0] == "run" else (fused, x_cl)
            times = []
            with torch.inference_mode():
                for _ in range(int(cmd[1])):
                    t0 = time.perf_counter()
                    y = net(inp)
                    y.sum().item()
                    times.append(time.perf_counter() - t0)
            print(json.dumps({"batches": int(cmd[1]), "seconds": times}), flush=True)
        elif cmd[0] == "check":
            img = np.fromfile(cmd[1], dtype="<f4").reshape(1, 3, a.size, a.size)
            with torch.inference_mode():
                e = model(torch.from_numpy(img))[0]
            print(json.dumps({"embedding": [float(v) for v in e]}), flush=True)
        else:
            print(json.dumps({"error": f"unknown command {cmd[0]}"}), flush=True)


if __name__ == "__main__":
    main()
