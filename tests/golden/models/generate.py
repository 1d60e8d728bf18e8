#!/usr/bin/env python3
"""Golden files for FairKd's TorchSharp face-recognition models (run with Debian /usr/bin/python3, torch 1.13).

An independent PyTorch definition of arcface_torch's IResNet and MobileFaceNet (same state_dict key structure,
channel widths scaled by a base unit u = 64 * width), written from the published architecture description.
Writes beside itself:
  params.json               full-size parameter counts and state_dict entry counts (r18/34/50/100/200, mbf)
  cases.json                per tiny case: spec, weights file, input file, eval-mode outputs (batch 2)
  <case>.pth                tiny weights (zip torch.save), random but seeded, with non-trivial BN statistics
  input<size>.u8            the fixed input images (batch 2) per input size, uint8 NCHW RGB; network input (x - 127.5) / 127.5
  fmt_module_prefixed.pth   the "fmt" case as {"state_dict": {"module.<key>": ...}, "epoch": 3}
  fmt_model_wrapped.pth     the "fmt" case as {"model": state_dict, "optimizer": None}
  fmt_fixed1.onnx, fmt_dynamic.onnx   ONNX exports of the "fmt" case (batch fixed at 1 / dynamic)
  r18t_dynamic.onnx         ONNX export of the "r18t" case (112x112 input, dynamic batch; the embed/eval CLI tests use it)
  eth.pth, eth.onnx         the "fmt" backbone + a 4-way head (ethnicity classifier); cases.json holds its softmax
  eth112.pth, eth112.onnx   the same classifier spec at 112x112 input (the embed CLI test compares ONNX and TorchSharp)
  fmt_legacy.pth            the "fmt" weights in PyTorch's legacy (pre-1.6, non-zip) format, which FairKd refuses clearly;
                            its pickle names storages by memory address, so this one file differs on every run
  wrapped_no_state_dict.pth a checkpoint dict without weights ({"epoch": 3, "weights_of": {"a": 1}}), refused naming its keys
check_saved.py (beside this script) is the peer that loads C#-saved weights with strict=True (used by the tests).
Deterministic but for fmt_legacy.pth: rerunning gives identical files (fixed seeds, single thread).
"""
import json
import math
import os
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_num_threads(1)

DEPTHS = {"iresnet18": [2, 2, 2, 2], "iresnet34": [3, 4, 6, 3], "iresnet50": [3, 4, 14, 3],
          "iresnet100": [3, 13, 30, 3], "iresnet200": [6, 26, 60, 6]}


def final_side(size):
    for _ in range(4):
        size = (size + 1) // 2
    return size


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout, eps=1e-5)
        self.prelu = nn.PReLU(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout, eps=1e-5)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout, eps=1e-5))

    def forward(self, x):
        y = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return y + (x if self.downsample is None else self.downsample(x))


class IResNet(nn.Module):
    def __init__(self, blocks, u=64, size=112, emb=512, dropout=0.0):
        super().__init__()
        self.conv1 = nn.Conv2d(3, u, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(u, eps=1e-5)
        self.prelu = nn.PReLU(u)
        cin = u
        for i, n in enumerate(blocks):
            cout = u * (2 ** i)
            stage = [Block(cin, cout, 2)] + [Block(cout, cout, 1) for _ in range(n - 1)]
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*stage))
            cin = cout
        self.bn2 = nn.BatchNorm2d(cin, eps=1e-5)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(cin * final_side(size) ** 2, emb)
        self.features = nn.BatchNorm1d(emb, eps=1e-5)
        nn.init.constant_(self.features.weight, 1.0)
        self.features.weight.requires_grad = False

    def forward(self, x):
        x = self.prelu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.dropout(torch.flatten(self.bn2(x), 1))
        return self.features(self.fc(x))


def conv_bn(cin, cout, k, s, p, g, act):
    mods = [nn.Conv2d(cin, cout, k, s, p, groups=g, bias=False), nn.BatchNorm2d(cout)]
    if act:
        mods.append(nn.PReLU(cout))
    holder = nn.Module()
    holder.layers = nn.Sequential(*mods)
    holder.forward = lambda x: holder.layers(x)
    return holder


