#!/usr/bin/env python3
"""Golden files for FairKd's verification scorer (numpy only, Debian python3-numpy).

An independent, deliberately literal re-statement of the InsightFace protocol (arcface_torch eval/verification.py):
sklearn-style contiguous KFold, thresholds np.arange(0, 4, 0.01), calculate_accuracy per threshold, np.argmax on the
training accuracy, mean/std (ddof 0) over folds; calculate_val with np.arange(0, 4, 0.001) and scipy<1.10
interp1d(kind='slinear') semantics on the (non-decreasing, repeated) training FAR curve, re-derived here with
np.searchsorted; ROC AUC by np.trapz over an sklearn-style roc_curve. Writes eval-<case>.json beside this script, then
runs make_packs.py (packs/). tests/golden/generate.sh decides when to run it (generate.sha256).

FairKd-specific rules (not in insightface, which would divide by zero): TAR@FAR f is null unless every training split
has >= ceil(1/f) impostors and >= 1 genuine pair and every test fold has both classes; AUC is null without both classes.
"""
import json
import math
import os

import numpy as np

import make_packs  # beside this script

HERE = os.path.dirname(os.path.abspath(__file__))
FAR_TARGETS = [1e-3, 1e-4]


def kfold(n, k=10):
    sizes = np.full(k, n // k, dtype=int)
    sizes[: n % k] += 1
    idx = np.arange(n)
    start = 0
    for s in sizes:
        test = idx[start:start + s]
        train = np.concatenate([idx[:start], idx[start + s:]])
        yield train, test
        start += s


def calculate_accuracy(threshold, dist, actual_issame):
    predict_issame = np.less(dist, threshold)
    tp = np.sum(np.logical_and(predict_issame, actual_issame))
    tn = np.sum(np.logical_and(np.logical_not(predict_issame), np.logical_not(actual_issame)))
    return float(tp + tn) / dist.size


def calculate_val_far(threshold, dist, actual_issame):
    predict_issame = np.less(dist, threshold)
    true_accept = np.sum(np.logical_and(predict_issame, actual_issame))
    false_accept = np.sum(np.logical_and(predict_issame, np.logical_not(actual_issame)))
    n_same = np.sum(actual_issame)
    n_diff = np.sum(np.logical_not(actual_issame))
    return float(true_accept) / float(n_same), float(false_accept) / float(n_diff)


def slinear(x, y, q):
    """scipy<1.10 interp1d(x, y, kind='slinear')(q) for sorted x with duplicates (degree-1 B-spline, knots x0,x..,xm)."""
    m = len(x)
    j = min(int(np.searchsorted(x, q, side='right')) - 1, m - 2)
    if x[j] == x[j + 1]:
        return 0.0
    return float(y[j] + (y[j + 1] - y[j]) * (q - x[j]) / (x[j + 1] - x[j]))


def accuracy_protocol(dist, issame):
    thresholds = np.arange(0, 4, 0.01)
    folds = []
    for train, test in kfold(len(dist)):
        acc_train = np.zeros(len(thresholds))
        for i, t in enumerate(thresholds):
            acc_train[i] = calculate_accuracy(t, dist[train], issame[train])
        best = int(np.argmax(acc_train))
        folds.append({"start": int(test[0]), "count": int(len(test)), "bestThreshold": float(thresholds[best]),
                      "trainAccuracy": float(acc_train[best]),
                      "testAccuracy": calculate_accuracy(thresholds[best], dist[test], issame[test])})
    accs = np.array([f["testAccuracy"] for f in folds])
    return folds, float(np.mean(accs)), float(np.std(accs))


def val_protocol(dist, issame, far_target):
    thresholds = np.arange(0, 4, 0.001)
    splits = list(kfold(len(dist)))
    need = math.ceil(1 / far_target - 1e-9)
    for train, test in splits:
        if issame[test].all() or (~issame[test]).all() or np.sum(~issame[train]) < need or not issame[train].any():
            return None
    val, far, thr = [], [], []
    for train, test in splits:
        far_train = np.zeros(len(thresholds))
        for i, t in enumerate(thresholds):
            _, far_train[i] = calculate_val_far(t, dist[train], issame[train])
        threshold = slinear(far_train, thresholds, far_target) if np.max(far_train) >= far_target else 0.0
        v, f = calculate_val_far(threshold, dist[test], issame[test])
        val.append(v)
        far.append(f)
        thr.append(threshold)
    return {"targetFar": far_target, "tar": float(np.mean(val)), "tarStd": float(np.std(val)),
            "far": float(np.mean(far)), "thresholds": thr}


def roc_auc(dist, issame):
    if issame.all() or (~issame).all():
        return None
    score = -dist
    order = np.argsort(score, kind='mergesort')[::-1]
    s, y = score[order], issame[order].astype(np.float64)
    distinct = np.where(np.diff(s))[0]
    ends = np.r_[distinct, y.size - 1]
    tps = np.cumsum(y)[ends]
    fps = 1 + ends - tps
    tpr = np.r_[0, tps] / tps[-1]
    fpr = np.r_[0, fps] / fps[-1]
    return float(np.trapz(tpr, fpr))


def case(name, dist, issame):
    dist = np.asarray(dist, dtype=np.float64)
    issame = np.asarray(issame, dtype=bool)
    folds, mean, std = accuracy_protocol(dist, issame)
    out = {
        "name": name,
        "distances": [float(d) for d in dist],
        "issame": "".join("1" if s else "0" for s in issame),
        "accuracyMean": mean, "accuracyStd": std, "folds": folds,
        "tarAtFar": [val_protocol(dist, issame, f) for f in FAR_TARGETS],
        "auc": roc_auc(dist, issame),
    }
    with open(os.path.join(HERE, f"eval-{name}.json"), "w") as fh:
        json.dump(out, fh, separators=(",", ":"))


def blocks(n, rng, gen_mu, imp_mu, sd):
    """RFW-like layout: 10 contiguous folds, each genuine pairs then impostor pairs; distances rounded to 1e-6."""
    per = n // 10
    issame = np.tile(np.r_[np.ones(per // 2, bool), np.zeros(per - per // 2, bool)], 10)
    d = np.where(issame, rng.normal(gen_mu, sd, n), rng.normal(imp_mu, sd, n))
    return np.round(np.clip(d, 0.0, 3.999), 6), issame


def embeddings_case(rng):
    raw = rng.normal(0, 1, (80, 8)).astype(np.float32)
    flip = (raw + rng.normal(0, 0.3, (80, 8))).astype(np.float32)
    fused = (raw + flip).astype(np.float64)  # float32 sum, then double
    norms = np.linalg.norm(fused, axis=1, keepdims=True)
    emb = fused / norms
    dist = np.sum(np.square(emb[0::2] - emb[1::2]), axis=1)
    out = {"dim": 8, "plain": [float(v) for v in raw.ravel()], "flipped": [float(v) for v in flip.ravel()],
           "distances": [float(d) for d in dist]}
    with open(os.path.join(HERE, "eval-embeddings.json"), "w") as fh:
        json.dump(out, fh, separators=(",", ":"))


def fmr_case(rng):
    """Four groups, FMR at one global threshold set on the pooled impostors (NIST style: the k-th smallest of the N
    sorted pooled impostor distances, k = floor(target * N), so at most k impostors are accepted with '<'), max/min FMR
    ratio. Target 1e-2 so that every group has false matches with 1500 impostors each (the C# default target is 1e-3)."""
    target = 1e-2
    groups = {}
    for g, (gm, sd) in zip(["African", "Asian", "Caucasian", "Indian"], [(1.0, 0.3), (0.95, 0.28), (0.85, 0.22), (0.9, 0.26)]):
        d, s = blocks(3000, rng, gm, 1.55, sd)
        groups[g] = (d, s)
    pooled = np.sort(np.concatenate([d[~s] for d, s in groups.values()]))
    thr = float(pooled[int(math.floor(target * len(pooled) + 1e-9))])
    rates = {g: {"fmr": float(np.mean(d[~s] < thr)), "fnmr": float(np.mean(~(d[s] < thr)))} for g, (d, s) in groups.items()}
    fmrs = [r["fmr"] for r in rates.values()]
    out = {"groups": {g: {"distances": [float(v) for v in d], "issame": "".join("1" if x else "0" for x in s)}
                      for g, (d, s) in groups.items()},
           "targetFar": target, "threshold": thr, "pooledFar": float(np.mean(pooled < thr)), "rates": rates,
           "ratio": (max(fmrs) / min(fmrs)) if min(fmrs) > 0 else None}
    with open(os.path.join(HERE, "eval-fmr.json"), "w") as fh:
        json.dump(out, fh, separators=(",", ":"))


def main():
    rng = np.random.default_rng(20240517)
    case("n600", *blocks(600, rng, 0.9, 1.6, 0.3))
    case("n6000", *blocks(6000, rng, 0.95, 1.65, 0.25))
    case("n22400", *blocks(22400, rng, 0.8, 1.7, 0.22))
    d613 = np.round(rng.uniform(0.2, 2.2, 613), 6)
    s613 = rng.random(613) < 0.5
    d613 = np.where(s613, np.round(d613 * 0.7, 6), d613)
    case("n613", d613, s613)
    case("allsame", np.round(rng.uniform(0.1, 1.5, 50), 6), np.ones(50, bool))
    d, s = blocks(2400, rng, 0.5, 1.6, 0.05)
    case("perfect", d, s)
    ks = rng.integers(40, 220, 2400)
    st = np.tile(np.r_[np.ones(120, bool), np.zeros(120, bool)], 10)
    ks = np.where(st, ks - 30, ks + 30)
    case("ties", np.array([k * 0.01 for k in ks]), st)  # exactly the threshold doubles: tests '<'
    embeddings_case(rng)
    fmr_case(rng)
    make_packs.main()  # packs/ (the BinPackReader goldens) belong to this folder too


if __name__ == "__main__":
    main()
