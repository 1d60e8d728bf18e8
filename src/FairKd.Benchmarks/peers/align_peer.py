#!/usr/bin/env python3
"""Python/OpenCV peer of the FairKd decode+align benchmark (src/FairKd.Benchmarks/AlignBenchmark.cs).

InsightFace-style preprocessing of each image, the way Python face-recognition code does it:
cv2.imdecode (BGR) -> skimage SimilarityTransform.estimate onto the ArcFace template (estimate_norm) ->
cv2.warpAffine to 112x112 (bilinear, black border) -> RGB CHW float32 (x - 127.5) / 127.5.
Images already 112x112 without landmarks skip the warp (pass-through), like the C# side.
Each worker is one single-threaded process (cv2.setNumThreads(1)); with --workers N, N processes run at once.

usage: align_peer.py DIR --set NAME --workers N --seconds S
  DIR/NAME/*.jpg holds the images, DIR/NAME/landmarks.tsv (optional) holds `file<TAB>x1 y1 ... x5 y5`.
Prints one JSON line: {"set", "workers", "images", "seconds", "rate" (images/s, wall clock),
"cpu_seconds" (process CPU time of all workers), "versions"}.
"""
import argparse
import json
import multiprocessing as mp
import os
import time

import cv2
import numpy as np
import skimage
from skimage import transform as trans

ARCFACE_DST = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)


def estimate_norm(lmk, image_size=112):
    ratio = float(image_size) / 112.0
    dst = ARCFACE_DST * ratio
    tform = trans.SimilarityTransform()
    tform.estimate(lmk, dst)
    return tform.params[0:2, :]


def preprocess(data, lmk, size=112):
    img = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError("undecodable")
    if lmk is None:
        if img.shape[0] != size or img.shape[1] != size:
            raise ValueError("unaligned")
        aligned = img
    else:
        aligned = cv2.warpAffine(img, estimate_norm(lmk, size), (size, size), borderValue=0.0)
    chw = np.ascontiguousarray(aligned[:, :, ::-1].transpose(2, 0, 1)).astype(np.float32)
    return (chw - 127.5) / 127.5


def load_set(directory):
    landmarks = {}
    lmk_path = os.path.join(directory, "landmarks.tsv")
    if os.path.exists(lmk_path):
        with open(lmk_path) as f:
            for line in f:
                name, coords = line.rstrip("\n").split("\t")
                landmarks[name] = np.array([float(v) for v in coords.split()], dtype=np.float64).reshape(5, 2)
    items = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".jpg"):
            with open(os.path.join(directory, name), "rb") as f:
                items.append((f.read(), landmarks.get(name)))
    return items


def worker(args):
    directory, seconds, start_at = args
    cv2.setNumThreads(1)
    items = load_set(directory)
    warm = time.perf_counter()
    while time.perf_counter() - warm < 1.5:  # warm-up, as long as the C# side's
        for data, lmk in items:
            preprocess(data, lmk)
    while time.time() < start_at:
        time.sleep(0.001)
    count = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    while True:
        for data, lmk in items:
            preprocess(data, lmk)
        count += len(items)
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return count, elapsed, time.process_time() - c0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--set", required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=3.0)
    a = parser.parse_args()
    cv2.setNumThreads(1)
    directory = os.path.join(a.dir, a.set)
    start_at = time.time() + 2.5 + 0.2 * a.workers
    jobs = [(directory, a.seconds, start_at)] * a.workers
    if a.workers == 1:
        results = [worker(jobs[0])]
    else:
        with mp.Pool(a.workers) as pool:
            results = pool.map(worker, jobs)
    images = sum(c for c, _, _ in results)
    rate = sum(c / e for c, e, _ in results)
    cpu = sum(p for _, _, p in results)
    print(json.dumps({
        "set": a.set, "workers": a.workers, "images": images,
        "seconds": max(e for _, e, _ in results), "rate": rate, "cpu_seconds": cpu,
        "versions": "python %s, cv2 %s, skimage %s, numpy %s" % (
            ".".join(map(str, __import__("sys").version_info[:3])), cv2.__version__, skimage.__version__, np.__version__),
    }))


if __name__ == "__main__":
    main()
