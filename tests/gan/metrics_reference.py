"""Reference values for gan/metrics/feature_metrics, written straight from the papers' formulas
with NumPy (run by tests/gan/test_feature_metrics.cpp through /usr/bin/python3).

usage: metrics_reference.py real.npy fake.npy kid_subsets.npy
  real [N, D], fake [M, D] float64; kid_subsets int64 [S, 2, m]: for subset s, row indices
  into real (kid_subsets[s, 0]) and into fake (kid_subsets[s, 1]).
prints one "name value" line per metric; mmd2_head is the MMD^2 of real's first M rows
against all of fake (needs N >= M).
"""
import sys

import numpy as np


def distances(a, b):
    # Direct differences (not the |a|^2 + |b|^2 - 2ab form the C++ code uses).
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))


def knn_radii(x, k):
    # Distance to the k-th nearest neighbour other than the sample itself.
    d = distances(x, x)
    np.fill_diagonal(d, np.inf)
    return np.sort(d, axis=1)[:, k - 1]


def prdc(real, fake, k):
    # Kynkäänniemi et al. 2019 (precision, recall); Naeem et al. 2020 (density, coverage),
    # as in the authors' prdc package: inside a ball means distance < radius.
    real_r, fake_r = knn_radii(real, k), knn_radii(fake, k)
    d = distances(real, fake)  # [N, M]
    inside_real = d < real_r[:, None]
    precision = inside_real.any(axis=0).mean()
    recall = (d < fake_r[None, :]).any(axis=1).mean()
    density = inside_real.sum(axis=0).mean() / k
    coverage = (d.min(axis=1) < real_r).mean()
    return precision, recall, density, coverage


def mmd2_unbiased(x, y):
    # Binkowski et al. 2018 with k(x, y) = (x.y / D + 1)^3, diagonal terms left out of XX, YY.
    dim = x.shape[1]
    kern = lambda a, b: (a @ b.T / dim + 1.0) ** 3
    m = x.shape[0]
    kxx, kyy, kxy = kern(x, x), kern(y, y), kern(x, y)
    off = lambda k: k.sum() - np.trace(k)
    return (off(kxx) + off(kyy)) / (m * (m - 1)) - 2.0 * kxy.sum() / (m * m)


def frechet(real, fake):
    mu1, mu2 = real.mean(0), fake.mean(0)
    s1, s2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    # Tr sqrt(S1 S2) from the eigenvalues of the (non-symmetric) product.
    tr_root = np.sqrt(np.clip(np.linalg.eigvals(s1 @ s2).real, 0, None)).sum()
    return ((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_root


def main():
    real, fake, subsets = (np.load(p) for p in sys.argv[1:4])
    p3, r3, _, _ = prdc(real, fake, 3)
    _, _, d5, c5 = prdc(real, fake, 5)
    mmds = np.array([mmd2_unbiased(real[s[0]], fake[s[1]]) for s in subsets])
    values = {
        "frechet_distance": frechet(real, fake),
        "kid_mean": mmds.mean(),
        "kid_std": mmds.std(),
        "mmd2_head": mmd2_unbiased(real[: len(fake)], fake),
        "precision": p3,
        "recall": r3,
        "density": d5,
        "coverage": c5,
    }
    for name, v in values.items():
        print(name, repr(float(v)))


if __name__ == "__main__":
    main()
