using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Numerics;

// The error function and the standard normal tail Φ(−u) that GELU is made of, and the exponential of a non-positive
// argument the new activations share.
//
// Everything rests on R(u) = Φ(−u) e^(u²/2) (Mills' ratio over √(2π)): smooth, decreasing from ½ at u = 0 like 1/(u√(2π)),
// so polynomials and rational functions approximate it to a small *relative* error. Then Φ(−u) = e^(−u²/2) R(u) and
// erfc(v) = 2 e^(−v²) R(√2 v) keep that relative error far into their tails, provided the Gaussian factor is accurate: u² is
// split into a rounded square and its exact remainder by a fused multiply-add, and the remainder rides along into the
// exponential. (Computing erfc(x/√2) instead would round x/√2 first, an error the tail magnifies x² times.) Φ(x) for x ≥ 0
// is 1 − Φ(−x), with no cancellation since Φ(−x) ≤ ½.
//
// The coefficients are fitted to the exact functions by Numerics/fit_activation_coefficients.py (mpmath, 40 digits), which
// also states each fit's own error: for double, Chebyshev interpolants of R on [0, 2] and [2, 6], u R(u) as a polynomial in
// 1/u² beyond 6, and erf(v)/v as a polynomial in v² below 0.75; for float, one rational function P₄(u)/Q₅(u) with positive
// coefficients for R on [0, 13.25] (5e-9) and a polynomial for erf(v)/v below 0.75 (1.6e-9).
public static partial class VectorMath
{
    /// <summary>The largest relative error of <see cref="Erf(float)"/> and its vector forms, as tested.</summary>
    public const double ErfMaxRelativeError = 2.5e-7;

    private const double InverseSqrt2Pi = 0.398942280401432677939946059934;
    private const double Sqrt2 = 1.41421356237309504880168872421;

    // Beyond these Φ(−u) and erfc(v) underflow below double's smallest subnormal.
    private const double NormalTailCutoff = 40.0;
    private const double ErfcCutoff = 28.0;

    // Past 6, erfc(v) < 2.2e-17 and erf(v) rounds to 1.
    private const double ErfOne = 6.0;

    // R(u) on [0, 2] in s = u − 1, relative error 3.0e-18.
    private static ReadOnlySpan<double> TailNear =>
    [
        2.2366231353769201e-12, -1.1414190666055785e-11, 4.5274929176437007e-11, -2.1859159844321371e-10,
        1.0560448202755235e-9, -4.8596904735820632e-9, 2.1730530090021061e-8, -9.4528678920945768e-8,
        3.9877418122987565e-7, -1.6277119665666979e-6, 6.4129942505828689e-6, -2.4317799126486067e-5,
        8.8447743761653616e-5, -3.0730794257786887e-4, 1.0148898923316174e-3, -3.1660454894245719e-3,
        9.255384843443354e-3, -2.5085612290634721e-2, 6.2107151664407031e-2, -1.373639885363093e-1,
        2.6157829186512337e-1,
    ];

    // R(u) on [2, 6] in s = u − 4, relative error 9.4e-18.
    private static ReadOnlySpan<double> TailMiddle =>
    [
        1.6480025826317374e-18, -1.1948881884189149e-17, 4.7613568608686454e-17, -3.290845638773952e-16,
        2.6183557809205569e-15, -1.7740075540260678e-14, 1.1618039296910974e-13, -7.6114229342752333e-13,
        4.9099951852474153e-12, -3.1073372897407744e-11, 1.9301885628020522e-10, -1.1759964833774289e-9,
        7.0202334352641063e-9, -4.1016937364695873e-8, 2.3427006399497619e-7, -1.3062326583810542e-6,
        7.0990911567584066e-6, -3.7539993251450992e-5, 1.927545199428002e-4, -9.5871804602472251e-4,
        4.6058902638706065e-3, -2.1299715193556936e-2, 9.4410641301968937e-2,
    ];

    // u R(u) for u ≥ 6 in s = 1/u², relative error 4.8e-18 (its value at s = 0 is 1/√(2π)).
    private static ReadOnlySpan<double> TailFar =>
    [
        -7.3302739674677379e+10, 1.7990465289700155e+10, -2.1720608531283045e+9, 1.7954574908176101e+8,
        -1.2200753856201824e+7, 7.8674656429740091e+5, -5.3683515971031487e+4, 4.1453168857122103e+3,
        -3.7699180692434648e+2, 4.1888910380989272e+1, -5.984134146960564, 1.1968268411411725,
        -3.9894228040140592e-1, 3.9894228040143268e-1,
    ];

