#!/usr/bin/env python3
"""Golden files for FairKd face alignment (tests/FairKd.Data.Tests/Imaging/AlignmentGoldenTests.cs).

An independent reference: insightface's norm_crop recipe, i.e. skimage.transform.SimilarityTransform.estimate
(Umeyama) from 5 landmarks onto the ArcFace template scaled as insightface's estimate_norm does, then
cv2.warpAffine(img, M, (S, S), borderValue=0.0) with the default INTER_LINEAR.

Writes beside this script:
  img_a.png, img_b.png, img_c.png   small synthetic RGB textures (the inputs, lossless)
  cases.json                        per case: image, output size, landmarks, the 2x3 matrix (float64)
  aligned_<case>.png                cv2.warpAffine output (RGB, uint8) per case
Deterministic: the same files on every run.
"""
import json
import os

import cv2
import numpy as np
from skimage import transform as trans

HERE = os.path.dirname(os.path.abspath(__file__))

ARCFACE_DST = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)


def estimate_norm(lmk, image_size):
    # insightface python-package/insightface/utils/face_align.py
    if image_size % 112 == 0:
        ratio = float(image_size) / 112.0
        diff_x = 0
    else:
        ratio = float(image_size) / 128.0
        diff_x = 8.0 * ratio
    dst = ARCFACE_DST * ratio
    dst[:, 0] += diff_x
    tform = trans.SimilarityTransform()
    tform.estimate(lmk, dst)
    return tform.params[0:2, :]


def texture(w, h, seed):
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 127 + 90 * np.sin(x / 5.0 + seed) * np.cos(y / 7.0)
    g = 127 + 90 * np.sin((x + y) / 9.0 + 2 * seed)
    b = 127 + 60 * np.cos(x / 3.0) + 50 * np.sin(y / 4.0 + seed)
    img = np.stack([r, g, b], axis=-1) + rng.uniform(-20, 20, size=(h, w, 3))
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def face_points(cx, cy, scale, angle_deg, jitter, seed):
    """A face-like 5-point set: the template around its centre, rotated, scaled, moved, jittered."""
    rng = np.random.RandomState(seed)
    base = ARCFACE_DST.astype(np.float64) - ARCFACE_DST.astype(np.float64).mean(axis=0)
    t = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    pts = scale * base @ rot.T + np.array([cx, cy]) + rng.uniform(-jitter, jitter, size=(5, 2))
    return np.round(pts, 3)


def main():
    images = {"img_a": (96, 120, 1), "img_b": (150, 130, 2), "img_c": (80, 80, 3)}
    pixels = {}
    for name, (w, h, seed) in images.items():
        img = texture(w, h, seed)
        pixels[name] = img
        cv2.imwrite(os.path.join(HERE, name + ".png"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))

    mirrored = face_points(75, 60, 1.1, 5, 1.0, 14)
    mirrored[:, 0] = 150 - mirrored[:, 0]  # reflected left-right without swapping the point order
    cases = [
        ("a_upright", "img_a", 112, face_points(48, 64, 0.9, 0, 0.8, 11)),
        ("a_rotated", "img_a", 112, face_points(50, 58, 0.7, 25, 1.0, 12)),
        ("b_big_128", "img_b", 128, face_points(80, 66, 1.4, -12, 1.5, 13)),
        ("b_mirrored", "img_b", 112, mirrored),
        ("c_border", "img_c", 112, face_points(20, 70, 1.2, -30, 0.5, 15)),
        ("c_upscale_224", "img_c", 224, face_points(40, 40, 0.5, 8, 0.3, 16)),
    ]
    out = []
    for name, image, size, lmk in cases:
        m = estimate_norm(lmk, size)
        warped = cv2.warpAffine(pixels[image], m, (size, size), borderValue=0.0)
        cv2.imwrite(os.path.join(HERE, "aligned_" + name + ".png"), cv2.cvtColor(warped, cv2.COLOR_RGB2BGR))
        out.append({
            "name": name,
            "image": image + ".png",
            "size": size,
            "landmarks": [float(v) for v in lmk.reshape(-1)],
            "matrix": [float(v) for v in m.reshape(-1)],
        })
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump({"generator": "skimage %s SimilarityTransform + cv2 %s warpAffine" % (
            __import__("skimage").__version__, cv2.__version__), "cases": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
