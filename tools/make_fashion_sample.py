#!/usr/bin/env python3
"""Writes datasets/fashion-mnist/: the first N images of each class of Fashion-MNIST's test set
(t10k) as 28x28 grayscale PNGs in one folder per class, named by their t10k index.

  python3 tools/make_fashion_sample.py /usr/share/datasets/fashion-mnist datasets/fashion-mnist [N]

Source: Debian's dataset-fashion-mnist package (Zalando SE, MIT/Expat). Standard library only.
"""
import gzip
import os
import struct
import sys
import zlib

CLASSES = ["T-shirt-top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def png(width, height, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grayscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    source, out = sys.argv[1], sys.argv[2]
    per_class = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    with gzip.open(os.path.join(source, "t10k-images-idx3-ubyte.gz")) as f:
        magic, count, height, width = struct.unpack(">IIII", f.read(16))
        assert magic == 2051, "not an IDX image file"
        pixels = f.read()
    with gzip.open(os.path.join(source, "t10k-labels-idx1-ubyte.gz")) as f:
        magic, labels_count = struct.unpack(">II", f.read(8))
        assert magic == 2049 and labels_count == count
        labels = f.read()
    taken = [0] * len(CLASSES)
    for i in range(count):
        label = labels[i]
        if taken[label] >= per_class:
            continue
        taken[label] += 1
        folder = os.path.join(out, CLASSES[label])
        os.makedirs(folder, exist_ok=True)
        start = i * width * height
        rows = [pixels[start + r * width:start + (r + 1) * width] for r in range(height)]
        with open(os.path.join(folder, f"t10k-{i:05d}.png"), "wb") as f:
            f.write(png(width, height, rows))
        if min(taken) >= per_class:
            break
    print(f"{sum(taken)} images, {per_class} per class, into {out}")


if __name__ == "__main__":
    main()