    // erf(v)/v on [0, 0.75] in w = v², relative error 8.7e-19.
    private static ReadOnlySpan<double> ErfNear =>
    [
        1.1472499701094692e-8, -1.5940066854661717e-7, 1.6430684179741549e-6, -1.4924196305569617e-5,
        1.2055289567541707e-4, -8.5483261887597527e-4, 5.2239776154205387e-3, -2.6866170644428484e-2,
        1.1283791670952596e-1, -3.7612638903183717e-1, 1.1283791670955126,
    ];

    // float: R(u) = P(u)/Q(u) on [0, 13.25], relative error 5.0e-9 before rounding the coefficients to float. Past 13.25,
    // e^(−u²/2) is below float's smallest normal and the tail is flushed to zero.
    private const float TailLimit = 13.25f;
    private const float TailP0 = 0.50000000247880732f;
    private const float TailP1 = 0.43562134438086374f;
    private const float TailP2 = 0.18125947108564049f;
    private const float TailP3 = 0.039968451752055909f;
    private const float TailP4 = 0.0040179112929627972f;
    private const float TailQ1 = 1.6691276068342338f;
    private const float TailQ2 = 1.1942859643328838f;
    private const float TailQ3 = 0.46425563929844163f;
    private const float TailQ4 = 0.10019346066843024f;
    private const float TailQ5 = 0.010071266083786988f;

    // float: erf(v)/v on [0, 0.75] in w = v², relative error 1.6e-9; erf(v) rounds to 1 from v = 3.92 on.
    private const float ErfSwitch = 0.75f;
    private const float ErfOneSingle = 4f;
    private const float ErfS0 = 1.1283791655787517f;
    private const float ErfS1 = -0.37612619469437676f;
    private const float ErfS2 = 0.11283386538414544f;
    private const float ErfS3 = -0.026835114568609703f;
    private const float ErfS4 = 0.0051153321125322264f;
    private const float ErfS5 = -0.00067564795686800473f;

    /// <summary>
    /// The error function erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt, within 2 units in the last place of the exact value (measured
    /// 1 against values computed to 50 digits).
    /// </summary>
    /// <param name="x">The argument.</param>
    public static double Erf(double x)
    {
        double v = Math.Abs(x);
        if (v < 0.75)
        {
            return x * Polynomial(ErfNear, x * x);
        }

        if (v >= ErfOne)
        {
            return double.CopySign(1.0, x);
        }

        // Also reached by NaN, which comes out as NaN.
        return double.CopySign(1.0 - Erfc(v), x);
    }

    /// <summary>
    /// erf(x) in single precision: relative error ≤ 2.5e-7 for every result that is a normal float (tested against
    /// <see cref="Erf(double)"/>). The same operations as the vector forms, so every lane of every width agrees to the bit.
    /// </summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Erf(float x) => Erf(Vector128.Create(x)).ToScalar();

