#!/usr/bin/env python3
"""Golden files for FairKd's identity bootstrap, paired comparison and RFW operating points (numpy only).

Writes two score sets in FairKd's scores.csv format (scores-a.csv, scores-b.csv: the same pairs scored by two
"models"), then recomputes from those files, as a reviewer would, everything FairKd derives from them, into
bootstrap.json beside this script. tests/golden/generate.sh decides when to run it (generate.sha256).

The resampling protocol, restated independently of the C# code (src/FairKd.Core/Eval):
  - random source: SplitMix64 (state += 0x9E3779B97F4A7C15; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9;
    z = (z ^ z>>27) * 0x94D049BB133111EB; z ^ z>>31, all mod 2^64); index in [0, n): draw x until x >= 2^64 mod n,
    return x mod n; one stream per set, seeded with seed XOR FNV-1a-64(UTF-8 of the set name);
  - resample b of a set (b = 0, 1, ...): n draws of identity indices, n = the set's distinct identities numbered in
    order of first appearance (pair by pair, identity_a then identity_b); m(i) = times identity i was drawn;
    pair weight m(a) for a pair of one identity, m(a) * m(b) otherwise;
  - accuracy: the InsightFace 10-fold protocol on the weighted pairs, folds from the csv: per fold the threshold of
    np.arange(0, 4, 0.01) with the largest weighted number of correct decisions on the other folds (np.argmax: first
    on ties; "same" when distance < threshold), the weighted accuracy of the held-out fold; the mean over held-out
    folds with weight, summed in fold order;
  - RFW statistics of resample b: group accuracies x 100 (resample b of each group), mean, sample std (n-1), SER =
    max error / min error (summed in group order);
  - intervals: np.quantile (method 'linear') at (1 - c) / 2 and (1 + c) / 2; paired: quantiles of A_b - B_b;
  - operating points: the N pooled impostor distances sorted, threshold = the k-th smallest (0-based), k =
    floor(target * N), "same" when distance < threshold (so the pooled FMR is at most the target); group FMR/FNMR at
    it with their counts, max/min and max/geometric-mean ratios; a target needs >= ceil(1/target) pooled impostors.
"""
import csv
import json
import math
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MASK = (1 << 64) - 1
SEED = 7
RESAMPLES = 200
CONFIDENCE = 0.95
FMR_TARGETS = [1e-2, 1e-3, 1e-4]
GROUPS = ["African", "Asian", "Caucasian", "Indian"]
HEADER = ["set", "pair_id", "group", "label", "fold", "identity_a", "identity_b", "distance"]


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def index(self, n):
        reject = (1 << 64) % n
        while True:
            x = self.next()
            if x >= reject:
                return x % n


def stream_seed(seed, name):
    h = 14695981039346656037
    for b in name.encode("utf-8"):
        h = ((h ^ b) * 1099511628211) & MASK
    return seed ^ h


# ---------------------------------------------------------------- the score sets (written as scores.csv)

