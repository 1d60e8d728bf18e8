#!/usr/bin/python3
"""Golden values for the FairKd margin losses (ArcFace, CosFace, ElasticArcFace[+], AdaFace, AdaFace study mode).

An independent PyTorch 1.13 computation written after the upstream ElasticFace (utils/losses.py) and AdaFace
(head.py) forward passes: in-place acos over the whole cosine matrix, a one-hot margin matrix added to the angles,
cos, scale. Inputs are seeded; everything is written to losses.json beside this script (deterministic).
"""
import json, math, os
import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
B, D, C = 6, 8, 5
rng = np.random.default_rng(20261128)
raw = (rng.standard_normal((B, D)) * rng.uniform(2.0, 40.0, (B, 1))).astype(np.float32)
kernel = (rng.standard_normal((D, C)) * 0.01).astype(np.float32)
labels = np.array([0, 0, 1, 2, 3, 4], dtype=np.int64)  # argsort of target cosines is not an involution
margins = (0.5 + 0.05 * rng.standard_normal(B)).astype(np.float32)

raw_t = torch.from_numpy(raw)
emb = F.normalize(raw_t, dim=1)
norms = torch.norm(raw_t, 2, 1, True)
lab = torch.from_numpy(labels)


def cosines(e):
    return torch.mm(e, F.normalize(torch.from_numpy(kernel), dim=0)).clamp(-1, 1)


def one_hot(values):
    m = torch.zeros(B, C)
    m.scatter_(1, lab[:, None], values if torch.is_tensor(values) else float(values))
    return m


def arc_logits(s, m_hot):
    cos = cosines(emb)
    cos.acos_()
    cos += m_hot
    return cos.cos_().mul_(s)


def arcface(s=64.0, m=0.5):
    return arc_logits(s, one_hot(m))


def cosface(s=64.0, m=0.35):
    cos = cosines(emb)
    cos -= one_hot(m)
    return cos * s


def elastic(s=64.0, plus=None):
    mg = torch.from_numpy(margins)[:, None]
    if plus is not None:
        cos = cosines(emb)
        dist = cos[torch.arange(B), lab].clone()
        _, idx = torch.sort(dist, dim=0, descending=True)
        sorted_m, _ = torch.sort(mg, dim=0)
        if plus == "upstream":
            mg = sorted_m[idx]  # upstream: gather with the argsort
        else:
            mg = torch.empty_like(sorted_m)
            for k in range(B):
                mg[idx[k]] = sorted_m[k]  # rank: k-th highest cosine gets k-th smallest margin
    return arc_logits(s, one_hot(mg))


class AdaFace:
    def __init__(self, m=0.4, h=0.333, s=64.0, t_alpha=0.01):
        self.m, self.h, self.s, self.t_alpha, self.eps = m, h, s, t_alpha, 1e-3
        self.batch_mean = torch.ones(1) * 20
        self.batch_std = torch.ones(1) * 100

    def forward(self, e, nrm):
        cosine = cosines(e).clamp(-1 + self.eps, 1 - self.eps)
        safe = torch.clip(nrm, min=0.001, max=100).clone().detach()
        mean, std = safe.mean(), safe.std()
        self.batch_mean = mean * self.t_alpha + (1 - self.t_alpha) * self.batch_mean
        self.batch_std = std * self.t_alpha + (1 - self.t_alpha) * self.batch_std
        ms = torch.clip((safe - self.batch_mean) / (self.batch_std + self.eps) * self.h, -1, 1)
        theta = cosine.acos()
        theta_m = torch.clip(theta + one_hot(1.0) * (self.m * ms * -1), min=self.eps, max=math.pi - self.eps)
        return (theta_m.cos() - one_hot(1.0) * (self.m + self.m * ms)) * self.s


def ce(logits):
    return F.cross_entropy(logits, lab).item()


def case(name, logits, **extra):
    d = {"name": name, "logits": logits.reshape(-1).tolist(), "loss": ce(logits)}
    d.update(extra)
    return d


cases = [
    case("arcface", arcface()),
    case("cosface", cosface()),
    case("elasticarcface", elastic()),
    case("elasticarcface-plus", elastic(plus="rank")),
    case("elasticarcface-plus-upstream", elastic(plus="upstream")),
]
ada = AdaFace()
for step in range(2):  # two forwards on the same batch: the running stats accumulate
    before = (ada.batch_mean.item(), ada.batch_std.item())
    out = ada.forward(emb, norms)
    cases.append(case("adaface", out, call=step, norms=norms.reshape(-1).tolist(), mean_before=before[0], std_before=before[1],
                      mean_after=ada.batch_mean.item(), std_after=ada.batch_std.item()))
study_norms = torch.norm(emb, 2, 1, True)  # the study feeds the norm of the normalised embedding
study = AdaFace(t_alpha=1.0)
out = study.forward(emb, study_norms)
cases.append(case("adaface-study", out, call=0, norms=study_norms.reshape(-1).tolist(), mean_before=20.0, std_before=100.0,
                  mean_after=study.batch_mean.item(), std_after=study.batch_std.item(),
                  cosface_clamped=(cosines(emb).clamp(-1 + 1e-3, 1 - 1e-3) - one_hot(0.4)).mul(64.0).reshape(-1).tolist()))

teacher = F.normalize(torch.from_numpy(rng.standard_normal((B, D)).astype(np.float32)), dim=1)
kd = {"teacher": teacher.reshape(-1).tolist(),
      "mse_lambda_10000": (10000.0 * F.mse_loss(emb, teacher)).item(),
      "cosine_lambda_1": (1 - F.cosine_similarity(emb, teacher, dim=1)).mean().item()}

doc = {"batch": B, "dim": D, "classes": C, "raw": raw.reshape(-1).tolist(), "embeddings": emb.reshape(-1).tolist(),
       "kernel": kernel.reshape(-1).tolist(), "labels": labels.tolist(), "margins": margins.tolist(),
       "cases": cases, "kd": kd, "torch": torch.__version__}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "losses.json")
with open(path + ".tmp", "w") as f:
    json.dump(doc, f, indent=1)
os.replace(path + ".tmp", path)
print("wrote", path)
