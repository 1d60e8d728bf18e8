#!/usr/bin/env python3
"""Exports the ONNX model of the FairKd ONNX benchmark (src/FairKd.Benchmarks/OnnxBenchmark.cs).

A full-width arcface_torch MobileFaceNet (the definition in tests/golden/models/generate.py, written independently of
the C# models; 512-d embeddings, 112x112 RGB input) with seeded random weights and BatchNorm statistics, exported the
way downloaded face models usually come: batch dimension FIXED at 1, input "data", output "fc1", opset 13, constants
folded. With --dynamic the batch dimension is dynamic instead.

usage: onnx_export.py OUT.onnx [--dynamic] [--model mobilefacenet|iresnet50|...]
Prints one JSON line: {"path": ..., "parameters": N, "bytes": N, "torch": "..."}.
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests", "golden", "models"))
from generate import build, randomise  # noqa: E402  (arcface_torch IResNet/MobileFaceNet definitions)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--dynamic", action="store_true")
    ap.add_argument("--model", default="mobilefacenet")
    a = ap.parse_args()
    model = build(a.model, 64, 112, 512)
    randomise(model, torch.Generator().manual_seed(5))
    model.eval()
    axes = {"data": {0: "batch"}, "fc1": {0: "batch"}} if a.dynamic else None
    torch.onnx.export(model, torch.zeros(1, 3, 112, 112), a.out, input_names=["data"], output_names=["fc1"],
                      opset_version=13, do_constant_folding=True, dynamic_axes=axes)
    print(json.dumps({"path": a.out, "parameters": sum(p.numel() for p in model.parameters()),
                      "bytes": os.path.getsize(a.out), "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
