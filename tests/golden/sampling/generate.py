#!/usr/bin/env python3
"""Golden removal orders for the identity-removal protocols, computed independently of the C# code.

A literal reading of the study's rules (synthgap-kd-repo-notes.md, "Ethnicity-aware identity removal") with exact
rational arithmetic (fractions.Fraction). Probabilities are multiples of 1/64 and image counts are 1, 2 or 4, so the C#
fixed-point scores represent them exactly. Columns are in the study's order (Caucasian, Asian, Indian, African); the C#
test maps them to FairKd's storage order by name. Writes protocols.json beside this script (deterministic).
"""
import json
import os
import random
from fractions import Fraction

STUDY = ["Caucasian", "Asian", "Indian", "African"]
PROTOCOLS = ["protocol_e", "protocol_a", "protocol_d", "relabel_e", "relabel_a", "relabel_d", "multiple_forces"]


def run(ids, protocol, kind, value):
    info = []
    for x in ids:
        n = len(x["images"])
        vsum = [sum(Fraction(img[c], 64) for img in x["images"]) for c in range(4)]
        vmean = [s / n for s in vsum]
        if protocol in ("protocol_e", "protocol_a", "protocol_d"):
            g = STUDY.index(x["folder"])
            score = (vmean if protocol == "protocol_a" else vsum)[g]
        else:
            vec = vmean if protocol == "relabel_a" else vsum
            g = 0
            for c in range(1, 4):  # first maximum in the order Cau, Asi, Ind, Afr
                if vec[c] > vec[g]:
                    g = c
            score = vec[g]
        info.append({"key": x["key"], "group": g, "score": score, "vsum": vsum, "n": n})

    remaining = list(range(len(ids)))
    removed = []

    def more():
        if kind == "remove":
            return len(removed) < value
        if kind == "keep":
            return len(remaining) > value
        return sum(info[i]["n"] for i in remaining) > value

    while more():
        part = [c for c in range(4) if any(info[i]["group"] == c for i in remaining)]
        stat = {}
        for c in part:
            members = [i for i in remaining if info[i]["group"] == c]
            if protocol in ("protocol_e", "relabel_e"):
                stat[c] = sum(info[i]["score"] for i in members)
            elif protocol == "multiple_forces":
                stat[c] = sum(info[i]["vsum"][c] for i in remaining)
            else:
                stat[c] = sum(info[i]["score"] for i in members) / len(members)
        largest = protocol in ("protocol_e", "relabel_e", "multiple_forces")
        chosen = part[-1]  # African by default (or the last group that still has identities)
        for c in part:
            others = [o for o in part if o != c]
            if all((stat[c] > stat[o]) if largest else (stat[c] < stat[o]) for o in others):
                chosen = c
                break
        members = sorted((i for i in remaining if info[i]["group"] == chosen), key=lambda i: (info[i]["score"], info[i]["key"]))
        k = members[0]
        remaining.remove(k)
        removed.append(info[k]["key"])
    return removed


def main():
    rnd = random.Random(20241128)
    cases = []
    for case in range(70):
        n = rnd.randint(2, 18)
        ids = []
        for i in range(n):
            images = []
            for _ in range(rnd.choice([1, 2, 4])):
                main_c = rnd.randrange(4)
                rest = [rnd.choice([0, 4, 8, 16]) for _ in range(3)]
                img = [0, 0, 0, 0]
                others = [c for c in range(4) if c != main_c]
                for c, r in zip(others, rest):
                    img[c] = r
                img[main_c] = 64 - sum(rest)
                images.append(img)
            ids.append({"key": "%02d-%s" % (rnd.randrange(30), "abAB"[rnd.randrange(4)] + str(i)),
                        "folder": STUDY[rnd.randrange(4)], "images": images})
        protocol = PROTOCOLS[case % len(PROTOCOLS)]
        kind = ["remove", "keep", "keepImages"][(case // len(PROTOCOLS)) % 3]
        total = sum(len(x["images"]) for x in ids)
        value = rnd.randint(0, n) if kind != "keepImages" else rnd.randint(0, total)
        cases.append({"protocol": protocol, "target": kind, "value": value, "columns": STUDY,
                      "identities": ids, "removed": run(ids, protocol, kind, value)})
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "protocols.json")
    with open(out, "w", newline="\n") as f:
        json.dump({"cases": cases}, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
