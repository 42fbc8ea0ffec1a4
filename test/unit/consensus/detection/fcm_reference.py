"""Independent reference for test/unit/consensus/detection/fcm.test.ts.

Textbook fuzzy c-means written directly in numpy (vectorised, u = d^(-2/(m-1)) / sum, not the ratio form
src/consensus/detection/fcm.ts uses), started from the same documented initial centers and stopped by the same
rule (max membership change < epsilon). Run: python3 fcm_reference.py  (Debian: apt-get install python3-numpy).
Prints the numbers the test hard-codes.
"""
import json
import numpy as np


def initial_centers(x, c):
    # distinct points ordered by coordinate sum, ties by coordinates; positions floor(k(d-1)/(c-1))
    distinct = sorted({tuple(p) for p in x.tolist()}, key=lambda p: (sum(p), p))
    d = len(distinct)
    if c == 1:
        return np.array([distinct[(d - 1) // 2]], dtype=float)
    return np.array([distinct[(k * (d - 1)) // (c - 1)] for k in range(c)], dtype=float)


def memberships(x, v, m):
    d2 = ((x[:, None, :] - v[None, :, :]) ** 2).sum(axis=2)  # [point, cluster]
    u = np.zeros_like(d2)
    zero = d2 == 0
    on = zero.any(axis=1)
    u[on] = zero[on] / zero[on].sum(axis=1, keepdims=True)
    w = d2[~on] ** (-1.0 / (m - 1))
    u[~on] = w / w.sum(axis=1, keepdims=True)
    return u


def fcm(x, c, m=2.0, max_iter=100, eps=1e-6):
    x = np.asarray(x, dtype=float)
    v = initial_centers(x, c)
    u = memberships(x, v, m)
    it = 0
    change = None
    while it < max_iter:
        um = u ** m
        v = (um.T @ x) / um.sum(axis=0)[:, None]
        nu = memberships(x, v, m)
        change = np.abs(nu - u).max()
        u = nu
        it += 1
        if change < eps:
            break
    return v, u, it, change


DATA = {
    "A": dict(c=2, m=2.0, x=[[1.0, 2.0], [1.5, 1.8], [1.2, 2.4], [0.8, 1.9], [1.1, 1.6],
                             [5.0, 6.0], [5.5, 6.2], [4.8, 5.7], [5.2, 6.6], [3.0, 4.0]]),
    "B": dict(c=3, m=2.0, x=[[0.0, 0.1, 0.2], [0.2, 0.0, 0.1], [0.1, 0.3, 0.0], [0.3, 0.2, 0.2],
                             [1.0, 1.1, 0.9], [0.9, 1.0, 1.2], [1.2, 0.8, 1.0], [1.1, 1.0, 1.1],
                             [0.0, 2.0, 2.1], [0.2, 1.9, 2.0], [0.1, 2.2, 1.8], [0.5, 1.0, 1.0]]),
    "C": dict(c=2, m=3.0, x=[[0.0], [0.5], [1.0], [1.5], [4.0], [4.5], [5.5], [6.0], [2.75]]),
}

out = {}
for name, d in DATA.items():
    v, u, it, change = fcm(d["x"], d["c"], d["m"])
    out[name] = dict(centers=v.tolist(), memberships=u.tolist(), iterations=it, lastChange=float(change))
print(json.dumps(out, indent=1))
