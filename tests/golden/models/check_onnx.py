#!/usr/bin/env python3
"""Peer check for FairKd's ONNX export, independent of .NET and of ONNX Runtime's C# binding.

usage: check_onnx.py MODEL.onnx INPUT.f32 BATCH EXPECTED.f32

MODEL.onnx is what `OnnxExport` wrote; INPUT.f32 holds BATCH float32 images [BATCH, 3, S, S] (little-endian) and
EXPECTED.f32 the TorchSharp network's embeddings for them [BATCH, E]. Checks, with Debian's python3-onnx and numpy:
  - onnx.checker.check_model(full_check=True): the model is valid ONNX and passes strict shape inference;
  - one float32 input [batch, 3, S, S] and one output [batch, E] with the same symbolic batch dimension, opset >= 13;
  - the metadata (input_size, embedding_size, channel_order, mean, std) agrees with the graph;
  - every available evaluator reproduces EXPECTED (cosine >= 0.9999 per embedding): this script's own numpy
    implementation of the operators' ONNX definitions (always), onnx.reference (onnx >= 1.13) and the onnxruntime
    Python package when they are installed.
Prints one JSON line; exits 0 when every check passes, 1 otherwise.
"""
import json
import sys

import numpy as np
import onnx
from numpy.lib.stride_tricks import sliding_window_view
from onnx import helper, numpy_helper

MIN_COSINE = 0.9999


def attributes(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def conv(x, w, b=None, group=1, pads=(0, 0, 0, 0), strides=(1, 1), dilations=(1, 1), kernel_shape=None, auto_pad=b"NOTSET"):
    """ONNX Conv (2-d, explicit pads [top, left, bottom, right]) as grouped im2col in float64."""
    if auto_pad not in (b"NOTSET", "NOTSET") or tuple(dilations) != (1, 1):
        raise ValueError("only explicit pads and dilation 1 are implemented here")
    n, c, _, _ = x.shape
    m, cg, kh, kw = w.shape
    if kernel_shape is not None and tuple(kernel_shape) != (kh, kw):
        raise ValueError(f"kernel_shape {kernel_shape} differs from the weight's {(kh, kw)}")
    if cg * group != c:
        raise ValueError(f"weight {w.shape} with {group} groups does not fit {c} channels")
    top, left, bottom, right = pads
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, :: strides[0], :: strides[1]]
    oh, ow = windows.shape[2], windows.shape[3]
    windows = windows.reshape(n, group, cg, oh, ow, kh, kw)
    y = np.einsum("ngchwij,gmcij->ngmhw", windows, w.reshape(group, m // group, cg, kh, kw), optimize=True).reshape(n, m, oh, ow)
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def batch_normalization(x, scale, bias, mean, var, epsilon=1e-5, momentum=None, training_mode=0):
    if training_mode:
        raise ValueError("training-mode BatchNormalization in an inference graph")
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + epsilon) * scale.reshape(shape) + bias.reshape(shape)


def gemm(a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    y = alpha * ((a.T if transA else a) @ (b.T if transB else b))
    return y if c is None else y + beta * c


def flatten(x, axis=1):
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


OPERATORS = {
    "Conv": conv,
    "BatchNormalization": batch_normalization,
    "PRelu": lambda x, slope: np.where(x < 0, x * slope, x),  # slope broadcasts numpy-style (unidirectional)
    "Add": lambda a, b: a + b,
    "Flatten": flatten,
    "Gemm": gemm,
}


def evaluate_numpy(model, x):
    values = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    values[model.graph.input[0].name] = x.astype(np.float64)
    for node in model.graph.node:
        if node.op_type not in OPERATORS or node.domain not in ("", "ai.onnx"):
            raise ValueError(f"node {node.name}: operator {node.domain}:{node.op_type} is not implemented here")
        args = [values[i] if i else None for i in node.input]
        values[node.output[0]] = OPERATORS[node.op_type](*args, **attributes(node))
    return values[model.graph.output[0].name].astype(np.float32)


def evaluate_reference(model, x):
    from onnx.reference import ReferenceEvaluator  # onnx >= 1.13

    return ReferenceEvaluator(model).run(None, {model.graph.input[0].name: x})[0]


def evaluate_onnxruntime(model, x):
    import onnxruntime

    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {model.graph.input[0].name: x})[0]


def dims(value_info):
    return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in value_info.type.tensor_type.shape.dim]


def main(argv):
    path, input_path, batch, expected_path = argv
    batch = int(batch)
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    problems = []
    opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    if opset < 13:
        problems.append(f"opset {opset} < 13")
    if len(model.graph.input) != 1 or len(model.graph.output) != 1:
        problems.append("expected one input and one output")
    inp, out = dims(model.graph.input[0]), dims(model.graph.output[0])
    if len(inp) != 4 or not isinstance(inp[0], str) or inp[1] != 3 or inp[2] != inp[3]:
        problems.append(f"input shape {inp} is not [batch, 3, S, S]")
    if len(out) != 2 or out[0] != inp[0] or isinstance(out[1], str):
        problems.append(f"output shape {out} is not [{inp[0]}, E]")
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    if dims(inferred.graph.output[0]) != out:
        problems.append(f"shape inference gives {dims(inferred.graph.output[0])} for the output, the model declares {out}")
    meta = {p.key: p.value for p in model.metadata_props}
    wanted = {"input_size": str(inp[2]), "embedding_size": str(out[1]), "channel_order": "RGB", "mean": "127.5,127.5,127.5", "std": "127.5,127.5,127.5"}
    for key, value in wanted.items():
        if meta.get(key) != value:
            problems.append(f"metadata {key} = {meta.get(key)!r}, expected {value!r}")

    size, embedding = inp[2], out[1]
    x = np.fromfile(input_path, dtype="<f4").reshape(batch, 3, size, size)
    expected = np.fromfile(expected_path, dtype="<f4").reshape(batch, embedding).astype(np.float64)
    evaluators = {}
    for name, evaluate in (("numpy", evaluate_numpy), ("onnx.reference", evaluate_reference), ("onnxruntime", evaluate_onnxruntime)):
        try:
            y = np.asarray(evaluate(model, x), dtype=np.float64)
        except ImportError as e:
            evaluators[name] = f"not installed ({e})"
            continue
        if y.shape != expected.shape:
            problems.append(f"{name}: output shape {y.shape}, expected {expected.shape}")
            continue
        cos = (y * expected).sum(1) / np.sqrt((y * y).sum(1) * (expected * expected).sum(1))
        evaluators[name] = float(cos.min())
        if cos.min() < MIN_COSINE:
            problems.append(f"{name}: smallest cosine {cos.min():.6f} < {MIN_COSINE}")

    nodes = {}
    for node in model.graph.node:
        nodes[node.op_type] = nodes.get(node.op_type, 0) + 1
    print(json.dumps({"checker": "passed", "opset": opset, "ir_version": model.ir_version, "input": inp, "output": out,
                      "nodes": nodes, "evaluators": evaluators, "problems": problems}))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
