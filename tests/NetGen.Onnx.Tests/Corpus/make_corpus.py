#!/usr/bin/python3
"""Builds the ONNX import corpus: real exports of small MLPs and their reference outputs.

Run with Debian's python3 and its packages (apt-get install python3-torch python3-onnx: torch 1.13, onnx 1.12):

    /usr/bin/python3 tests/NetGen.Onnx.Tests/Corpus/make_corpus.py

It rewrites models/ (one <name>.onnx and <name>.json per model that must import) and negative/ (models the importer
must refuse with a specific message) next to this script. The tests read only these committed files; CI needs no
Python. Everything is seeded, so a rerun with the same torch and onnx writes the same files.

Each <name>.json holds:
  name, file          the model
  source              "torch.onnx.export" (PyTorch's own exporter) or "onnx.helper" (written here directly, for
                      what torch 1.13 cannot emit: opsets 20 and 21, Gemm with transB = 0 / alpha / beta, Identity,
                      Dropout nodes, typed-field and F16/BF16 initializers)
  opset               the default-domain opset the model imports
  covers              the operators and features the model exercises
  spec                the NetworkSpec the importer must produce: NetworkSpec.ToString(), e.g.
                      "20 → 16 ReLU → 4 Softmax, SoftmaxCrossEntropy, Single"
  output              "values", "probabilities" or "log-probabilities" (the model ends in LogSoftmax; NetGen's
                      imported network returns the probabilities, their exponentials)
  inputShape, input   fixed inputs, flattened row-major
  outputShape, expected
                      the reference outputs for those inputs: PyTorch's own for exported models (computed in the
                      model's dtype), a float64 NumPy evaluation of the same formula for onnx.helper models
Numbers are written with Python's repr, which round-trips float32 and float64 values exactly.
"""

import json
import math
import os
import sys

import numpy as np
import onnx
import onnx.helper as oh
import onnx.numpy_helper as onh
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "models")
NEGATIVE = os.path.join(HERE, "negative")


def floats(array):
    return [float(v) for v in np.asarray(array, dtype=np.float64).reshape(-1)]


