#!/usr/bin/python3
"""The same workloads as Isthmus's end-to-end benchmark, in PyTorch, for side-by-side ratios.

Run with Debian's PyTorch (apt-get install python3-torch):
    /usr/bin/python3 bench/pytorch/peer.py --threads 1 [--json out.json] [--quick]

Workloads (synthetic data, float32, the same shapes and optimizers as Isthmus's `isthmus bench`):
  mlp_train     784-40-40-40-40-40-10 ReLU MLP, Adam, cross-entropy, batch 64      (images/s)
  lenet5_train  LeNet-5 (61,706 parameters), Adam, cross-entropy, batch 64         (images/s)
  lenet5_infer  LeNet-5 forward in eval mode under no_grad, batch 256              (images/s)
  alexnet_step  the course's AlexNet at 224x224x3, 1000 classes, SGD, batch 16      (seconds/step)
Each figure is the median of several timed repetitions after warm-up.
"""
import argparse
import json
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


def train_rate(model, batch, shape, steps, reps, opt_name="adam"):
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip-alexnet", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    q = a.quick
    res = {"torch": torch.__version__, "threads": a.threads}
    res["mlp_train"] = train_rate(mlp(), 64, (1, 28, 28), 20 if q else 100, 3 if q else 7)
    res["lenet5_train"] = train_rate(lenet5(), 64, (1, 28, 28), 10 if q else 40, 3 if q else 7)
    res["lenet5_infer"] = infer_rate(lenet5(), 256, (1, 28, 28), 5 if q else 20, 3 if q else 7)
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
    text = json.dumps(res)
    print(text)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
