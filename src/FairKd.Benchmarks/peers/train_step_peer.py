#!/usr/bin/env python3
"""PyTorch peer of the FairKd training-step benchmark (src/FairKd.Benchmarks/TrainStepPeerBenchmark.cs).

One training step as arcface_torch's train_v2.py takes it, for the IResNet/MobileFaceNet of tests/golden/models/generate.py
(the arcface_torch definitions, written independently of the C# models): forward of a batch of 3x112x112 images in
training mode, an ArcFace margin head (normalised embedding x normalised class weights, cos(theta + m) on the target,
scale s, cross-entropy), backward, gradient-norm clipping at 5, and SGD (momentum 0.9, weight decay 5e-4) on the
backbone and the head. torch.set_num_threads(N).

usage: train_step_peer.py --model NAME --threads N --batch B --classes C --steps K [--warmup W] [--split] [--profile N]
Prints one JSON line: {"model", "threads", "batch", "versions", "seconds": [per-step wall seconds], "loss": [...]}.
--split adds "split": per timed step {"forward", "backward", "clip", "optimizer"} seconds (forward includes the head and
the loss; zero_grad is in "backward", as in FairKd's split). --profile N prints torch.profiler's table of the N most expensive ops (self CPU time)
over the timed steps to stderr.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests", "golden", "models"))
from generate import build  # noqa: E402  (arcface_torch IResNet/MobileFaceNet definitions)


class ArcFace(torch.nn.Module):
    def __init__(self, emb, classes, s=64.0, m=0.5):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.normal(0, 0.01, (classes, emb)))
        self.s, self.m = s, m

    def forward(self, x, labels):
        cos = F.linear(F.normalize(x), F.normalize(self.weight)).clamp(-1 + 1e-7, 1 - 1e-7)
        target = cos.gather(1, labels[:, None])
        theta = target.acos()
        margin = torch.where(theta + self.m < math.pi, (theta + self.m).cos(), target)
        logits = cos.scatter(1, labels[:, None], margin) * self.s
        return F.cross_entropy(logits, labels)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--split", action="store_true")
    ap.add_argument("--profile", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)  # after the import: generate.py sets 1 for its own goldens
    torch.manual_seed(2)
    net = build(a.model)
    head = ArcFace(512, a.classes)
    net.train()
    opt = torch.optim.SGD([{"params": net.parameters()}, {"params": head.parameters()}], lr=0.1, momentum=0.9, weight_decay=5e-4)
    gen = torch.Generator().manual_seed(5)
    images = torch.rand((a.batch, 3, 112, 112), generator=gen) * 2 - 1
    labels = torch.tensor([(i * 31) % a.classes for i in range(a.batch)])
    seconds, losses, split = [], [], []
    prof = None
    for k in range(a.warmup + a.steps):
        if k == a.warmup and a.profile > 0:
            prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])
            prof.__enter__()
        t = time.perf_counter()
        loss = head(net(images), labels)
        value = loss.item()  # FairKd's step reads the loss here too (its NaN guard)
        t1 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        t2 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm=5, norm_type=2)
        t3 = time.perf_counter()
        opt.step()
        t4 = time.perf_counter()
        if k >= a.warmup:
            seconds.append(t4 - t)
            losses.append(value)
            split.append({"forward": t1 - t, "backward": t2 - t1, "clip": t3 - t2, "optimizer": t4 - t3})
    if prof is not None:
        prof.__exit__(None, None, None)
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=a.profile), file=sys.stderr)
    out = {"model": a.model, "threads": a.threads, "batch": a.batch,
           "versions": f"torch {torch.__version__}, {torch.backends.mkldnn.is_available() and 'mkldnn' or 'no mkldnn'}",
           "seconds": seconds, "loss": losses}
    if a.split:
        out["split"] = split
    print(json.dumps(out))


if __name__ == "__main__":
    main()