def write_manifest(name, source, opset, covers, spec, output, x, y):
    manifest = {
        "name": name,
        "file": name + ".onnx",
        "source": source,
        "opset": opset,
        "covers": covers,
        "spec": spec,
        "output": output,
        "inputShape": list(x.shape),
        "input": floats(x),
        "outputShape": list(y.shape),
        "expected": floats(y),
    }
    with open(os.path.join(MODELS, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write("\n")


def export(name, module, x, opset, covers, spec, output="values", dynamic=True, **options):
    """Exports a module with torch.onnx.export and records its own outputs for x."""
    module.eval()
    path = os.path.join(MODELS, name + ".onnx")
    dynamic_axes = {"input": {0: "batch"}, "output": {0: "batch"}} if dynamic else None
    with torch.no_grad():
        torch.onnx.export(module, x, path, opset_version=opset, input_names=["input"], output_names=["output"],
                          dynamic_axes=dynamic_axes, **options)
        y = module(x)
    write_manifest(name, "torch.onnx.export", opset, covers, spec, output, x.numpy(), y.numpy())


def randomize_batch_norm(bn, generator):
    """Non-trivial running statistics and affine parameters, as a trained BatchNorm1d would have."""
    with torch.no_grad():
        n = bn.num_features
        bn.running_mean.copy_(torch.randn(n, generator=generator) * 0.5)
        bn.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
        bn.weight.copy_(torch.rand(n, generator=generator) + 0.5)
        bn.bias.copy_(torch.randn(n, generator=generator) * 0.2)


class Normalized(nn.Module):
    """(x − mean) / std with Python-number constants (exported as Constant nodes), then a body."""

    def __init__(self, mean, std, body):
        super().__init__()
        self.mean, self.std, self.body = mean, std, body

    def forward(self, x):
        return self.body((x - self.mean) / self.std)


class ScaledShifted(nn.Module):
    """x · scale + shift with per-feature buffers (exported as initializers), then a body."""

    def __init__(self, scale, shift, body):
        super().__init__()
        self.register_buffer("scale", scale)
        self.register_buffer("shift", shift)
        self.body = body

    def forward(self, x):
        return self.body(x * self.scale + self.shift)


class MatMulMlp(nn.Module):
    """Layers written as x @ W + b with W [in, out]: exported as MatMul + Add rather than Gemm."""

    def __init__(self, sizes, generator):
        super().__init__()
        self.weights = nn.ParameterList(
            [nn.Parameter(torch.randn(i, o, generator=generator) / math.sqrt(i)) for i, o in zip(sizes, sizes[1:])])
        self.biases = nn.ParameterList([nn.Parameter(torch.randn(o, generator=generator) * 0.1) for o in sizes[1:]])

    def forward(self, x):
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = x @ w + b
            if i < len(self.weights) - 1:
                x = torch.tanh(x)
        return torch.sigmoid(x)


class ViewFlatten(nn.Module):
    """x.view(x.size(0), -1): with a dynamic batch, exported as Shape → Gather → Unsqueeze → Concat → Reshape."""

    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        return self.body(x.view(x.size(0), -1))


class Residual(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.linear = nn.Linear(n, n)

    def forward(self, x):
        return x + torch.relu(self.linear(x))


def torch_models():
    g = torch.Generator().manual_seed(20240518)
    torch.manual_seed(1)

    def randn(*shape):
        return torch.randn(*shape, generator=g)

    export("relu_softmax_op9", nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 4), nn.Softmax(dim=-1)),
           randn(5, 20), 9, ["Gemm", "Relu", "Softmax", "dynamic batch"],
           "20 → 16 ReLU → 4 Softmax, SoftmaxCrossEntropy, Single", "probabilities")

    export("tanh_logsoftmax_op11", nn.Sequential(nn.Linear(12, 10), nn.Tanh(), nn.Linear(10, 3), nn.LogSoftmax(dim=1)),
           randn(5, 12), 11, ["Gemm", "Tanh", "LogSoftmax"],
           "12 → 10 Tanh → 3 Softmax, SoftmaxCrossEntropy, Single", "log-probabilities")

    bn = nn.BatchNorm1d(24)
    randomize_batch_norm(bn, g)
    export("batchnorm_dropout_op13",
           nn.Sequential(nn.Linear(16, 24), bn, nn.ReLU(), nn.Dropout(0.3), nn.Linear(24, 5)),
           randn(5, 16), 13, ["Gemm", "BatchNormalization after Linear (folded)", "Dropout (eval: removed)", "Identity on initializers",
                               "no output softmax"],
           "16 → 24 ReLU → 5 Identity, MeanSquaredError, Single")

    bn_after = nn.BatchNorm1d(12)
    randomize_batch_norm(bn_after, g)
    export("batchnorm_after_activation_op15",
           nn.Sequential(nn.Linear(8, 12), nn.Sigmoid(), bn_after, nn.Linear(12, 6), nn.Softmax(dim=-1)),
           randn(5, 8), 15, ["Gemm", "Sigmoid", "BatchNormalization after the activation (folded into the next layer)", "Softmax"],
           "8 → 12 Sigmoid → 6 Softmax, SoftmaxCrossEntropy, Single", "probabilities")

    image = torch.rand(5, 1, 8, 8, generator=g) * 16.0
    export("image_flatten_normalize_op12",
           Normalized(4.9, 6.0, nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.LeakyReLU(0.1), nn.Linear(32, 10),
                                              nn.Softmax(dim=-1))),
           image, 12, ["Constant", "Sub", "Div (input normalization folded)", "Flatten of a 1×8×8 image", "LeakyRelu", "Softmax"],
           "64 → 32 LeakyReLU(α=0.10000000149011612) → 10 Softmax, SoftmaxCrossEntropy, Single", "probabilities")

    export("scale_shift_sigmoid_fixed_batch_op10",
           ScaledShifted(torch.rand(6, generator=g) + 0.5, randn(6) * 0.3,
                         nn.Sequential(nn.Linear(6, 9), nn.Sigmoid(), nn.Linear(9, 2), nn.Sigmoid())),
           randn(4, 6), 10, ["Mul", "Add (per-feature input scaling folded)", "Sigmoid", "fixed batch 4"],
           "6 → 9 Sigmoid → 2 Sigmoid, MeanSquaredError, Single", dynamic=False)

    export("elu_op14", nn.Sequential(nn.Linear(10, 14), nn.ELU(alpha=0.7), nn.Linear(14, 3)),
           randn(5, 10), 14, ["Elu (alpha 0.7)"],
           "10 → 14 ELU(α=0.699999988079071) → 3 Identity, MeanSquaredError, Single")

    export("softplus_softmax_op15", nn.Sequential(nn.Linear(7, 11), nn.Softplus(), nn.Linear(11, 4), nn.Softmax(dim=-1)),
           randn(5, 7), 15, ["Softplus", "Softmax"],
           "7 → 11 Softplus → 4 Softmax, SoftmaxCrossEntropy, Single", "probabilities")

    export("gelu_op16", nn.Sequential(nn.Linear(9, 13), nn.GELU(), nn.Linear(13, 13), nn.GELU(), nn.Linear(13, 2)),
           randn(5, 9), 16, ["GELU as exported: Div, Erf, Add, Mul, Mul with Constant nodes"],
           "9 → 13 GELU → 13 GELU → 2 Identity, MeanSquaredError, Single")

    export("silu_logsoftmax_op17", nn.Sequential(nn.Linear(11, 8), nn.SiLU(), nn.Linear(8, 5), nn.LogSoftmax(dim=-1)),
           randn(5, 11), 17, ["SiLU as Mul(x, Sigmoid(x))", "LogSoftmax"],
           "11 → 8 SiLU → 5 Softmax, SoftmaxCrossEntropy, Single", "log-probabilities")

    export("matmul_add_op13", MatMulMlp([5, 7, 3], g), randn(5, 5), 13, ["MatMul + Add (x @ W + b)", "Tanh", "Sigmoid"],
           "5 → 7 Tanh → 3 Sigmoid, MeanSquaredError, Single")

    export("double_op17", nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3)).double(),
           randn(5, 6).double(), 17, ["DOUBLE input and F64 initializers"],
           "6 → 8 Tanh → 8 ReLU → 3 Identity, MeanSquaredError, Double")

    mnist = torch.rand(3, 1, 28, 28, generator=g)
    export("mnist_784_op17",
           Normalized(0.1307, 0.3081, nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10),
                                                    nn.Softmax(dim=1))),
           mnist, 17, ["784-wide input: a 1×28×28 image, normalized and flattened", "Softmax"],
           "784 → 32 ReLU → 10 Softmax, SoftmaxCrossEntropy, Single", "probabilities")

    export("view_reshape_op11",
           ViewFlatten(nn.Sequential(nn.Linear(18, 7), nn.ReLU(), nn.Linear(7, 3))),
           randn(5, 2, 3, 3), 11, ["x.view(x.size(0), -1): Shape, Gather, Unsqueeze, Concat, Reshape"],
           "18 → 7 ReLU → 3 Identity, MeanSquaredError, Single")

    export("softplus_beta_leaky_fixed_op9",
           nn.Sequential(nn.Linear(4, 6), nn.Softplus(beta=2.0), nn.Linear(6, 6), nn.LeakyReLU(0.2), nn.Linear(6, 2)),
           randn(3, 4), 9, ["Softplus(beta=2): Mul, Softplus, Div (scales folded into the neighbouring layers)", "LeakyRelu",
                             "fixed batch 3"],
           "4 → 6 Softplus → 6 LeakyReLU(α=0.20000000298023224) → 2 Identity, MeanSquaredError, Single", dynamic=False)

    # Unsupported graphs the importer must refuse, each with its own message.
    torch.onnx.export(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2 * 6 * 6, 3)).eval(),
                      torch.rand(1, 1, 8, 8, generator=g), os.path.join(NEGATIVE, "conv_op13.onnx"), opset_version=13,
                      input_names=["input"], output_names=["output"])
    torch.onnx.export(nn.Sequential(nn.Linear(4, 4), Residual(4), nn.Linear(4, 2)).eval(), randn(2, 4),
                      os.path.join(NEGATIVE, "residual_op13.onnx"), opset_version=13, input_names=["input"],
                      output_names=["output"])
    torch.onnx.export(nn.Sequential(nn.Linear(4, 5), nn.GELU(approximate="tanh"), nn.Linear(5, 2)).eval(), randn(2, 4),
                      os.path.join(NEGATIVE, "gelu_tanh_op17.onnx"), opset_version=17, input_names=["input"],
                      output_names=["output"])
    torch.onnx.export(nn.Sequential(nn.Linear(4, 5), nn.Softmax(dim=-1), nn.Linear(5, 2)).eval(), randn(2, 4),
                      os.path.join(NEGATIVE, "hidden_softmax_op13.onnx"), opset_version=13, input_names=["input"],
                      output_names=["output"])


