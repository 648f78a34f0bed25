#!/usr/bin/env python3
"""Derives the coefficients of NetGen.Numerics.VectorMath's normal-distribution tail and error function.

Run with mpmath (pip install mpmath): python3 fit_activation_coefficients.py. Everything is fitted to the exact functions
evaluated by mpmath at 40 digits; nothing is taken from another library. What each set is for:

  R(u) = Phi(-u) e^(u^2/2), the standard normal tail without its Gaussian factor (Mills' ratio over sqrt(2 pi)). It is
  smooth and between 0 and 1/2 for u >= 0, so a polynomial or rational function approximates it to a small relative
  error, and Phi(-u) = e^(-u^2/2) R(u), erfc(v) = 2 e^(-v^2) R(sqrt(2) v) inherit that relative error wherever the
  Gaussian factor is computed accurately (u^2 split into two floats with a fused multiply-add).

  double: R on [0, 2] and [2, 6] by Chebyshev interpolation (mpmath.chebyfit) in s = u - centre, and u R(u) as a
  polynomial in s = 1/u^2 on [0, 1/36] for u >= 6; erf(v)/v as a polynomial in v^2 on [0, 0.75^2].
  float: R on [0, 13.25] as a rational function P4(u)/Q5(u) of least relative error (linearised least squares with
  Lawson's reweighting on 400 Chebyshev points); erf(v)/v as a polynomial in v^2 on [0, 0.75^2].
"""
from mpmath import mp, mpf, erf, erfc, sqrt, exp, pi, cos, chebyfit, matrix, qr_solve

mp.dps = 40


def tail(u):
    """R(u) = Phi(-u) e^(u^2/2)."""
    u = mpf(u)
    return erfc(u / sqrt(2)) / 2 * exp(u * u / 2)


def far(s):
    """u R(u) as a function of s = 1/u^2 (its limit at s = 0 is 1/sqrt(2 pi))."""
    if s == 0:
        return 1 / sqrt(2 * pi)
    u = 1 / sqrt(s)
    return tail(u) * u


def erf_over_v(w):
    """erf(v)/v as a function of w = v^2."""
    if w == 0:
        return 2 / sqrt(pi)
    v = sqrt(w)
    return erf(v) / v


def chebyshev(f, a, b, n, shift):
    a, b = mpf(a), mpf(b)
    poly, err = chebyfit(lambda s: f(s + shift), [a - shift, b - shift], n, error=True)
    return poly, err


def rational(f, m, n, a, b, points=400, iterations=12):
    a, b = mpf(a), mpf(b)
    xs = [(a + b) / 2 + (b - a) / 2 * cos(pi * (2 * i + 1) / (2 * points)) for i in range(points)]
    fs = [f(x) for x in xs]
    q_previous = [mpf(1)] * points
    weights = [mpf(1)] * points
    for iteration in range(iterations):
        A = matrix(points, m + 1 + n)
        rhs = matrix(points, 1)
        for i, (x, fx) in enumerate(zip(xs, fs)):
            w = weights[i] / (fx * q_previous[i])
            for j in range(m + 1):
                A[i, j] = w * x ** j
            for j in range(1, n + 1):
                A[i, m + j] = -w * fx * x ** j
            rhs[i] = w * fx
        solution, _ = qr_solve(A, rhs)
        p = [solution[j] for j in range(m + 1)]
        q = [mpf(1)] + [solution[m + j] for j in range(1, n + 1)]
        errors = []
        for i, x in enumerate(xs):
            q_previous[i] = sum(c * x ** j for j, c in enumerate(q))
            errors.append((sum(c * x ** j for j, c in enumerate(p)) / q_previous[i] - fs[i]) / fs[i])
        if iteration > 3:
            largest = max(abs(e) for e in errors)
            weights = [w * sqrt(abs(e) / largest) + mpf('1e-6') for w, e in zip(weights, errors)]
    largest = mpf(0)
    for i in range(4001):
        x = a + (b - a) * mpf(i) / 4000
        value = sum(c * x ** j for j, c in enumerate(p)) / sum(c * x ** j for j, c in enumerate(q))
        largest = max(largest, abs(value / f(x) - 1))
    return p, q, largest


def show(name, coefficients, suffix=''):
    print(f'{name} (highest power first):')
    for c in coefficients:
        print(f'    {mp.nstr(c, 17, min_fixed=-1, max_fixed=1)}{suffix},')


def main():
    for a, b, n in [(0, 2, 21), (2, 6, 23)]:
        centre = (mpf(a) + b) / 2
        poly, err = chebyshev(tail, a, b, n, centre)
        show(f'double R(u) on [{a}, {b}] in s = u - {mp.nstr(centre, 3)}, relative error {mp.nstr(err / tail(b), 2)}', poly)
    poly, err = chebyshev(far, 0, mpf(1) / 36, 14, 0)
    show(f'double u R(u) for u >= 6 in s = 1/u^2, relative error {mp.nstr(err / far(mpf(1) / 36), 2)}', poly)
    poly, err = chebyshev(erf_over_v, 0, mpf('0.5625'), 11, 0)
    show(f'double erf(v)/v on [0, 0.75] in w = v^2, relative error {mp.nstr(err / erf_over_v(mpf("0.5625")), 2)}', poly)

    p, q, err = rational(tail, 4, 5, 0, mpf('13.25'))
    show(f'float R(u) = P(u)/Q(u) on [0, 13.25], relative error {mp.nstr(err, 2)}; P', list(reversed(p)), 'f')
    show('Q', list(reversed(q)), 'f')
    poly, err = chebyshev(erf_over_v, 0, mpf('0.5625'), 6, 0)
    show(f'float erf(v)/v on [0, 0.75] in w = v^2, relative error {mp.nstr(err / erf_over_v(mpf("0.5625")), 2)}', poly, 'f')


if __name__ == '__main__':
    main()
