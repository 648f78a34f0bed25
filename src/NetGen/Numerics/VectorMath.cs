using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Numerics;

/// <summary>
/// Vectorised single-precision activation functions for generated code, with the same result in every lane of every
/// width (scalar, 128- and 256-bit) because each is the same sequence of IEEE operations.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Tanh(float)"/> is the rational minimax approximation x·P(x²)/Q(x²) (degrees 13/6, the form Eigen and XLA
/// use), evaluated as P(x²)·(x/Q(x²)) with inputs clamped to ±7.9053111 where tanh rounds to ±1 in single precision.
/// Measured against <see cref="System.Math.Tanh"/> on every float in [−10, 10] at a 2⁻¹⁴ step and on a log grid down to
/// 1e-30 (see VectorMathTests): absolute and relative error ≤ 4e-7 (measured 2.9e-7 and 3.1e-7 with fused multiply-add;
/// the polynomial uses MultiplyAddEstimate, so whether it fuses depends on the hardware, identically in every width).
/// </para>
/// <para>
/// <see cref="Sigmoid(float)"/> is the same approximation through the identity σ(x) = ½ + ½ tanh(x/2), with the halving
/// folded exactly into the coefficients: absolute error ≤ 2e-7 (measured 1.4e-7). (Its relative error grows where σ
/// underflows towards 0 for x below about −17; losses never take the logarithm of it — NetGen computes cross-entropy
/// from z.)
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static partial class VectorMath
{
    /// <summary>The largest absolute error of <see cref="Tanh(float)"/> against the exact function, as tested.</summary>
    public const double TanhMaxAbsoluteError = 4e-7;

    /// <summary>The largest relative error of <see cref="Tanh(float)"/> against the exact function, as tested.</summary>
    public const double TanhMaxRelativeError = 4e-7;

    /// <summary>The largest absolute error of <see cref="Sigmoid(float)"/> against the exact function, as tested.</summary>
    public const double SigmoidMaxAbsoluteError = 2e-7;

    /// <summary>The largest relative error of <see cref="Exp(float)"/> on [−87, 88], as tested.</summary>
    public const double ExpMaxRelativeError = 2e-7;

    // exp: x = n ln2 + r with |r| ≤ ln2/2 (ln2 split in two for an exact n·ln2), e^r by Cephes' degree-6 polynomial,
    // and 2^n assembled in the exponent bits. Arguments are clamped to [−87.33654, 88], where 2^n stays a normal float.
    private const float ExpLow = -87.33654f;
    private const float ExpHigh = 88f;
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;
    private const float E0 = 1.9875691500e-4f;
    private const float E1 = 1.3981999507e-3f;
    private const float E2 = 8.3334519073e-3f;
    private const float E3 = 4.1665795894e-2f;
    private const float E4 = 1.6666665459e-1f;
    private const float E5 = 5.0000001201e-1f;

    private const float Clamp = 7.90531110763549805f;
    private const float Alpha1 = 4.89352455891786e-03f;
    private const float Alpha3 = 6.37261928875436e-04f;
    private const float Alpha5 = 1.48572235717979e-05f;
    private const float Alpha7 = 5.12229709037114e-08f;
    private const float Alpha9 = -8.60467152213735e-11f;
    private const float Alpha11 = 2.00018790482477e-13f;
    private const float Alpha13 = -2.76076847742355e-16f;
    private const float Beta0 = 4.89352518554385e-03f;
    private const float Beta2 = 2.26843463243900e-03f;
    private const float Beta4 = 1.18534705686654e-04f;
    private const float Beta6 = 1.19825839466702e-06f;

    // σ's coefficients: tanh's numerator scaled by ¼^(k+1) and its denominator by ¼^k for the term in y^k (exact in
    // binary), clamped where x/2 reaches tanh's clamp.
    private const float SigmoidClamp = 2 * Clamp;
    private const float SigmoidP1 = Alpha1 / 4;
    private const float SigmoidP3 = Alpha3 / 16;
    private const float SigmoidP5 = Alpha5 / 64;
    private const float SigmoidP7 = Alpha7 / 256;
    private const float SigmoidP9 = Alpha9 / 1024;
    private const float SigmoidP11 = Alpha11 / 4096;
    private const float SigmoidP13 = Alpha13 / 16384;
    private const float SigmoidQ0 = Beta0;
    private const float SigmoidQ2 = Beta2 / 4;
    private const float SigmoidQ4 = Beta4 / 16;
    private const float SigmoidQ6 = Beta6 / 64;

    /// <summary>tanh(x), see the class remarks for its accuracy.</summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        // Estrin's scheme in y = x²: the numerator's degree-6 polynomial in three dependent steps instead of six, since the
        // latency of this chain, not its throughput, bounds the smallest networks. For the same reason y is clamped
        // with one min (x itself only later, off the chain), and the division x/Q(y) runs while P(y) is still being
        // evaluated: tanh = P(y) · (x/Q(y)), the same two roundings as (x·P(y))/Q(y). The min is the hardware's
        // (MinNative): IEEE min's NaN and signed-zero fix-ups cost two more instructions on the chain with AVX-512, and a
        // NaN argument still comes out NaN through the clamped x.
        float y = float.MinNative(x * x, Clamp * Clamp);
        float xc = float.Clamp(x, -Clamp, Clamp);
        float y2 = y * y;
        float y4 = y2 * y2;
        float t0 = float.MultiplyAddEstimate(y, Alpha3, Alpha1);
        float t1 = float.MultiplyAddEstimate(y, Alpha7, Alpha5);
        float t2 = float.MultiplyAddEstimate(y, Alpha11, Alpha9);
        float u0 = float.MultiplyAddEstimate(y2, t1, t0);
        float u1 = float.MultiplyAddEstimate(y2, Alpha13, t2);
        float p = float.MultiplyAddEstimate(y4, u1, u0);
        float q = float.MultiplyAddEstimate(y2, float.MultiplyAddEstimate(y, Beta6, Beta4), float.MultiplyAddEstimate(y, Beta2, Beta0));
        return p * (xc / q);
    }

    /// <summary>tanh of each lane.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        Vector128<float> y = Vector128.MinNative(x * x, Vector128.Create(Clamp * Clamp));
        Vector128<float> xc = Vector128.Min(Vector128.Max(x, Vector128.Create(-Clamp)), Vector128.Create(Clamp));
        Vector128<float> y2 = y * y;
        Vector128<float> y4 = y2 * y2;
        Vector128<float> t0 = Vector128.MultiplyAddEstimate(y, Vector128.Create(Alpha3), Vector128.Create(Alpha1));
        Vector128<float> t1 = Vector128.MultiplyAddEstimate(y, Vector128.Create(Alpha7), Vector128.Create(Alpha5));
        Vector128<float> t2 = Vector128.MultiplyAddEstimate(y, Vector128.Create(Alpha11), Vector128.Create(Alpha9));
        Vector128<float> u0 = Vector128.MultiplyAddEstimate(y2, t1, t0);
        Vector128<float> u1 = Vector128.MultiplyAddEstimate(y2, Vector128.Create(Alpha13), t2);
        Vector128<float> p = Vector128.MultiplyAddEstimate(y4, u1, u0);
        Vector128<float> q = Vector128.MultiplyAddEstimate(y2, Vector128.MultiplyAddEstimate(y, Vector128.Create(Beta6), Vector128.Create(Beta4)), Vector128.MultiplyAddEstimate(y, Vector128.Create(Beta2), Vector128.Create(Beta0)));
        return p * (xc / q);
    }

    /// <summary>tanh of each lane.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> y = Vector256.MinNative(x * x, Vector256.Create(Clamp * Clamp));
        Vector256<float> xc = Vector256.Min(Vector256.Max(x, Vector256.Create(-Clamp)), Vector256.Create(Clamp));
        Vector256<float> y2 = y * y;
        Vector256<float> y4 = y2 * y2;
        Vector256<float> t0 = Vector256.MultiplyAddEstimate(y, Vector256.Create(Alpha3), Vector256.Create(Alpha1));
        Vector256<float> t1 = Vector256.MultiplyAddEstimate(y, Vector256.Create(Alpha7), Vector256.Create(Alpha5));
        Vector256<float> t2 = Vector256.MultiplyAddEstimate(y, Vector256.Create(Alpha11), Vector256.Create(Alpha9));
        Vector256<float> u0 = Vector256.MultiplyAddEstimate(y2, t1, t0);
        Vector256<float> u1 = Vector256.MultiplyAddEstimate(y2, Vector256.Create(Alpha13), t2);
        Vector256<float> p = Vector256.MultiplyAddEstimate(y4, u1, u0);
        Vector256<float> q = Vector256.MultiplyAddEstimate(y2, Vector256.MultiplyAddEstimate(y, Vector256.Create(Beta6), Vector256.Create(Beta4)), Vector256.MultiplyAddEstimate(y, Vector256.Create(Beta2), Vector256.Create(Beta0)));
        return p * (xc / q);
    }

    /// <summary>σ(x) = 1 / (1 + e^(−x)), see the class remarks for its accuracy.</summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x)
    {
        // σ(x) = ½ + ½ tanh(x/2) = ½ + (x/4)·P(x²/4)/Q(x²/4): the powers of ¼ fold exactly into the coefficients
        // (SigmoidP*, SigmoidQ*), and the ½ into the last multiply-add, so σ costs what tanh costs.
        float y = float.MinNative(x * x, SigmoidClamp * SigmoidClamp);
        float xc = float.Clamp(x, -SigmoidClamp, SigmoidClamp);
        float y2 = y * y;
        float y4 = y2 * y2;
        float t0 = float.MultiplyAddEstimate(y, SigmoidP3, SigmoidP1);
        float t1 = float.MultiplyAddEstimate(y, SigmoidP7, SigmoidP5);
        float t2 = float.MultiplyAddEstimate(y, SigmoidP11, SigmoidP9);
        float u0 = float.MultiplyAddEstimate(y2, t1, t0);
        float u1 = float.MultiplyAddEstimate(y2, SigmoidP13, t2);
        float p = float.MultiplyAddEstimate(y4, u1, u0);
        float q = float.MultiplyAddEstimate(y2, float.MultiplyAddEstimate(y, SigmoidQ6, SigmoidQ4), float.MultiplyAddEstimate(y, SigmoidQ2, SigmoidQ0));
        return float.MultiplyAddEstimate(p, xc / q, 0.5f);
    }

    /// <summary>σ of each lane.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x)
    {
        Vector128<float> y = Vector128.MinNative(x * x, Vector128.Create(SigmoidClamp * SigmoidClamp));
        Vector128<float> xc = Vector128.Min(Vector128.Max(x, Vector128.Create(-SigmoidClamp)), Vector128.Create(SigmoidClamp));
        Vector128<float> y2 = y * y;
        Vector128<float> y4 = y2 * y2;
        Vector128<float> t0 = Vector128.MultiplyAddEstimate(y, Vector128.Create(SigmoidP3), Vector128.Create(SigmoidP1));
        Vector128<float> t1 = Vector128.MultiplyAddEstimate(y, Vector128.Create(SigmoidP7), Vector128.Create(SigmoidP5));
        Vector128<float> t2 = Vector128.MultiplyAddEstimate(y, Vector128.Create(SigmoidP11), Vector128.Create(SigmoidP9));
        Vector128<float> u0 = Vector128.MultiplyAddEstimate(y2, t1, t0);
        Vector128<float> u1 = Vector128.MultiplyAddEstimate(y2, Vector128.Create(SigmoidP13), t2);
        Vector128<float> p = Vector128.MultiplyAddEstimate(y4, u1, u0);
        Vector128<float> q = Vector128.MultiplyAddEstimate(y2, Vector128.MultiplyAddEstimate(y, Vector128.Create(SigmoidQ6), Vector128.Create(SigmoidQ4)), Vector128.MultiplyAddEstimate(y, Vector128.Create(SigmoidQ2), Vector128.Create(SigmoidQ0)));
        return Vector128.MultiplyAddEstimate(p, xc / q, Vector128.Create(0.5f));
    }

    /// <summary>σ of each lane.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
    {
        Vector256<float> y = Vector256.MinNative(x * x, Vector256.Create(SigmoidClamp * SigmoidClamp));
        Vector256<float> xc = Vector256.Min(Vector256.Max(x, Vector256.Create(-SigmoidClamp)), Vector256.Create(SigmoidClamp));
        Vector256<float> y2 = y * y;
        Vector256<float> y4 = y2 * y2;
        Vector256<float> t0 = Vector256.MultiplyAddEstimate(y, Vector256.Create(SigmoidP3), Vector256.Create(SigmoidP1));
        Vector256<float> t1 = Vector256.MultiplyAddEstimate(y, Vector256.Create(SigmoidP7), Vector256.Create(SigmoidP5));
        Vector256<float> t2 = Vector256.MultiplyAddEstimate(y, Vector256.Create(SigmoidP11), Vector256.Create(SigmoidP9));
        Vector256<float> u0 = Vector256.MultiplyAddEstimate(y2, t1, t0);
        Vector256<float> u1 = Vector256.MultiplyAddEstimate(y2, Vector256.Create(SigmoidP13), t2);
        Vector256<float> p = Vector256.MultiplyAddEstimate(y4, u1, u0);
        Vector256<float> q = Vector256.MultiplyAddEstimate(y2, Vector256.MultiplyAddEstimate(y, Vector256.Create(SigmoidQ6), Vector256.Create(SigmoidQ4)), Vector256.MultiplyAddEstimate(y, Vector256.Create(SigmoidQ2), Vector256.Create(SigmoidQ0)));
        return Vector256.MultiplyAddEstimate(p, xc / q, Vector256.Create(0.5f));
    }

    /// <summary>e^x for x in [−87.3, 88] (clamped outside): relative error ≤ 2e-7 (measured 8.3e-8, about one ulp).</summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        x = float.Clamp(x, ExpLow, ExpHigh);
        float n = float.Round(x * Log2E);
        float r = float.MultiplyAddEstimate(n, -Ln2High, x);
        r = float.MultiplyAddEstimate(n, -Ln2Low, r);
        // p(r) = E5 + E4 r + E3 r² + E2 r³ + E1 r⁴ + E0 r⁵ by Estrin's scheme: three dependent steps instead of five.
        float r2 = r * r;
        float r4 = r2 * r2;
        float p = float.MultiplyAddEstimate(
            r4,
            float.MultiplyAddEstimate(E0, r, E1),
            float.MultiplyAddEstimate(r2, float.MultiplyAddEstimate(E2, r, E3), float.MultiplyAddEstimate(E4, r, E5)));
        float y = float.MultiplyAddEstimate(p, r2, r) + 1f;
        return y * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }

    /// <summary>The largest relative error of <see cref="Log(float)"/> on normal arguments, as tested.</summary>
    public const double LogMaxRelativeError = 2e-7;

    /// <summary>The largest relative error of <see cref="LogP1(float)"/> on [0, 1], as tested.</summary>
    public const double LogP1MaxRelativeError = 4e-7;

    // ln(1 + x)/x on [0, 1]: the degree-8 polynomial of least maximum relative error (Lawson's iteration on 4,000 Chebyshev
    // points; 3.0e-8 before its coefficients are rounded to float).
    private const float LogP1C0 = 0.99999994f;
    private const float LogP1C1 = -0.49999493f;
    private const float LogP1C2 = 0.33319095f;
    private const float LogP1C3 = -0.24842979f;
    private const float LogP1C4 = 0.19105995f;
    private const float LogP1C5 = -0.13663222f;
    private const float LogP1C6 = 0.078225695f;
    private const float LogP1C7 = -0.029505089f;
    private const float LogP1C8 = 0.0052326587f;

    // ln: x = m 2^e with m in [√½, √2), ln m = f − f²/2 + f³ P(f) for f = m − 1 (Cephes' degree-8 polynomial, evaluated by
    // Estrin's scheme), and e ln 2 with ln 2 split in two as in exp.
    private const float SqrtHalf = 0.707106781186547524f;
    private const float L0 = 7.0376836292e-2f;
    private const float L1 = -1.1514610310e-1f;
    private const float L2 = 1.1676998740e-1f;
    private const float L3 = -1.2420140846e-1f;
    private const float L4 = 1.4249322787e-1f;
    private const float L5 = -1.6668057665e-1f;
    private const float L6 = 2.0000714765e-1f;
    private const float L7 = -2.4999993993e-1f;
    private const float L8 = 3.3333331174e-1f;

    /// <summary>
    /// ln x for positive normal x (relative error ≤ 2e-7, about one ulp); no call, so it inlines into generated loops.
    /// Zero, negative, subnormal, infinite and NaN arguments are outside its contract.
    /// </summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Log(float x)
    {
        int bits = BitConverter.SingleToInt32Bits(x);
        float e = ((bits >> 23) & 0xFF) - 126;
        float m = BitConverter.Int32BitsToSingle((bits & 0x007FFFFF) | 0x3F000000);
        if (m < SqrtHalf)
        {
            e -= 1f;
            m = m + m - 1f;
        }
        else
        {
            m -= 1f;
        }

        float z = m * m;
        float z2 = z * z;
        float p = float.MultiplyAddEstimate(
            z2,
            float.MultiplyAddEstimate(z2, L0, float.MultiplyAddEstimate(z, float.MultiplyAddEstimate(L1, m, L2), float.MultiplyAddEstimate(L3, m, L4))),
            float.MultiplyAddEstimate(z, float.MultiplyAddEstimate(L5, m, L6), float.MultiplyAddEstimate(L7, m, L8)));
        float y = float.MultiplyAddEstimate(e, Ln2Low, p * m * z);
        y = float.MultiplyAddEstimate(-0.5f, z, y);
        return float.MultiplyAddEstimate(e, Ln2High, m + y);
    }

    /// <summary>
    /// ln(1 + x) for x in [0, 1] (relative error ≤ 4e-7, measured 2.5e-7), as x·P(x) with P the degree-8 polynomial of
    /// least relative error on [0, 1]: no logarithm and no division, so the binary cross-entropy ln(1 + e^(−|z|)) it is for
    /// costs a few multiply-adds after the exponential. Exact to the last bits for tiny x, where P(x) → 1.
    /// </summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LogP1(float x)
    {
        // Estrin's scheme: four dependent steps instead of Horner's eight.
        float x2 = x * x;
        float x4 = x2 * x2;
        float low = float.MultiplyAddEstimate(float.MultiplyAddEstimate(LogP1C3, x, LogP1C2), x2, float.MultiplyAddEstimate(LogP1C1, x, LogP1C0));
        float high = float.MultiplyAddEstimate(float.MultiplyAddEstimate(LogP1C7, x, LogP1C6), x2, float.MultiplyAddEstimate(LogP1C5, x, LogP1C4));
        return x * float.MultiplyAddEstimate(float.MultiplyAddEstimate(LogP1C8, x4, high), x4, low);
    }

    /// <summary>ln of each lane, as <see cref="Log(float)"/> (the same operations, so the same result in every lane).</summary>
    /// <param name="x">The arguments: positive normal floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Log(Vector256<float> x)
    {
        Vector256<int> bits = x.AsInt32();
        Vector256<float> e = Vector256.ConvertToSingle(((bits >>> 23) & Vector256.Create(0xFF)) - Vector256.Create(126));
        Vector256<float> m = ((bits & Vector256.Create(0x007FFFFF)) | Vector256.Create(0x3F000000)).AsSingle();
        Vector256<float> small = Vector256.LessThan(m, Vector256.Create(SqrtHalf));
        e -= small & Vector256.Create(1f);
        m = Vector256.ConditionalSelect(small, m + m - Vector256.Create(1f), m - Vector256.Create(1f));
        Vector256<float> z = m * m;
        Vector256<float> z2 = z * z;
        Vector256<float> p = Vector256.MultiplyAddEstimate(
            z2,
            Vector256.MultiplyAddEstimate(z2, Vector256.Create(L0), Vector256.MultiplyAddEstimate(z, Vector256.MultiplyAddEstimate(Vector256.Create(L1), m, Vector256.Create(L2)), Vector256.MultiplyAddEstimate(Vector256.Create(L3), m, Vector256.Create(L4)))),
            Vector256.MultiplyAddEstimate(z, Vector256.MultiplyAddEstimate(Vector256.Create(L5), m, Vector256.Create(L6)), Vector256.MultiplyAddEstimate(Vector256.Create(L7), m, Vector256.Create(L8))));
        Vector256<float> y = Vector256.MultiplyAddEstimate(e, Vector256.Create(Ln2Low), p * m * z);
        y = Vector256.MultiplyAddEstimate(Vector256.Create(-0.5f), z, y);
        return Vector256.MultiplyAddEstimate(e, Vector256.Create(Ln2High), m + y);
    }

    /// <summary>ln(1 + x) of each lane, as <see cref="LogP1(float)"/>.</summary>
    /// <param name="x">The arguments, in [0, 1].</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LogP1(Vector256<float> x)
    {
        Vector256<float> x2 = x * x;
        Vector256<float> x4 = x2 * x2;
        Vector256<float> low = Vector256.MultiplyAddEstimate(
            Vector256.MultiplyAddEstimate(Vector256.Create(LogP1C3), x, Vector256.Create(LogP1C2)),
            x2,
            Vector256.MultiplyAddEstimate(Vector256.Create(LogP1C1), x, Vector256.Create(LogP1C0)));
        Vector256<float> high = Vector256.MultiplyAddEstimate(
            Vector256.MultiplyAddEstimate(Vector256.Create(LogP1C7), x, Vector256.Create(LogP1C6)),
            x2,
            Vector256.MultiplyAddEstimate(Vector256.Create(LogP1C5), x, Vector256.Create(LogP1C4)));
        return x * Vector256.MultiplyAddEstimate(Vector256.MultiplyAddEstimate(Vector256.Create(LogP1C8), x4, high), x4, low);
    }

    /// <summary>e^x of each lane, as <see cref="Exp(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> q = ExpReduced(Vector256.Min(Vector256.Max(x, Vector256.Create(ExpLow)), Vector256.Create(ExpHigh)), out Vector256<float> scale);
        return (q + Vector256.Create(1f)) * scale;
    }

    /// <summary>
    /// e^x of each lane for arguments known to be at most 88, with the relative error bound of <see cref="Exp(float)"/>:
    /// a softmax's tail, where these steps sit on the dependency chain. It skips <see cref="Exp(Vector256{float})"/>'s upper
    /// clamp and scales by 2^n in the last multiply-add (one rounding fewer, so it may differ from <c>Exp</c> in the last
    /// bit). Lanes below −87.3 clamp as in <c>Exp</c>; a NaN lane gives NaN. A lane above 88 gives a meaningless result.
    /// </summary>
    /// <param name="x">The arguments, each at most 88 (or NaN).</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpNoOverflow(Vector256<float> x)
    {
        // A NaN lane's scale is garbage, but NaN · s + s stays NaN.
        Vector256<float> q = ExpReduced(Vector256.Max(x, Vector256.Create(ExpLow)), out Vector256<float> scale);
        return Vector256.MultiplyAddEstimate(q, scale, scale);
    }

    // e^x = 2^n (1 + q) for x in [−87.3, 88]: returns q = e^r − 1 (r = x − n ln 2, |r| ≤ ln 2 / 2) and gives 2^n in scale.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpReduced(Vector256<float> x, out Vector256<float> scale)
    {
        Vector256<float> n = Vector256.Round(x * Vector256.Create(Log2E));
        Vector256<float> r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2High), x);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Low), r);
        Vector256<float> r2 = r * r;
        Vector256<float> r4 = r2 * r2;
        Vector256<float> p = Vector256.MultiplyAddEstimate(
            r4,
            Vector256.MultiplyAddEstimate(Vector256.Create(E0), r, Vector256.Create(E1)),
            Vector256.MultiplyAddEstimate(r2, Vector256.MultiplyAddEstimate(Vector256.Create(E2), r, Vector256.Create(E3)), Vector256.MultiplyAddEstimate(Vector256.Create(E4), r, Vector256.Create(E5))));
        // n is a whole number in [−126, 127] after the clamp, so the hardware conversion needs none of the saturating
        // conversion's fix-ups for NaN and out-of-range lanes, which sat on the softmax's dependency chain.
        scale = Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127), 23).AsSingle();
        return Vector256.MultiplyAddEstimate(p, r2, r);
    }

    /// <summary>
    /// The eight horizontal sums of eight 512-bit vectors, [Σv0, Σv1, …, Σv7]: the last step of eight dot products computed
    /// side by side with 512-bit accumulators. Each sum is ((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7)) with
    /// p_l = v[l] + v[l + 8]; with AVX-512 the eight vectors are halved pairwise (two, then four rows per vector), so the
    /// whole tree is eleven adds and thirteen shuffles instead of a fold and a horizontal-add tree per vector.
    /// </summary>
    /// <param name="v0">The first vector.</param>
    /// <param name="v1">The second vector.</param>
    /// <param name="v2">The third vector.</param>
    /// <param name="v3">The fourth vector.</param>
    /// <param name="v4">The fifth vector.</param>
    /// <param name="v5">The sixth vector.</param>
    /// <param name="v6">The seventh vector.</param>
    /// <param name="v7">The eighth vector.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HorizontalSums(
        Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        Vector512<float> v4, Vector512<float> v5, Vector512<float> v6, Vector512<float> v7)
    {
        if (Avx512F.IsSupported)
        {
            // 128-bit lanes: [v0 L0+L2, v0 L1+L3, v1 L0+L2, v1 L1+L3], …
            Vector512<float> p01 = Avx512F.Shuffle4x128(v0, v1, 0b01_00_01_00) + Avx512F.Shuffle4x128(v0, v1, 0b11_10_11_10);
            Vector512<float> p23 = Avx512F.Shuffle4x128(v2, v3, 0b01_00_01_00) + Avx512F.Shuffle4x128(v2, v3, 0b11_10_11_10);
            Vector512<float> p45 = Avx512F.Shuffle4x128(v4, v5, 0b01_00_01_00) + Avx512F.Shuffle4x128(v4, v5, 0b11_10_11_10);
            Vector512<float> p67 = Avx512F.Shuffle4x128(v6, v7, 0b01_00_01_00) + Avx512F.Shuffle4x128(v6, v7, 0b11_10_11_10);

            // Lane r of q0 (q1): the four partial sums of row r (r + 4).
            Vector512<float> q0 = Avx512F.Shuffle4x128(p01, p23, 0b10_00_10_00) + Avx512F.Shuffle4x128(p01, p23, 0b11_01_11_01);
            Vector512<float> q1 = Avx512F.Shuffle4x128(p45, p67, 0b10_00_10_00) + Avx512F.Shuffle4x128(p45, p67, 0b11_01_11_01);

            // Lane r: two partial sums of row r, then two of row r + 4; then each pair added.
            Vector512<float> r = Avx512F.Shuffle(q0, q1, 0b01_00_01_00) + Avx512F.Shuffle(q0, q1, 0b11_10_11_10);
            Vector512<float> t = r + Avx512F.Shuffle(r, r, 0b10_11_00_01);
            return Avx512F.PermuteVar16x32(t, Vector512.Create(0, 4, 8, 12, 2, 6, 10, 14, 0, 4, 8, 12, 2, 6, 10, 14)).GetLower();
        }

        return Vector256.Create(RowSum(v0), RowSum(v1), RowSum(v2), RowSum(v3), RowSum(v4), RowSum(v5), RowSum(v6), RowSum(v7));
    }

    // One lane of the 512-bit HorizontalSums, in its order.
    private static float RowSum(Vector512<float> v)
    {
        Vector256<float> p = v.GetLower() + v.GetUpper();
        return ((p.GetElement(0) + p.GetElement(4)) + (p.GetElement(2) + p.GetElement(6))) + ((p.GetElement(1) + p.GetElement(5)) + (p.GetElement(3) + p.GetElement(7)));
    }

    /// <summary>
    /// The eight horizontal sums of eight vectors, [Σv0, Σv1, …, Σv7]: the last step of eight dot products computed side
    /// by side. With AVX it is a tree of seven horizontal adds and one cross-lane add.
    /// </summary>
    /// <param name="v0">The first vector.</param>
    /// <param name="v1">The second vector.</param>
    /// <param name="v2">The third vector.</param>
    /// <param name="v3">The fourth vector.</param>
    /// <param name="v4">The fifth vector.</param>
    /// <param name="v5">The sixth vector.</param>
    /// <param name="v6">The seventh vector.</param>
    /// <param name="v7">The eighth vector.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HorizontalSums(
        Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3,
        Vector256<float> v4, Vector256<float> v5, Vector256<float> v6, Vector256<float> v7)
    {
        if (Avx.IsSupported)
        {
            Vector256<float> h0123 = Avx.HorizontalAdd(Avx.HorizontalAdd(v0, v1), Avx.HorizontalAdd(v2, v3));
            Vector256<float> h4567 = Avx.HorizontalAdd(Avx.HorizontalAdd(v4, v5), Avx.HorizontalAdd(v6, v7));
            return Avx.Permute2x128(h0123, h4567, 0x20) + Avx.Permute2x128(h0123, h4567, 0x31);
        }

        return Vector256.Create(
            Vector256.Sum(v0), Vector256.Sum(v1), Vector256.Sum(v2), Vector256.Sum(v3),
            Vector256.Sum(v4), Vector256.Sum(v5), Vector256.Sum(v6), Vector256.Sum(v7));
    }

    /// <summary>The four horizontal sums of four vectors, [Σv0, Σv1, Σv2, Σv3].</summary>
    /// <param name="v0">The first vector.</param>
    /// <param name="v1">The second vector.</param>
    /// <param name="v2">The third vector.</param>
    /// <param name="v3">The fourth vector.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> HorizontalSums(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3)
    {
        if (Avx.IsSupported)
        {
            Vector256<float> h = Avx.HorizontalAdd(Avx.HorizontalAdd(v0, v1), Avx.HorizontalAdd(v2, v3));
            return h.GetLower() + h.GetUpper();
        }

        return Vector128.Create(Vector256.Sum(v0), Vector256.Sum(v1), Vector256.Sum(v2), Vector256.Sum(v3));
    }
    /// <summary>
    /// The sums of adjacent pairs, [a0 + a1, a2 + a3, b0 + b1, b2 + b3]: four two-input neurons' dot products from two
    /// vectors of (row × input) products. One horizontal add with SSE3.
    /// </summary>
    /// <param name="a">The products of the first two rows.</param>
    /// <param name="b">The products of the next two rows.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> PairSums(Vector128<float> a, Vector128<float> b)
    {
        if (Sse3.IsSupported)
        {
            return Sse3.HorizontalAdd(a, b);
        }

        return Vector128.Create(a.GetElement(0) + a.GetElement(1), a.GetElement(2) + a.GetElement(3), b.GetElement(0) + b.GetElement(1), b.GetElement(2) + b.GetElement(3));
    }

    /// <summary>The four horizontal sums of four vectors, [Σv0, Σv1, Σv2, Σv3], each summed as (v[0] + v[1]) + (v[2] + v[3]).</summary>
    /// <param name="v0">The first vector.</param>
    /// <param name="v1">The second vector.</param>
    /// <param name="v2">The third vector.</param>
    /// <param name="v3">The fourth vector.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> HorizontalSums(Vector128<float> v0, Vector128<float> v1, Vector128<float> v2, Vector128<float> v3) =>
        PairSums(PairSums(v0, v1), PairSums(v2, v3));

    /// <summary>Σv, summed as (v[0] + v[1]) + (v[2] + v[3]) like <see cref="HorizontalSums(Vector128{float}, Vector128{float}, Vector128{float}, Vector128{float})"/>.</summary>
    /// <param name="v">The vector.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalSum(Vector128<float> v)
    {
        Vector128<float> pairs = PairSums(v, v);
        return pairs.GetElement(0) + pairs.GetElement(1);
    }
    /// <summary>
    /// The largest lane of <paramref name="v"/> in every lane: three steps of swapping halves and taking maxima. The
    /// hardware's max (no IEEE NaN fix-ups), so a NaN lane need not come out; it serves as the shift of a softmax, where a
    /// NaN input still makes the result NaN through e^(z − max).
    /// </summary>
    /// <param name="v">The vector.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MaxAcross(Vector256<float> v)
    {
        if (Avx.IsSupported)
        {
            v = Vector256.MaxNative(v, Avx.Permute2x128(v, v, 0x01));
            v = Vector256.MaxNative(v, Avx.Permute(v, 0b01_00_11_10));
            return Vector256.MaxNative(v, Avx.Permute(v, 0b10_11_00_01));
        }

        float max = v.GetElement(0);
        for (int lane = 1; lane < Vector256<float>.Count; lane++)
        {
            max = float.Max(max, v.GetElement(lane));
        }

        return Vector256.Create(max);
    }

    /// <summary>[v0 + v1, v0 + v1, v2 + v3, v2 + v3, …]: each lane plus its neighbour, one in-lane step of a sum.</summary>
    /// <param name="v">The vector.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SumAdjacentPairs(Vector256<float> v)
    {
        if (Avx.IsSupported)
        {
            return v + Avx.Permute(v, 0b10_11_00_01);
        }

        return v + Vector256.Shuffle(v, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6));
    }

    /// <summary>
    /// The sum of each half of <paramref name="v"/> in each of its four lanes, ((v0 + v1) + (v2 + v3)) in lanes 0–3 and
    /// likewise in 4–7: two in-lane steps, no crossing between the 128-bit halves.
    /// </summary>
    /// <param name="v">The vector.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SumWithinHalves(Vector256<float> v)
    {
        v = SumAdjacentPairs(v);
        if (Avx.IsSupported)
        {
            return v + Avx.Permute(v, 0b01_00_11_10);
        }

        return v + Vector256.Shuffle(v, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5));
    }

    /// <summary>
    /// The sum of the lanes of <paramref name="v"/> in every lane, added as ((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7))
    /// with AVX (halves, then pairs, then neighbours).
    /// </summary>
    /// <param name="v">The vector.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SumAcross(Vector256<float> v)
    {
        if (Avx.IsSupported)
        {
            v += Avx.Permute2x128(v, v, 0x01);
            v += Avx.Permute(v, 0b01_00_11_10);
            return v + Avx.Permute(v, 0b10_11_00_01);
        }

        return Vector256.Create(Vector256.Sum(v));
    }
}
