#!/usr/bin/env python3
"""Writes activation-reference.csv: the exact activation functions at chosen doubles, by mpmath at 50 digits.

VectorMathActivationTests measures NetGen.Numerics.VectorMath's double forms against this table (in units in the last
place); the float forms are measured against the double forms. Each value is the double nearest the exact one, so the
table itself contributes at most half an ulp. Run with mpmath: python3 make_activation_reference.py > activation-reference.csv
(then gzip -9n). The points: a 1/16 grid on [-10, 10], a 1/2 grid out to +-40, powers of ten down to the subnormals, both
sides of every branch point of the double and float forms, and 400 seeded random points.
"""
import math
import random
from mpmath import mp, mpf, erf, erfc, exp, expm1, log1p, sqrt, pi

mp.dps = 50


def phi(x):
    return exp(-x * x / 2) / sqrt(2 * pi)


def Phi(x):
    return erfc(-x / sqrt(2)) / 2


def sigmoid(x):
    return 1 / (1 + exp(-x))


def row(x):
    x = mpf(x)
    s, sm = sigmoid(x), sigmoid(-x)
    return [
        erf(x),
        x * Phi(x),
        Phi(x) + x * phi(x),
        phi(x) * (2 - x * x),
        x * s,
        s * (1 + x * sm),
        s * sm * (2 + x * (sm - s)),
        x if x > 0 else expm1(x),
        mpf(1) if x > 0 else exp(x),
        (x if x > 0 else mpf(0)) + log1p(exp(-abs(x))),
        s,
        s * sm,
    ]


def points():
    xs = set()
    xs.update(k / 16 for k in range(-160, 161))
    xs.update(s * (10 + k / 2) for k in range(1, 61) for s in (1, -1))
    for e in list(range(1, 11)) + [15, 20, 30, 45, 80, 150, 300, 307]:
        xs.update((10.0 ** -e, -(10.0 ** -e)))
    xs.update((5e-324, -5e-324, 2.2250738585072014e-308, -2.2250738585072014e-308))
    for b in (0.75, 2.0, 6.0, 4.0, 13.25, 13.2166, 38.5, 40.0, 27.3, 87.33654, 87.5, 1.4142135623730951,
              0.7517915241, 1.2784645428, 2.3993572805):
        for s in (1, -1):
            v = s * b
            xs.update((v, math.nextafter(v, math.inf), math.nextafter(v, -math.inf)))
    rng = random.Random(15)
    xs.update(rng.uniform(-40, 40) for _ in range(200))
    xs.update(rng.gauss(0, 3) for _ in range(200))
    xs.discard(0.0)
    return sorted(xs) + [0.0]


def main():
    print('x,erf,gelu,gelu1,gelu2,silu,silu1,silu2,elu,elu1,softplus,softplus1,softplus2')
    for x in points():
        print(','.join([repr(x)] + [repr(float(v)) for v in row(x)]))


if __name__ == '__main__':
    main()