    /// <summary>erf of each lane, as <see cref="Erf(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Erf(Vector128<float> x)
    {
        // Below 0.75, x·S(x²); above, 1 − erfc(|x|) with erfc(v) = 2 e^(−v²) R(√2 v), where erf ≥ 0.71 leaves no
        // cancellation. NaN takes the first branch and stays NaN.
        Vector128<float> w = x * x;
        Vector128<float> w2 = w * w;
        Vector128<float> near = x * Vector128.MultiplyAddEstimate(
            w2 * w2,
            Vector128.MultiplyAddEstimate(w, Vector128.Create(ErfS5), Vector128.Create(ErfS4)),
            Vector128.MultiplyAddEstimate(w2, Vector128.MultiplyAddEstimate(w, Vector128.Create(ErfS3), Vector128.Create(ErfS2)), Vector128.MultiplyAddEstimate(w, Vector128.Create(ErfS1), Vector128.Create(ErfS0))));
        Vector128<float> v = Vector128.MinNative(Vector128.Abs(x), Vector128.Create(ErfOneSingle));
        Vector128<float> square = v * v;
        Vector128<float> gaussian = ExpNonPositive(-square, -Vector128.FusedMultiplyAdd(v, v, -square));
        Vector128<float> erfc = (gaussian + gaussian) * TailRatio(v * Vector128.Create((float)Sqrt2));
        Vector128<float> far = Vector128.CopySign(Vector128.Create(1f) - erfc, x);
        return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(Vector128.Abs(x), Vector128.Create(ErfSwitch)), far, near);
    }

    /// <summary>erf of each lane, as <see cref="Erf(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        Vector256<float> w = x * x;
        Vector256<float> w2 = w * w;
        Vector256<float> near = x * Vector256.MultiplyAddEstimate(
            w2 * w2,
            Vector256.MultiplyAddEstimate(w, Vector256.Create(ErfS5), Vector256.Create(ErfS4)),
            Vector256.MultiplyAddEstimate(w2, Vector256.MultiplyAddEstimate(w, Vector256.Create(ErfS3), Vector256.Create(ErfS2)), Vector256.MultiplyAddEstimate(w, Vector256.Create(ErfS1), Vector256.Create(ErfS0))));
        Vector256<float> v = Vector256.MinNative(Vector256.Abs(x), Vector256.Create(ErfOneSingle));
        Vector256<float> square = v * v;
        Vector256<float> gaussian = ExpNonPositive(-square, -Vector256.FusedMultiplyAdd(v, v, -square));
        Vector256<float> erfc = (gaussian + gaussian) * TailRatio(v * Vector256.Create((float)Sqrt2));
        Vector256<float> far = Vector256.CopySign(Vector256.Create(1f) - erfc, x);
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(Vector256.Abs(x), Vector256.Create(ErfSwitch)), far, near);
    }

    // erfc(v) for v in [0.75, 6): 2 e^(−v²) R(√2 v). Rounding √2 v moves R by about its own relative error only.
    private static double Erfc(double v) => v >= ErfcCutoff ? 0.0 : 2.0 * Gaussian(v, 1.0) * TailRatio(Sqrt2 * v);

    // e^(−c u²) for c = 1 or ½ (an exact scaling), u ≥ 0 finite: e^(−c h) for the rounded square h, corrected by the
    // remainder l = u² − h, which is below half an ulp of h: e^(−c(h + l)) = e^(−c h)(1 − c l) to far below an ulp.
    private static double Gaussian(double u, double c)
    {
        double h = u * u;
        double l = Math.FusedMultiplyAdd(u, u, -h);
        double e = Math.Exp(-c * h);
        return Math.FusedMultiplyAdd(-c * l, e, e);
    }

    // R(u) = Φ(−u) e^(u²/2) for u ≥ 0.
    private static double TailRatio(double u)
    {
        if (u < 2.0)
        {
            return Polynomial(TailNear, u - 1.0);
        }

        if (u < 6.0)
        {
            return Polynomial(TailMiddle, u - 4.0);
        }

        return Polynomial(TailFar, 1.0 / (u * u)) / u;
    }

    // Φ(−u) for u ≥ 0, and e^(−u²/2) in gaussian; both 0 past the point where Φ(−u) underflows. NaN gives NaN.
    private static double NormalTail(double u, out double gaussian)
    {
        if (u >= NormalTailCutoff)
        {
            gaussian = 0.0;
            return 0.0;
        }

        gaussian = Gaussian(u, 0.5);
        return gaussian * TailRatio(u);
    }

    // Horner's rule, highest power first.
    private static double Polynomial(ReadOnlySpan<double> coefficients, double s)
    {
        double sum = coefficients[0];
        for (int i = 1; i < coefficients.Length; i++)
        {
            sum = (sum * s) + coefficients[i];
        }

        return sum;
    }

    // R(u) = P(u)/Q(u) for 0 ≤ u ≤ 13.25, both polynomials by Estrin's scheme (positive coefficients, so no cancellation).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> TailRatio(Vector128<float> u)
    {
        Vector128<float> u2 = u * u;
        Vector128<float> u4 = u2 * u2;
        Vector128<float> p = Vector128.MultiplyAddEstimate(
            u4,
            Vector128.Create(TailP4),
            Vector128.MultiplyAddEstimate(u2, Vector128.MultiplyAddEstimate(u, Vector128.Create(TailP3), Vector128.Create(TailP2)), Vector128.MultiplyAddEstimate(u, Vector128.Create(TailP1), Vector128.Create(TailP0))));
        Vector128<float> q = Vector128.MultiplyAddEstimate(
            u4,
            Vector128.MultiplyAddEstimate(u, Vector128.Create(TailQ5), Vector128.Create(TailQ4)),
            Vector128.MultiplyAddEstimate(u2, Vector128.MultiplyAddEstimate(u, Vector128.Create(TailQ3), Vector128.Create(TailQ2)), Vector128.MultiplyAddEstimate(u, Vector128.Create(TailQ1), Vector128.Create(1f))));
        return p / q;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TailRatio(Vector256<float> u)
    {
        Vector256<float> u2 = u * u;
        Vector256<float> u4 = u2 * u2;
        Vector256<float> p = Vector256.MultiplyAddEstimate(
            u4,
            Vector256.Create(TailP4),
            Vector256.MultiplyAddEstimate(u2, Vector256.MultiplyAddEstimate(u, Vector256.Create(TailP3), Vector256.Create(TailP2)), Vector256.MultiplyAddEstimate(u, Vector256.Create(TailP1), Vector256.Create(TailP0))));
        Vector256<float> q = Vector256.MultiplyAddEstimate(
            u4,
            Vector256.MultiplyAddEstimate(u, Vector256.Create(TailQ5), Vector256.Create(TailQ4)),
            Vector256.MultiplyAddEstimate(u2, Vector256.MultiplyAddEstimate(u, Vector256.Create(TailQ3), Vector256.Create(TailQ2)), Vector256.MultiplyAddEstimate(u, Vector256.Create(TailQ1), Vector256.Create(1f))));
        return p / q;
    }

    // Φ(−u) for lanes u in [0, 13.25] (clamped by the caller), and e^(−u²/2) in gaussian (zero past 13.2, with the tail).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> NormalTail(Vector128<float> u, out Vector128<float> gaussian)
    {
        Vector128<float> square = u * u;
        Vector128<float> half = Vector128.Create(-0.5f);
        gaussian = ExpNonPositive(square * half, Vector128.FusedMultiplyAdd(u, u, -square) * half);
        return gaussian * TailRatio(u);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> NormalTail(Vector256<float> u, out Vector256<float> gaussian)
    {
        Vector256<float> square = u * u;
        Vector256<float> half = Vector256.Create(-0.5f);
        gaussian = ExpNonPositive(square * half, Vector256.FusedMultiplyAdd(u, u, -square) * half);
        return gaussian * TailRatio(u);
    }

    // e^(x + low) for x ≤ 0 and |low| below an ulp of x, as 2^n (1 + q): returns q and gives 2^n in scale. x is clamped to
    // −87.3 below, where 2^n is the smallest normal float; a NaN lane stays NaN in q. Exp's reduction and polynomial.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ExpReducedNonPositive(Vector128<float> x, Vector128<float> low, out Vector128<float> scale)
    {
        x = Vector128.Max(x, Vector128.Create(ExpLow));
        Vector128<float> n = Vector128.Round(x * Vector128.Create(Log2E));
        Vector128<float> r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-Ln2High), x);
        r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-Ln2Low), r) + low;
        Vector128<float> r2 = r * r;
        Vector128<float> r4 = r2 * r2;
        Vector128<float> p = Vector128.MultiplyAddEstimate(
            r4,
            Vector128.MultiplyAddEstimate(Vector128.Create(E0), r, Vector128.Create(E1)),
            Vector128.MultiplyAddEstimate(r2, Vector128.MultiplyAddEstimate(Vector128.Create(E2), r, Vector128.Create(E3)), Vector128.MultiplyAddEstimate(Vector128.Create(E4), r, Vector128.Create(E5))));
        scale = Vector128.ShiftLeft(Vector128.ConvertToInt32Native(n) + Vector128.Create(127), 23).AsSingle();
        return Vector128.MultiplyAddEstimate(p, r2, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpReducedNonPositive(Vector256<float> x, Vector256<float> low, out Vector256<float> scale)
    {
        x = Vector256.Max(x, Vector256.Create(ExpLow));
        Vector256<float> n = Vector256.Round(x * Vector256.Create(Log2E));
        Vector256<float> r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2High), x);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Low), r) + low;
        Vector256<float> r2 = r * r;
        Vector256<float> r4 = r2 * r2;
        Vector256<float> p = Vector256.MultiplyAddEstimate(
            r4,
            Vector256.MultiplyAddEstimate(Vector256.Create(E0), r, Vector256.Create(E1)),
            Vector256.MultiplyAddEstimate(r2, Vector256.MultiplyAddEstimate(Vector256.Create(E2), r, Vector256.Create(E3)), Vector256.MultiplyAddEstimate(Vector256.Create(E4), r, Vector256.Create(E5))));
        scale = Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127), 23).AsSingle();
        return Vector256.MultiplyAddEstimate(p, r2, r);
    }

    // e^(x + low) for x ≤ 0, flushed to zero where x < −87.3 (the result would be below the smallest normal float); NaN
    // stays NaN.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ExpNonPositive(Vector128<float> x, Vector128<float> low)
    {
        Vector128<float> q = ExpReducedNonPositive(x, low, out Vector128<float> scale);
        return Vector128.AndNot(Vector128.MultiplyAddEstimate(q, scale, scale), Vector128.LessThan(x, Vector128.Create(ExpLow)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpNonPositive(Vector256<float> x, Vector256<float> low)
    {
        Vector256<float> q = ExpReducedNonPositive(x, low, out Vector256<float> scale);
        return Vector256.AndNot(Vector256.MultiplyAddEstimate(q, scale, scale), Vector256.LessThan(x, Vector256.Create(ExpLow)));
    }
}
