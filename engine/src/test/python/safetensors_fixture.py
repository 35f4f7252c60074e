#!/usr/bin/python3
"""Safetensors interop fixtures for dev.isthmus.io.SafeTensors, both directions, against PyTorch 1.13.

The `safetensors` Python package is not assumed: the format is written and read by hand below (struct +
json), exactly per the spec: 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON padded
with spaces to a multiple of 8, then the little-endian tensor bytes, offsets relative to the data section.

Usage (from the repository root; CI never runs Python, the outputs are committed):

  /usr/bin/python3 engine/src/test/python/safetensors_fixture.py
      Regenerates engine/src/test/resources/fixtures/safetensors/:
        mlp.safetensors     state_dict of nn.Sequential(Linear(4,3), ReLU(), Linear(3,2)), seed 4 (MODEL_SEED), laid out
                            like the reference writer (sorted by dtype alignment, then name)
        mlp_io.safetensors  "input" [6, 4] and "output" = model(input) [6, 2]
        dtypes.safetensors  the same values stored as F16, BF16 and F64 (converted by PyTorch), plus a
                            scalar and an empty tensor; header order differs from data order on purpose
        expected.json       for every tensor: dtype, shape and the float32 bit patterns a reader must
                            produce (PyTorch's own .float() conversion for F16/BF16/F64)

  Reverse direction (a Java-written file read by this script's reader):
      mvn -B -q -o test -pl engine -Dtest=SafeTensorsInteropTest \\
          -Disthmus.safetensors.export=/tmp/isthmus_mlp.safetensors
      /usr/bin/python3 engine/src/test/python/safetensors_fixture.py check-java /tmp/isthmus_mlp.safetensors
      The Java test reads mlp.safetensors and writes it back with Isthmus's writer; this checks every
      tensor bit-exactly against the seed-4 model and runs the model with the Java-written weights.
"""
import json
import os
import struct
import sys
from collections import OrderedDict

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "fixtures", "safetensors"))
MAX_HEADER = 100_000_000

# dtype name -> (element size, numpy little-endian storage dtype, torch dtype)
DTYPES = {
    "F64": (8, "<f8", torch.float64),
    "F32": (4, "<f4", torch.float32),
    "F16": (2, "<i2", torch.float16),   # stored through an int16 view (bit-exact)
    "BF16": (2, "<i2", torch.bfloat16),  # numpy has no bfloat16
}
TORCH_TO_NAME = {v[2]: k for k, v in DTYPES.items()}


def tensor_bytes(t):
    name = TORCH_TO_NAME[t.dtype]
    size, np_dtype, _ = DTYPES[name]
    t = t.detach().contiguous().cpu()
    if name in ("F16", "BF16"):
        arr = t.view(torch.int16).numpy()
    else:
        arr = t.numpy()
    return arr.astype(np_dtype, copy=False).tobytes()


