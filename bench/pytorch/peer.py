#!/usr/bin/python3
"""The same workloads as Isthmus's end-to-end benchmark, in PyTorch, for side-by-side ratios.

Run with Debian's PyTorch (apt-get install python3-torch libopenblas0-pthread):
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch/peer.py --threads 1 [--json out.json] [--quick]
    /usr/bin/python3 bench/pytorch/peer.py --probe             # which BLAS torch loaded, matmul GFLOP/s at n = 1024
    /usr/bin/python3 bench/pytorch/peer.py --export-onnx DIR   # LeNet-5 and AlexNet as DIR/{lenet5,alexnet}.onnx

Workloads (synthetic data, float32, the same shapes and optimizers as Isthmus's EndToEnd):
  mlp_train           784-40-40-40-40-40-10 ReLU MLP, Adam, cross-entropy, batch 64   (images/s)
  lenet5_train        LeNet-5 (61,706 parameters), Adam, cross-entropy, batch 64      (images/s)
  lenet5_infer_b64    LeNet-5 forward in eval mode under no_grad, batch 64            (images/s)
  lenet5_infer        the same at batch 256                                           (images/s)
  lenet5_b1_p50_ms    one-image LeNet-5 forward, median and 99th percentile latency   (ms)
  alexnet_step_s      the course's AlexNet at 224x224x3, 1000 classes, SGD, batch 16   (seconds/step)
  alexnet_infer_b16   AlexNet forward in eval mode under no_grad, batch 16            (images/s)
  alexnet_b1_p50_ms   one-image AlexNet forward latency, median and 99th percentile   (ms)
Each throughput is the median of several timed repetitions after warm-up. The JSON also says which BLAS
library the process mapped and which core OpenBLAS picked, so a crippled peer cannot pass unnoticed.
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn


def mlp():
    layers, width = [], 784
    for _ in range(5):
        layers += [nn.Linear(width, 40), nn.ReLU()]
        width = 40
    layers.append(nn.Linear(40, 10))
    return nn.Sequential(nn.Flatten(), *layers)


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def alexnet(classes=1000):
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, classes))


def timed(fn, reps, inner):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times)


def percentile(sorted_values, p):
    i = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[i]


def train_rate(model, batch, shape, steps, reps, opt_name="adam", classes=10):
    x = torch.randn(batch, *shape)
    y = torch.randint(0, classes, (batch,))
    opt = torch.optim.Adam(model.parameters(), 1e-3) if opt_name == "adam" else torch.optim.SGD(model.parameters(), 0.01)
    loss_fn = nn.CrossEntropyLoss()
    model.train()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    for _ in range(steps):
        step()
    return batch / timed(step, reps, steps)


def infer_rate(model, batch, shape, steps, reps):
    x = torch.randn(batch, *shape)
    model.eval()
    with torch.no_grad():
        for _ in range(steps):
            model(x)
        return batch / timed(lambda: model(x), reps, steps)


def latency_ms(model, shape, warmup, samples):
    """Median and 99th percentile of single-image forward calls, in milliseconds."""
    x = torch.randn(1, *shape)
    model.eval()
    with torch.no_grad():
        for _ in range(warmup):
            model(x)
        t = []
        for _ in range(samples):
            t0 = time.perf_counter()
            model(x)
            t.append((time.perf_counter() - t0) * 1e3)
    t.sort()
    return percentile(t, 50), percentile(t, 99)


def blas_info():
    """Which BLAS this process mapped (from /proc/self/maps) and, for OpenBLAS, its core and config."""
    libs = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path)
            if any(k in name for k in ("blas", "lapack", "mkl", "dnnl", "gomp", "iomp")) and path not in libs:
                libs.append(path)
    info = {"libs": libs, "blas_info": "?", "openblas_core": None, "openblas_config": None,
            "cpu_capability": "?", "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE")}
    for path in libs:
        if "openblas" in os.path.basename(path):
            try:
                lib = ctypes.CDLL(path)  # already mapped: the same handle torch uses
                lib.openblas_get_corename.restype = ctypes.c_char_p
                lib.openblas_get_config.restype = ctypes.c_char_p
                info["openblas_core"] = lib.openblas_get_corename().decode()
                info["openblas_config"] = lib.openblas_get_config().decode()
            except (OSError, AttributeError):
                pass
            break
    config = torch.__config__.show()
    for line in config.splitlines():
        line = line.strip()
        if line.startswith("- CPU capability usage:"):
            info["cpu_capability"] = line.split(":", 1)[1].strip()
        if "BLAS_INFO=" in line:
            info["blas_info"] = line.split("BLAS_INFO=", 1)[1].split(",", 1)[0]
    return info


def probe(reps=7):
    """Matmul GFLOP/s at n = 1024 on the current thread settings, and the BLAS behind it."""
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    res = {"torch": torch.__version__, "threads": torch.get_num_threads(),
           "matmul_1024_gflops": 2.0 * n ** 3 / statistics.median(times) / 1e9}
    res.update(blas_info())
    return res


def export_onnx(directory):
    """LeNet-5 and AlexNet, random weights, dynamic batch axis, for the ONNX Runtime peer."""
    os.makedirs(directory, exist_ok=True)
    for name, model, shape in (("lenet5", lenet5(), (1, 28, 28)), ("alexnet", alexnet(), (3, 224, 224))):
        model.eval()
        torch.onnx.export(model, torch.randn(1, *shape), os.path.join(directory, name + ".onnx"),
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
    return {"exported": sorted(os.listdir(directory))}


def workloads(a):
    q = a.quick
    res = {"torch": torch.__version__, "threads": a.threads}
    res["mlp_train"] = train_rate(mlp(), 64, (1, 28, 28), 20 if q else 100, 3 if q else 7)
    res["lenet5_train"] = train_rate(lenet5(), 64, (1, 28, 28), 10 if q else 40, 3 if q else 7)
    net = lenet5()
    res["lenet5_infer_b64"] = infer_rate(net, 64, (1, 28, 28), 10 if q else 60, 3 if q else 7)
    res["lenet5_infer"] = infer_rate(net, 256, (1, 28, 28), 5 if q else 20, 3 if q else 7)
    res["lenet5_b1_p50_ms"], res["lenet5_b1_p99_ms"] = latency_ms(net, (1, 28, 28), 50 if q else 300,
                                                                  200 if q else 2000)
    if not a.skip_alexnet:
        net = alexnet()
        x = torch.randn(16, 3, 224, 224)
        y = torch.randint(0, 1000, (16,))
        opt = torch.optim.SGD(net.parameters(), 0.01)
        loss_fn = nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss_fn(net(x), y).backward()
            opt.step()
        step()
        res["alexnet_step_s"] = timed(step, 1 if q else 3, 1)
        res["alexnet_infer_b16"] = infer_rate(net, 16, (3, 224, 224), 1 if q else 2, 2 if q else 3)
        res["alexnet_b1_p50_ms"], res["alexnet_b1_p99_ms"] = latency_ms(net, (3, 224, 224), 2 if q else 5,
                                                                        5 if q else 30)
    res.update({"blas": blas_info()})
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip-alexnet", action="store_true")
    ap.add_argument("--probe", action="store_true", help="only the BLAS check: matmul GFLOP/s at n = 1024")
    ap.add_argument("--export-onnx", metavar="DIR", help="only export LeNet-5 and AlexNet to DIR as ONNX")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.export_onnx:
        res = export_onnx(a.export_onnx)
    elif a.probe:
        res = probe()
    else:
        res = workloads(a)
    text = json.dumps(res)
    print(text)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
