#!/usr/bin/env python3
"""Golden ONNX models for FairKd's ONNX Runtime path: batching and concurrent runs (run with Debian /usr/bin/python3,
torch 1.13).

One small face-embedding network (112x112 RGB in, 16 raw values out: conv/BN/PReLU stages, a depthwise stage, global
average pooling, linear + BatchNorm1d, the shape of a MobileFaceNet in miniature), seeded random weights with non-trivial
BatchNorm statistics, exported three times with different batch dimensions. Writes beside itself:
  face_fixed1.onnx     batch dimension fixed at 1 (as most downloaded face models are); input "data", output "fc1"
  face_fixed3.onnx     batch fixed at 3 (a batch that does not divide the test batches: the last chunk is padded)
  face_dynamic.onnx    dynamic batch dimension; input "input", output "embedding"
  input112x4.u8        4 images, uint8 NCHW RGB; the network input is (x - 127.5) / 127.5
  cases.json           the PyTorch outputs (eval mode) for those 4 images, [4][16]
The tests compare FairKd's ONNX embedder with these outputs and prove that its outputs do not depend on how many runs
execute at once. Deterministic: rerunning gives identical files (fixed seeds, single thread).
"""
import json
import math
import os

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_num_threads(1)
SIZE = 112
EMB = 16


def conv_bn(cin, cout, k, s, groups=1, act=True):
    mods = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        mods.append(nn.PReLU(cout))
    return nn.Sequential(*mods)


class TinyFace(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(conv_bn(3, 8, 3, 2), conv_bn(8, 8, 3, 1, groups=8), conv_bn(8, 16, 1, 1),
                                  conv_bn(16, 16, 3, 2, groups=16), conv_bn(16, 24, 1, 1), conv_bn(24, 32, 3, 2))
        self.fc = nn.Linear(32, EMB)
        self.features = nn.BatchNorm1d(EMB)

    def forward(self, x):
        x = self.body(x).mean(dim=(2, 3))
        return self.features(self.fc(x))


def randomise(model, gen):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / math.sqrt(fan_in))
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
            elif isinstance(m, nn.PReLU):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 0.5)


def export(model, batch, path, input_name, output_name, dynamic):
    axes = {input_name: {0: "batch"}, output_name: {0: "batch"}} if dynamic else None
    torch.onnx.export(model, torch.zeros(batch, 3, SIZE, SIZE), os.path.join(HERE, path), input_names=[input_name],
                      output_names=[output_name], opset_version=13, do_constant_folding=True, dynamic_axes=axes)


def main():
    model = TinyFace()
    randomise(model, torch.Generator().manual_seed(2200))
    model.eval()
    pixels = np.random.default_rng(2201).integers(0, 256, size=(4, 3, SIZE, SIZE), dtype=np.uint8)
    pixels.tofile(os.path.join(HERE, "input112x4.u8"))
    x = (torch.from_numpy(pixels.astype(np.float32)) - 127.5) / 127.5
    with torch.no_grad():
        y = model(x)
    export(model, 1, "face_fixed1.onnx", "data", "fc1", dynamic=False)
    export(model, 3, "face_fixed3.onnx", "data", "fc1", dynamic=False)
    export(model, 1, "face_dynamic.onnx", "input", "embedding", dynamic=True)
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump({"torch": torch.__version__.split("a")[0], "input": "input112x4.u8", "input_size": SIZE,
                   "embedding_size": EMB, "images": 4, "output": [[float(v) for v in row] for row in y.numpy()]}, f, indent=1)


if __name__ == "__main__":
    main()