def make_sets(rng):
    """Four RFW-like groups and one LFW-like set; one pack-like set without identities. Ten contiguous folds, each
    genuine pairs then impostor pairs; identities with 1-4 genuine pairs, impostors between random other identities."""
    sets = []
    specs = [("RFW-" + g, g, 50, 500, mu) for g, mu in zip(GROUPS, [1.00, 0.95, 0.85, 0.90])]
    specs.append(("lfw", None, 45, 300, 0.80))
    for name, group, n_ids, n_pairs, gen_mu in specs:
        prefix = name.lower().replace("rfw-", "m.")[:5]
        ids = [f"{prefix}_{i:04d}" for i in range(n_ids)]
        if name == "lfw":
            ids[3] = 'O"Neil, Pat'  # exercises RFC 4180 quoting
        per = n_pairs // 10
        rows = []
        for f in range(10):
            for k in range(per):
                same = k < per // 2
                a = int(rng.integers(n_ids))
                b = a if same else int((a + 1 + rng.integers(n_ids - 1)) % n_ids)
                rows.append({"set": name, "pair_id": len(rows) + (len(rows) // 97), "group": group, "label": int(same), "fold": f,
                             "identity_a": ids[a], "identity_b": ids[b], "ia": a, "ib": b})
        # per-identity difficulty so that identities matter; model B a little worse than A
        hard = rng.normal(0, 0.12, n_ids)
        for r in rows:
            base = gen_mu if r["label"] else 1.6
            shift = (hard[r["ia"]] + hard[r["ib"]]) / 2
            r["dist_a"] = round(float(np.clip(base + shift + rng.normal(0, 0.22), 0, 3.999)), 6)
            r["dist_b"] = round(float(np.clip(r["dist_a"] + (0.06 if r["label"] else -0.04) + rng.normal(0, 0.05), 0, 3.999)), 6)
        sets.append(rows)
    pack = [{"set": "cfp_fp", "pair_id": k, "group": None, "label": int(k % 20 < 10), "fold": k // 20, "identity_a": None,
             "identity_b": None, "dist_a": round(float(rng.uniform(0.3, 1.9)), 6), "dist_b": round(float(rng.uniform(0.3, 1.9)), 6)}
            for k in range(200)]
    sets.append(pack)
    return sets


def write_csv(path, sets, key):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        for rows in sets:
            for r in rows:
                w.writerow([r["set"], r["pair_id"], r["group"] or "", r["label"], r["fold"], r["identity_a"] or "",
                            r["identity_b"] or "", repr(r[key])])


def read_csv(path):
    """scores.csv -> {set: dict of arrays}, in file order (what a reviewer would do)."""
    sets = {}
    with open(path, newline="", encoding="utf-8") as fh:
        rd = csv.reader(fh)
        assert next(rd) == HEADER
        for row in rd:
            s = sets.setdefault(row[0], {"group": row[2] or None, "pair_id": [], "same": [], "fold": [], "a": [], "b": [], "dist": []})
            s["pair_id"].append(int(row[1]))
            s["same"].append(row[3] == "1")
            s["fold"].append(int(row[4]))
            s["a"].append(row[5] or None)
            s["b"].append(row[6] or None)
            s["dist"].append(float(row[7]))
    for s in sets.values():
        for k in ("same", "fold", "dist", "pair_id"):
            s[k] = np.array(s[k])
    return sets


# ---------------------------------------------------------------- the bootstrap, restated

def identity_index(s):
    order, index = [], {}
    for a, b in zip(s["a"], s["b"]):
        for x in (a, b):
            if x not in index:
                index[x] = len(order)
                order.append(x)
    return order, np.array([index[x] for x in s["a"]]), np.array([index[x] for x in s["b"]])


def weighted_accuracy(correct, fold, w):
    accs = []
    for f in range(10):
        test = fold == f
        held = int(w[test].sum())
        if held == 0:
            continue
        train = ~test
        train_correct = correct[:, train] @ w[train]
        best = int(np.argmax(train_correct))
        accs.append(int(correct[best, test] @ w[test]) / held)
    total = 0.0
    for a in accs:
        total += a
    return total / len(accs) if accs else float("nan")


def correct_matrix(dist, same):
    thresholds = np.arange(0, 4, 0.01)
    accept = dist[None, :] < thresholds[:, None]
    return (accept == same[None, :]).astype(np.int64)


def interval(values):
    values = np.asarray(values, dtype=np.float64)
    if np.isnan(values).any():
        return None
    return [float(q) for q in np.quantile(values, [(1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2])]


def summarise(acc_percent):
    total = 0.0
    for a in acc_percent:
        total += a
    mean = total / len(acc_percent)
    sq = 0.0
    for a in acc_percent:
        sq += (a - mean) * (a - mean)
    errors = [100 - a for a in acc_percent]
    return mean, math.sqrt(sq / (len(acc_percent) - 1)), (max(errors) / min(errors)) if min(errors) > 0 else float("nan")


def bootstrap_set(name, s_a, s_b):
    order, ia, ib = identity_index(s_a)
    rng = SplitMix64(stream_seed(SEED, name))
    ca, cb = correct_matrix(s_a["dist"], s_a["same"]), correct_matrix(s_b["dist"], s_b["same"])
    res_a, res_b, first_counts = [], [], None
    for _ in range(RESAMPLES):
        counts = np.zeros(len(order), dtype=np.int64)
        for _ in range(len(order)):
            counts[rng.index(len(order))] += 1
        if first_counts is None:
            first_counts = [int(c) for c in counts]
        w = np.where(ia == ib, counts[ia], counts[ia] * counts[ib])
        res_a.append(weighted_accuracy(ca, s_a["fold"], w))
        res_b.append(weighted_accuracy(cb, s_b["fold"], w))
    ones = np.ones(len(ia), dtype=np.int64)
    obs_a, obs_b = weighted_accuracy(ca, s_a["fold"], ones), weighted_accuracy(cb, s_b["fold"], ones)
    return {
        "identities": len(order), "streamSeed": stream_seed(SEED, name), "firstCounts": first_counts,
        "observedA": obs_a, "observedB": obs_b, "resamplesA": res_a, "resamplesB": res_b,
        "intervalA": interval(res_a), "intervalB": interval(res_b),
        "differenceInterval": interval([(x - y) * 100 for x, y in zip(res_a, res_b)]),
    }


def rfw_statistics(sets_out):
    out = {}
    per_model = {}
    for m in ("A", "B"):
        stats = [summarise([sets_out["RFW-" + g]["resamples" + m][b] * 100 for g in GROUPS]) for b in range(RESAMPLES)]
        per_model[m] = stats
        out[m] = {k: [st[i] for st in stats] for i, k in enumerate(["average", "std", "ser"])}
        out[m]["observed"] = dict(zip(["average", "std", "ser"], summarise([sets_out["RFW-" + g]["observed" + m] * 100 for g in GROUPS])))
        out[m]["intervals"] = {k: interval(out[m][k]) for k in ["average", "std", "ser"]}
    out["differenceIntervals"] = {k: interval([x - y for x, y in zip(out["A"][k], out["B"][k])]) for k in ["average", "std", "ser"]}
    return out


# ---------------------------------------------------------------- operating points, restated

def ratios(rates):
    if min(rates) <= 0:
        return None, None
    return max(rates) / min(rates), max(rates) / math.exp(sum(math.log(r) for r in rates) / len(rates))


def operating_points(sets):
    groups = [sets["RFW-" + g] for g in GROUPS]
    pooled = np.sort(np.concatenate([s["dist"][~s["same"]] for s in groups]))
    points = []
    for target in FMR_TARGETS:
        need = math.ceil(1 / target - 1e-9)
        if len(pooled) < need:
            points.append({"targetFmr": target, "impostorPairs": int(len(pooled)), "result": None, "needed": need})
            continue
        thr = float(pooled[int(math.floor(target * len(pooled) + 1e-9))])
        rows = []
        for g, s in zip(GROUPS, groups):
            d, same = s["dist"], s["same"]
            fm, fnm = int(np.sum(d[~same] < thr)), int(np.sum(~(d[same] < thr)))
            rows.append({"group": g, "fmr": fm / int(np.sum(~same)), "fnmr": fnm / int(np.sum(same)), "falseMatches": fm, "falseNonMatches": fnm})
        fmr_r, fnmr_r = ratios([r["fmr"] for r in rows]), ratios([r["fnmr"] for r in rows])
        points.append({"targetFmr": target, "impostorPairs": int(len(pooled)), "threshold": thr, "pooledFar": float(np.mean(pooled < thr)),
                       "groups": rows, "fmrMaxMin": fmr_r[0], "fmrMaxGeo": fmr_r[1], "fnmrMaxMin": fnmr_r[0], "fnmrMaxGeo": fnmr_r[1]})
    return points


def main():
    rng = np.random.default_rng(20250206)
    sets = make_sets(rng)
    write_csv(os.path.join(HERE, "scores-a.csv"), sets, "dist_a")
    write_csv(os.path.join(HERE, "scores-b.csv"), sets, "dist_b")
    a, b = read_csv(os.path.join(HERE, "scores-a.csv")), read_csv(os.path.join(HERE, "scores-b.csv"))
    first = SplitMix64(1)
    out = {
        "seed": SEED, "resamples": RESAMPLES, "confidence": CONFIDENCE,
        "splitmixSeed1": [first.next() for _ in range(5)],
        "indexSeed1": (lambda r: [r.index(n) for n in (1, 2, 3, 7, 1000, 2 ** 31 - 1)])(SplitMix64(1)),
        "sets": {name: bootstrap_set(name, a[name], b[name]) for name in a if a[name]["a"][0] is not None},
    }
    out["rfw"] = rfw_statistics(out["sets"])
    out["operatingPointsA"] = operating_points(a)
    with open(os.path.join(HERE, "bootstrap.json"), "w") as fh:
        json.dump(finite(out), fh, separators=(",", ":"), allow_nan=False)


def finite(x):
    """NaN (an undefined statistic) becomes null: JSON has no NaN."""
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [finite(v) for v in x]
    return x


if __name__ == "__main__":
    main()
