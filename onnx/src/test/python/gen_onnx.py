#!/usr/bin/python3
"""ONNX fixtures for the onnx module's tests, exported by PyTorch 1.13 (torch.onnx.export; the onnx Python
package is not needed).

    /usr/bin/python3 gen_onnx.py fixtures [OUT_DIR]   # the committed fixtures (default: ../resources/dev/isthmus/onnx)
    /usr/bin/python3 gen_onnx.py alexnet OUT_DIR      # the full 62 M-parameter AlexNet (run by a test, not committed)

Each fixture NAME gives NAME.onnx and NAME.json: {"opset", "input_shape" (one sample), "batch", "input",
"output"} with the input and PyTorch's output flattened in row-major order. Weights, biases, batch-norm
statistics and inputs are drawn from fixed seeds, so running the script again gives the same files.
The networks are the course's (engine models/CourseModels), built as the same nn.Sequential so layer
indices match, plus a Conv+BatchNorm network and one that covers the remaining supported operators.
"""
import json
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "resources", "dev", "isthmus", "onnx")


def calculator():
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                         nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))


def digits_mlp():
    layers = [nn.Flatten()]
    width = 784
    for _ in range(5):
        layers += [nn.Linear(width, 40), nn.ReLU()]
        width = 40
    layers.append(nn.Linear(40, 10))
    return nn.Sequential(*layers)


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def alexnet_small():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(64, 96, 3, 1, 1), nn.ReLU(),
        nn.Conv2d(96, 96, 3, 1, 1), nn.ReLU(),
        nn.Conv2d(96, 64, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Dropout(0.5), nn.Linear(64 * 3 * 3, 256), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(256, 256), nn.ReLU(),
        nn.Linear(256, 10))


def alexnet():
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, 1, 1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, 1, 1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(),
        nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(),
        nn.Linear(4096, 1000))


def conv_bn():
    """Conv+BatchNorm blocks with non-trivial running statistics: the importer folds each BN into its Conv."""
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, 1, 1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(8, 12, 3, 1, 0, bias=False), nn.BatchNorm2d(12, eps=1e-3), nn.ReLU(),
        nn.Flatten(), nn.Linear(12 * 3 * 3, 5))
    gen = torch.Generator().manual_seed(7)
    for m in model:
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = torch.rand(c, generator=gen) + 0.5
            m.bias.data = torch.randn(c, generator=gen) * 0.2
            m.running_mean = torch.randn(c, generator=gen) * 0.3
            m.running_var = torch.rand(c, generator=gen) + 0.5
    return model


class MatMulAdd(nn.Module):
    """x @ W + b with W stored [in, out]: exported as MatMul followed by Add, not Gemm."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.w = nn.Parameter(torch.randn(n_in, n_out) * 0.2)
        self.b = nn.Parameter(torch.randn(n_out) * 0.1)

    def forward(self, x):
        return torch.matmul(x, self.w) + self.b


class Regroup(nn.Module):
    """A reshape with a constant target shape (exported as Reshape of a constant)."""

    def forward(self, x):
        return x.reshape(-1, 3, 2, 2)


def operators():
    """The remaining supported operators: LeakyRelu, AveragePool, Resize (nearest, x2), strided Conv, Tanh,
    MatMul+Add, Sigmoid, Reshape, MaxPool with stride 1, Dropout, Identity, Softmax."""
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, 1, 1), nn.LeakyReLU(0.1), nn.AvgPool2d(2),
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(4, 2, 3, 2, 1), nn.Tanh(), nn.Flatten(), nn.Identity(),
        MatMulAdd(32, 12), nn.Sigmoid(), Regroup(), nn.MaxPool2d(2, 1),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(3, 5), nn.Softmax(dim=1))


FIXTURES = {
    # name: (builder, one sample's input shape, opset, batch, keep BatchNormalization nodes)
    "calculator": (calculator, [2], 11, 4, False),
    "digits_mlp": (digits_mlp, [1, 28, 28], 13, 3, False),
    "lenet5": (lenet5, [1, 28, 28], 17, 3, False),
    "alexnet_small": (alexnet_small, [1, 28, 28], 13, 2, False),
    "conv_bn": (conv_bn, [3, 10, 10], 15, 3, True),
    "operators": (operators, [1, 8, 8], 11, 3, False),
    "operators_opset13": (operators, [1, 8, 8], 13, 3, False),
}


def export(name, builder, shape, opset, batch, keep_bn, out_dir, write_json=True):
    torch.manual_seed(sum(map(ord, name)))
    model = builder().eval()
    x = torch.randn([batch] + shape, generator=torch.Generator().manual_seed(1000 + len(name)))
    with torch.no_grad():
        y = model(x)
    path = os.path.join(out_dir, name + ".onnx")
    # TrainingMode.PRESERVE on a model in eval mode keeps BatchNormalization as a node (EVAL would fold it into
    # the Conv already in PyTorch, and the importer's folding would go untested).
    mode = torch.onnx.TrainingMode.PRESERVE if keep_bn else torch.onnx.TrainingMode.EVAL
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, training=mode,
                      do_constant_folding=not keep_bn)
    if write_json:
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            json.dump({"opset": opset, "input_shape": shape, "batch": batch,
                       "input": [float(v) for v in x.flatten()], "output": [float(v) for v in y.flatten()]}, f)
            f.write("\n")
    return path


def main(argv):
    if len(argv) >= 1 and argv[0] == "alexnet":
        out = argv[1]
        os.makedirs(out, exist_ok=True)
        export("alexnet", alexnet, [3, 224, 224], 13, 1, False, out)
        return
    if len(argv) >= 1 and argv[0] != "fixtures":
        sys.exit(__doc__)
    out = argv[1] if len(argv) > 1 else DEFAULT_OUT
    os.makedirs(out, exist_ok=True)
    for name, (builder, shape, opset, batch, keep_bn) in FIXTURES.items():
        print(name, export(name, builder, shape, opset, batch, keep_bn, out))


if __name__ == "__main__":
    main(sys.argv[1:])