# ----- models written with onnx.helper -----------------------------------------------------------------------------

def save_helper_model(name, nodes, initializers, x, y, opset, ir_version, covers, spec, output="values",
                      batch="batch", elem_type=TensorProto.FLOAT, out_features=None, folder=MODELS):
    in_shape = [batch] + list(x.shape[1:])
    out_shape = [batch, out_features if out_features is not None else y.shape[1]]
    graph = oh.make_graph(nodes, name, [oh.make_tensor_value_info("input", elem_type, in_shape)],
                          [oh.make_tensor_value_info("output", elem_type, out_shape)], initializer=initializers)
    model = oh.make_model(graph, producer_name="make_corpus.py", opset_imports=[oh.make_opsetid("", opset)])
    model.ir_version = ir_version
    with open(os.path.join(folder, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())
    if folder == MODELS:
        write_manifest(name, "onnx.helper", opset, covers, spec, output, x, y)


def typed(name, array, data_type=TensorProto.FLOAT):
    """An initializer in the typed field (float_data / double_data), not raw_data."""
    array = np.asarray(array)
    return oh.make_tensor(name, data_type, list(array.shape), array.reshape(-1).tolist())


def raw(name, array):
    return onh.from_array(np.ascontiguousarray(array), name)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def erf(z):
    return np.vectorize(math.erf)(z)


def helper_models(rng):
    def f32(a):
        return np.asarray(a, dtype=np.float32)

    # Gemm in every form a hand-written or converted model uses: transB = 0 (B is [in, out]), alpha and beta ≠ 1,
    # C as [1, out]; an Identity node; a second Gemm with transB = 1, alpha and no C.
    x = f32(rng.standard_normal((5, 6)))
    b1 = f32(rng.standard_normal((6, 8)) * 0.4)
    c1 = f32(rng.standard_normal((1, 8)) * 0.3)
    b2 = f32(rng.standard_normal((3, 8)) * 0.4)
    nodes = [
        oh.make_node("Gemm", ["input", "B1", "C1"], ["z1"], name="gemm1", alpha=0.5, beta=2.0, transA=0, transB=0),
        oh.make_node("Identity", ["z1"], ["z1_copy"], name="copy"),
        oh.make_node("Relu", ["z1_copy"], ["a1"], name="relu1"),
        oh.make_node("Dropout", ["a1"], ["d1"], name="dropout1", ratio=0.5),
        oh.make_node("Gemm", ["d1", "B2"], ["output"], name="gemm2", alpha=1.5, transB=1),
    ]
    z1 = 0.5 * (x.astype(np.float64) @ b1) + 2.0 * c1
    y = 1.5 * (np.maximum(z1, 0) @ b2.T.astype(np.float64))
    save_helper_model("gemm_forms_op11", nodes, [raw("B1", b1), typed("C1", c1), raw("B2", b2)], x, y, 11, 6,
                      ["Gemm transB=0 alpha=0.5 beta=2 C [1, out]", "Identity", "Gemm transB=1 alpha=1.5 without C",
                       "typed float_data initializer", "Dropout (opset 11, ratio attribute)"],
                      "6 → 8 ReLU → 3 Identity, MeanSquaredError, Single")

    # Opset 20's Gelu operator.
    x = f32(rng.standard_normal((5, 7)))
    w1, bias1 = f32(rng.standard_normal((9, 7)) * 0.4), f32(rng.standard_normal(9) * 0.1)
    w2, bias2 = f32(rng.standard_normal((4, 9)) * 0.4), f32(rng.standard_normal(4) * 0.1)
    nodes = [
        oh.make_node("Gemm", ["input", "w1", "b1"], ["z1"], name="dense1", transB=1),
        oh.make_node("Gelu", ["z1"], ["a1"], name="gelu1"),
        oh.make_node("Gemm", ["a1", "w2", "b2"], ["z2"], name="dense2", transB=1),
        oh.make_node("Softmax", ["z2"], ["output"], name="softmax", axis=-1),
    ]
    z1 = x.astype(np.float64) @ w1.T + bias1
    a1 = 0.5 * z1 * (1 + erf(z1 / math.sqrt(2)))
    y = softmax(a1 @ w2.T + bias2)
    save_helper_model("gelu_operator_op20", nodes, [raw("w1", w1), raw("b1", bias1), raw("w2", w2), raw("b2", bias2)], x, y,
                      20, 9, ["Gelu (opset 20 operator)", "Softmax"], "7 → 9 GELU → 4 Softmax, SoftmaxCrossEntropy, Single",
                      "probabilities")

    # Opset 21: typed-field initializers, Constant nodes (value_float and value tensor), Dropout with ratio and
    # training_mode inputs, MatMul + Add with the bias first.
    x = f32(rng.standard_normal((5, 4)))
    w1, bias1 = f32(rng.standard_normal((4, 6)) * 0.5), f32(rng.standard_normal(6) * 0.1)
    w2, bias2 = f32(rng.standard_normal((6, 3)) * 0.5), f32(rng.standard_normal(3) * 0.1)
    mean = f32(rng.standard_normal(4) * 0.2)
    nodes = [
        oh.make_node("Constant", [], ["mean"], name="mean_constant", value=typed("mean_value", mean)),
        oh.make_node("Constant", [], ["half"], name="half_constant", value_float=0.5),
        oh.make_node("Constant", [], ["ratio"], name="ratio_constant", value_float=0.25),
        oh.make_node("Constant", [], ["training"], name="training_constant",
                     value=oh.make_tensor("training_value", TensorProto.BOOL, [], [False])),
        oh.make_node("Sub", ["input", "mean"], ["centered"], name="center"),
        oh.make_node("Mul", ["half", "centered"], ["scaled"], name="scale"),
        oh.make_node("MatMul", ["scaled", "w1"], ["m1"], name="matmul1"),
        oh.make_node("Add", ["b1", "m1"], ["z1"], name="bias1"),
        oh.make_node("Tanh", ["z1"], ["a1"], name="tanh1"),
        oh.make_node("Dropout", ["a1", "ratio", "training"], ["d1", "mask1"], name="dropout1"),
        oh.make_node("MatMul", ["d1", "w2"], ["m2"], name="matmul2"),
        oh.make_node("Add", ["m2", "b2"], ["output"], name="bias2"),
    ]
    z1 = (0.5 * (x.astype(np.float64) - mean)) @ w1 + bias1
    y = np.tanh(z1) @ w2 + bias2
    save_helper_model("typed_constants_dropout_op21", nodes,
                      [typed("w1", w1), typed("b1", bias1), typed("w2", w2), typed("b2", bias2)], x, y, 21, 10,
                      ["opset 21", "typed float_data initializers", "Constant (value tensor, value_float)",
                       "Dropout with ratio and training_mode inputs", "MatMul + Add, bias first", "Sub and Mul normalization"],
                      "4 → 6 Tanh → 3 Identity, MeanSquaredError, Single")

    # F16 weights (raw_data) and BF16 biases (int32_data, the typed field of 16-bit types), cast to FLOAT in the graph
    # (opset 13: Cast reads BFLOAT16 from Cast-13 on); an F64 second-layer weight cast to FLOAT; Dropout with its data only.
    x = f32(rng.standard_normal((5, 5)))
    w1 = (rng.standard_normal((7, 5)) * 0.4).astype(np.float16)
    bias1_bf16 = bf16_bits(rng.standard_normal(7) * 0.2)
    w2 = rng.standard_normal((2, 7)) * 0.4
    bias2 = f32(rng.standard_normal(2) * 0.1)
    nodes = [
        oh.make_node("Cast", ["w1_f16"], ["w1"], name="cast_w1", to=TensorProto.FLOAT),
        oh.make_node("Cast", ["b1_bf16"], ["b1"], name="cast_b1", to=TensorProto.FLOAT),
        oh.make_node("Cast", ["w2_f64"], ["w2"], name="cast_w2", to=TensorProto.FLOAT),
        oh.make_node("Gemm", ["input", "w1", "b1"], ["z1"], name="dense1", transB=1),
        oh.make_node("Sigmoid", ["z1"], ["a1"], name="sigmoid1"),
        oh.make_node("Dropout", ["a1"], ["d1"], name="dropout1"),
        oh.make_node("Gemm", ["d1", "w2", "b2"], ["output"], name="dense2", transB=1),
    ]
    bias1 = bf16_values(bias1_bf16)
    z1 = x.astype(np.float64) @ w1.astype(np.float64).T + bias1
    w2_as_float = w2.astype(np.float32).astype(np.float64)
    y = (1 / (1 + np.exp(-z1))) @ w2_as_float.T + bias2
    bias_bf16 = TensorProto(name="b1_bf16", data_type=TensorProto.BFLOAT16, dims=[7])
    bias_bf16.int32_data.extend(int(v) for v in bias1_bf16)
    save_helper_model("f16_bf16_f64_cast_op13", nodes, [raw("w1_f16", w1), bias_bf16, raw("w2_f64", w2), raw("b2", bias2)],
                      x, y, 13, 7, ["FLOAT16 initializer (raw_data)", "BFLOAT16 initializer (int32_data)",
                                   "DOUBLE initializer", "Cast of initializers", "Dropout (data input only)"],
                      "5 → 7 Sigmoid → 2 Identity, MeanSquaredError, Single")

    # Negative models that need a hand-written graph.
    x = f32(rng.standard_normal((2, 4)))
    w = f32(rng.standard_normal((3, 4)))
    y = np.zeros((2, 3))
    external = raw("w", w)
    external.ClearField("raw_data")
    external.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "weights.bin"), ("offset", "0"), ("length", str(w.nbytes))):
        entry = external.external_data.add()
        entry.key, entry.value = key, value
    save_helper_model("external_data", [oh.make_node("Gemm", ["input", "w"], ["output"], name="dense1", transB=1)],
                      [external], x, y, 13, 7, [], "", folder=NEGATIVE)
    save_helper_model("missing_initializer", [oh.make_node("Gemm", ["input", "w", "b"], ["output"], name="dense1", transB=1)],
                      [raw("w", w)], x, y, 13, 7, [], "", folder=NEGATIVE)
    save_helper_model("weight_3d", [oh.make_node("MatMul", ["input", "w3"], ["output"], name="matmul1")],
                      [raw("w3", f32(rng.standard_normal((2, 4, 3))))], x, y, 13, 7, [], "", folder=NEGATIVE)
    save_helper_model("opset_8", [oh.make_node("Gemm", ["input", "w"], ["output"], name="dense1", transB=1)],
                      [raw("w", w)], x, y, 8, 3, [], "", folder=NEGATIVE)
    save_helper_model("opset_22", [oh.make_node("Gemm", ["input", "w"], ["output"], name="dense1", transB=1)],
                      [raw("w", w)], x, y, 22, 10, [], "", folder=NEGATIVE)
    save_helper_model("gemm_trans_a", [oh.make_node("Gemm", ["input", "w"], ["output"], name="dense1", transA=1, transB=1)],
                      [raw("w", w)], x, y, 13, 7, [], "", folder=NEGATIVE)


def bf16_bits(values):
    """The BFLOAT16 bit patterns of values, rounded to nearest even from float32."""
    bits = np.asarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def bf16_values(bits):
    return (np.asarray(bits, dtype=np.uint32) << 16).view(np.float32).astype(np.float64)


def main():
    if not torch.__version__.startswith("1.13") or not onnx.__version__.startswith("1.12"):
        print(f"note: the committed corpus was made with torch 1.13 and onnx 1.12; this is torch {torch.__version__}, "
              f"onnx {onnx.__version__}", file=sys.stderr)
    os.makedirs(MODELS, exist_ok=True)
    os.makedirs(NEGATIVE, exist_ok=True)
    for folder in (MODELS, NEGATIVE):
        for name in os.listdir(folder):
            if name.endswith((".onnx", ".json")):
                os.remove(os.path.join(folder, name))
    torch_models()
    helper_models(np.random.default_rng(20240518))
    total = sum(os.path.getsize(os.path.join(folder, n)) for folder in (MODELS, NEGATIVE) for n in os.listdir(folder))
    print(f"{len(os.listdir(MODELS)) // 2} models, {len(os.listdir(NEGATIVE))} negative models, {total} bytes")


if __name__ == "__main__":
    main()