def write_safetensors(path, tensors, metadata=None, data_order=None):
    """tensors: ordered (name, tensor) pairs, in header order; data_order: names in the order their bytes
    are laid out (default: the reference writer's order, alignment descending then name)."""
    tensors = OrderedDict(tensors)
    if data_order is None:
        data_order = sorted(tensors, key=lambda n: (-DTYPES[TORCH_TO_NAME[tensors[n].dtype]][0], n))
    offsets, blobs, pos = {}, [], 0
    for n in data_order:
        b = tensor_bytes(tensors[n])
        offsets[n] = (pos, pos + len(b))
        blobs.append(b)
        pos += len(b)
    header = OrderedDict()
    if metadata:
        header["__metadata__"] = OrderedDict((str(k), str(v)) for k, v in metadata.items())
    for n, t in tensors.items():
        header[n] = OrderedDict([("dtype", TORCH_TO_NAME[t.dtype]), ("shape", list(t.shape)),
                                 ("data_offsets", list(offsets[n]))])
    js = json.dumps(header, separators=(",", ":")).encode("utf-8")
    js += b" " * (-len(js) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


def _no_duplicates(pairs):
    d = OrderedDict()
    for k, v in pairs:
        if k in d:
            raise ValueError("duplicate key %r" % k)
        d[k] = v
    return d


def read_safetensors(path):
    """Returns (OrderedDict name -> tensor in its stored dtype, metadata dict, header length); validates
    the layout the same way the Java reader does."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError("%s: too short" % path)
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER or 8 + n > len(raw):
        raise ValueError("%s: bad header length %d" % (path, n))
    header = json.loads(raw[8:8 + n].decode("utf-8"), object_pairs_hook=_no_duplicates)
    if not isinstance(header, dict):
        raise ValueError("%s: header is not an object" % path)
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    if not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError("%s: non-string metadata" % path)
    out, spans = OrderedDict(), []
    for name, info in header.items():
        if set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError("%s: %s has fields %s" % (path, name, sorted(info)))
        size, np_dtype, torch_dtype = DTYPES[info["dtype"]]
        shape = info["shape"]
        begin, end = info["data_offsets"]
        numel = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if end - begin != numel * size:
            raise ValueError("%s: %s shape %s needs %d bytes, offsets span %d" % (path, name, shape, numel * size, end - begin))
        spans.append((begin, end, name))
        arr = np.frombuffer(data[begin:end], dtype=np_dtype).copy()
        t = torch.from_numpy(arr)
        if info["dtype"] in ("F16", "BF16"):
            t = t.view(torch_dtype)
        out[name] = t.reshape(shape)
    pos = 0
    for begin, end, name in sorted(spans):
        if begin != pos:
            raise ValueError("%s: %s begins at %d, expected %d (gap or overlap)" % (path, name, begin, pos))
        pos = end
    if pos != len(data):
        raise ValueError("%s: tensors cover %d of %d data bytes" % (path, pos, len(data)))
    return out, metadata, n


def f32_bits(t):
    return [int(b) for b in t.detach().float().contiguous().view(torch.int32).reshape(-1).tolist()]


MODEL_SEED = 4  # picked so that every hidden unit is zeroed by the ReLU for some inputs and not for others


def make_model():
    torch.manual_seed(MODEL_SEED)
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))


def make_input():
    g = torch.Generator().manual_seed(1)
    return torch.randn(6, 4, generator=g)


def build_fixtures(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    expected = OrderedDict()

    def record(file, tensors):
        expected[file] = OrderedDict(
            (n, OrderedDict([("dtype", TORCH_TO_NAME[t.dtype]), ("shape", list(t.shape)), ("f32_bits", f32_bits(t))]))
            for n, t in tensors.items())

    model = make_model()
    sd = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
    write_safetensors(os.path.join(out_dir, "mlp.safetensors"), sd.items(),
                      metadata={"format": "pt", "source": "safetensors_fixture.py", "torch": torch.__version__})
    record("mlp.safetensors", sd)

    x = make_input()
    with torch.no_grad():
        y = model(x)
    hidden = torch.relu(model[0](x))
    print("hidden units zeroed by ReLU: %d of %d" % (int((hidden == 0).sum()), hidden.numel()))
    io = OrderedDict([("input", x), ("output", y)])
    write_safetensors(os.path.join(out_dir, "mlp_io.safetensors"), io.items(), metadata={"format": "pt"})
    record("mlp_io.safetensors", io)

    special = [0.0, -0.0, 1.0, -2.5, 1.0 / 3.0, 3.14159265358979, 65504.0, 65520.0, 70000.0, 1e-8, 6e-5,
               5.96e-8, 3e-8, 1e30, -1e-30, 1.401298464324817e-45, 1e-46, 3.4028235677973366e38, 1e300,
               -1e-300, float("inf"), float("-inf"), float("nan")]
    g = torch.Generator().manual_seed(2)
    base = torch.cat([torch.tensor(special, dtype=torch.float64), torch.randn(17, generator=g, dtype=torch.float64) * 100])
    base = base.reshape(5, 8)
    dt = OrderedDict([
        ("f16", base.half()),
        ("bf16", base.bfloat16()),
        ("f64", base.clone()),
        ("f32", base.float()),
        ("scalar", torch.tensor(1.5, dtype=torch.float32)),
        ("empty", torch.zeros(0, 3, dtype=torch.float32)),
    ])
    # Header in insertion order; data in the reference writer's order (F64 first): the two differ.
    write_safetensors(os.path.join(out_dir, "dtypes.safetensors"), dt.items(), metadata={"note": "dtype conversions"})
    record("dtypes.safetensors", dt)

    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")

    # Self-check: the hand-written reader reads back what the hand-written writer wrote.
    for file, tensors in expected.items():
        got, _, _ = read_safetensors(os.path.join(out_dir, file))
        assert list(got) == list(tensors), (file, list(got))
        for n, info in tensors.items():
            assert f32_bits(got[n]) == info["f32_bits"], (file, n)
    print("wrote", ", ".join(sorted(os.listdir(out_dir))), "to", out_dir)


def check_java(path):
    tensors, metadata, n = read_safetensors(path)
    assert n % 8 == 0, "header length %d is not a multiple of 8" % n
    print("metadata:", dict(metadata))
    model = make_model()
    sd = model.state_dict()
    assert list(tensors) == list(sd), "names/order: %s vs %s" % (list(tensors), list(sd))
    for name, ref in sd.items():
        got = tensors[name]
        assert got.dtype == torch.float32 and tuple(got.shape) == tuple(ref.shape), (name, got.dtype, got.shape)
        assert torch.equal(got.view(torch.int32), ref.contiguous().view(torch.int32)), name + " differs"
    fresh = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    fresh.load_state_dict(tensors)
    x = make_input()
    with torch.no_grad():
        assert torch.equal(fresh(x), model(x)), "forward with the Java-written weights differs"
    print("OK: %s holds the seed-%d state_dict bit for bit; the model runs on it" % (path, MODEL_SEED))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "check-java":
        check_java(sys.argv[2])
    elif len(sys.argv) == 1:
        build_fixtures(OUT_DIR)
    else:
        sys.exit(__doc__)