class DW(nn.Module):
    def __init__(self, cin, cout, residual, stride, inner):
        super().__init__()
        self.residual = residual
        self.layers = nn.Sequential(conv_bn(cin, inner, 1, 1, 0, 1, True), conv_bn(inner, inner, 3, stride, 1, inner, True),
                                    conv_bn(inner, cout, 1, 1, 0, 1, False))

    def forward(self, x):
        return x + self.layers(x) if self.residual else self.layers(x)


def res(c, n, inner):
    holder = nn.Module()
    holder.layers = nn.Sequential(*[DW(c, c, True, 1, inner) for _ in range(n)])
    holder.forward = lambda x: holder.layers(x)
    return holder


class MobileFaceNet(nn.Module):
    def __init__(self, u=64, size=112, emb=512):
        super().__init__()
        self.layers = nn.ModuleList([
            conv_bn(3, 2 * u, 3, 2, 1, 1, True), conv_bn(2 * u, 2 * u, 3, 1, 1, u, True),
            DW(2 * u, 2 * u, False, 2, 2 * u), res(2 * u, 4, 2 * u),
            DW(2 * u, 4 * u, False, 2, 4 * u), res(4 * u, 6, 4 * u),
            DW(4 * u, 4 * u, False, 2, 8 * u), res(4 * u, 2, 4 * u)])
        self.conv_sep = conv_bn(4 * u, 8 * u, 1, 1, 0, 1, True)
        k = final_side(size)
        gdc = nn.Module()
        gdc.layers = nn.Sequential(conv_bn(8 * u, 8 * u, k, 1, 0, 8 * u, False), nn.Flatten(),
                                   nn.Linear(8 * u, emb, bias=False), nn.BatchNorm1d(emb))
        gdc.forward = lambda x: gdc.layers(x)
        self.features = gdc

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.features(self.conv_sep(x))


def build(name, u=64, size=112, emb=512):
    return MobileFaceNet(u, size, emb) if name == "mobilefacenet" else IResNet(DEPTHS[name], u, size, emb)


def randomise(model, gen):
    """Seeded weights with moderate activations and non-trivial BN statistics (features.weight stays 1)."""
    with torch.no_grad():
        for mname, m in model.named_modules():
            if isinstance(m, nn.Conv2d):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / math.sqrt(fan_in))
            elif isinstance(m, nn.Linear):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / math.sqrt(m.weight.shape[1]))
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
                if mname != "features":
                    m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
                m.num_batches_tracked.fill_(7)
            elif isinstance(m, nn.PReLU):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 0.5)


def counts():
    out = {}
    for name in list(DEPTHS) + ["mobilefacenet"]:
        torch.manual_seed(0)
        m = build(name)
        out[name] = {"parameters": sum(p.numel() for p in m.parameters()), "state_dict_entries": len(m.state_dict())}
        del m
    return out


CASES = [
    # name, registry model, width multiplier, input size, embedding size
    ("r18t", "iresnet18", 1 / 32, 112, 16),
    ("r34t", "iresnet34", 1 / 32, 48, 16),
    ("mbft", "mobilefacenet", 1 / 32, 112, 16),
    ("fmt", "iresnet18", 1 / 64, 32, 8),
]


class EthnicityNet(nn.Module):
    """A face backbone plus a 4-way linear head (keys backbone.*, head.weight, head.bias)."""

    def __init__(self, backbone, emb):
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(emb, 4)

    def forward(self, x):
        return self.head(self.backbone(x))


def ethnicity_net(size, seed):
    """The "fmt" backbone spec at input SIZE with a 4-way head, randomised from SEED."""
    _, name, width, _, emb = [c for c in CASES if c[0] == "fmt"][0]
    net = EthnicityNet(build(name, max(1, int(round(64 * width))), size, emb), emb)
    gen = torch.Generator().manual_seed(seed)
    randomise(net.backbone, gen)
    with torch.no_grad():
        net.head.weight.copy_(torch.randn(net.head.weight.shape, generator=gen))
        net.head.bias.copy_(torch.randn(net.head.bias.shape, generator=gen) * 0.5)
    net.eval()
    return net


def export_ethnicity(net, size, stem):
    torch.save(net.state_dict(), os.path.join(HERE, stem + ".pth"))
    torch.onnx.export(net, torch.zeros(1, 3, size, size), os.path.join(HERE, stem + ".onnx"), input_names=["input"],
                      output_names=["logits"], opset_version=13, do_constant_folding=True,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})


def ethnicity_case():
    """eth.pth / eth.onnx: the "fmt" backbone spec with a 4-way head; outputs = softmax(logits) on fmt's input.
    eth112.pth / eth112.onnx: the same spec at 112x112 input (the embed CLI test's classifier, aligned-face size)."""
    _, name, width, size, emb = [c for c in CASES if c[0] == "fmt"][0]
    net = ethnicity_net(size, 300)
    pixels = np.fromfile(os.path.join(HERE, "input%d.u8" % size), dtype=np.uint8).reshape(2, 3, size, size)
    x = (torch.from_numpy(pixels.astype(np.float32)) - 127.5) / 127.5
    with torch.no_grad():
        probs = torch.softmax(net(x), dim=1)
    export_ethnicity(net, size, "eth")
    export_ethnicity(ethnicity_net(112, 301), 112, "eth112")
    return {"model": name, "width": width, "input_size": size, "embedding_size": emb, "input": "input%d.u8" % size,
            "weights": "eth.pth", "onnx": "eth.onnx", "head_order": "as EthnicGroups.Order",
            "probabilities": [[float(v) for v in row] for row in probs.numpy()]}


def main():
    cases = []
    for i, (case, name, width, size, emb) in enumerate(CASES):
        u = max(1, int(round(64 * width)))
        model = build(name, u, size, emb)
        randomise(model, torch.Generator().manual_seed(100 + i))
        model.eval()
        # One input file per input size (cases of equal size share it).
        pixels = np.random.default_rng(200 + size).integers(0, 256, size=(2, 3, size, size), dtype=np.uint8)
        pixels.tofile(os.path.join(HERE, "input%d.u8" % size))
        x = (torch.from_numpy(pixels.astype(np.float32)) - 127.5) / 127.5
        with torch.no_grad():
            y = model(x)
        sd = model.state_dict()
        torch.save(sd, os.path.join(HERE, case + ".pth"))
        cases.append({"case": case, "model": name, "width": width, "input_size": size, "embedding_size": emb,
                      "batch": 2, "weights": case + ".pth", "input": "input%d.u8" % size,
                      "state_dict_entries": len(sd), "parameters": sum(p.numel() for p in model.parameters()),
                      "output": [[float(v) for v in row] for row in y.numpy()]})
        print(case, "output abs max", float(y.abs().max()), file=sys.stderr)
        if case == "r18t":
            torch.onnx.export(model, torch.zeros(1, 3, size, size), os.path.join(HERE, "r18t_dynamic.onnx"), input_names=["input"],
                              output_names=["embedding"], opset_version=13, do_constant_folding=True,
                              dynamic_axes={"input": {0: "batch"}, "embedding": {0: "batch"}})
        if case == "fmt":
            torch.save({"state_dict": {"module." + k: v for k, v in sd.items()}, "epoch": 3},
                       os.path.join(HERE, "fmt_module_prefixed.pth"))
            torch.save({"model": sd, "optimizer": None}, os.path.join(HERE, "fmt_model_wrapped.pth"))
            torch.save(sd, os.path.join(HERE, "fmt_legacy.pth"), _use_new_zipfile_serialization=False)
            dummy = torch.zeros(1, 3, size, size)
            torch.onnx.export(model, dummy, os.path.join(HERE, "fmt_fixed1.onnx"), input_names=["data"],
                              output_names=["fc1"], opset_version=13, do_constant_folding=True)
            torch.onnx.export(model, dummy, os.path.join(HERE, "fmt_dynamic.onnx"), input_names=["input.1"],
                              output_names=["embedding"], opset_version=13, do_constant_folding=True,
                              dynamic_axes={"input.1": {0: "batch"}, "embedding": {0: "batch"}})
    torch.save({"epoch": 3, "weights_of": {"a": 1}}, os.path.join(HERE, "wrapped_no_state_dict.pth"))
    ethnicity = ethnicity_case()
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump({"torch": torch.__version__.split("a")[0], "cases": cases, "ethnicity": ethnicity}, f, indent=1)
    with open(os.path.join(HERE, "params.json"), "w") as f:
        json.dump(counts(), f, indent=1)


if __name__ == "__main__":
    main()
