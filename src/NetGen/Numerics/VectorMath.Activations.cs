using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Numerics;

// GELU, SiLU, ELU and Softplus with their first and second derivatives, all as functions of the weighted input z.
//
// double: the exact formulas with library exponentials and logarithms, arranged so that no step cancels: Φ from the
// normal tail (VectorMath.Erf.cs), σ(x) and σ(−x) both from e^(−|x|), e^x − 1 and ln(1 + x) by Kahan's tricks (Higham,
// Accuracy and Stability of Numerical Algorithms, §1.14.1), which are as accurate as Math.Exp and Math.Log themselves.
//
// float: the same arrangement on the polynomial exponential (Exp's reduction and polynomial, flushed to zero where it
// would underflow) and the rational normal tail, written once for Vector128 and once for Vector256 with identical
// operations; the scalar form runs the Vector128 one on a broadcast argument, so a vector loop and its scalar remainder
// agree to the bit by construction. Arguments beyond the point where a result stops changing are clamped, so ±∞ give
// the limits (GELU(−∞) = SiLU(−∞) = −0, Softplus(−∞) = 0, ELU(−∞) = −α) and NaN gives NaN.
//
// The double forms are within 6 ulp of the exact values wherever the result is a normal double (measured at most 5 against
// values computed to 50 digits, VectorMathActivationTests); "a few ulp" below refers to that.
//
// Where a function or derivative has a zero between its terms (GELU′ near −0.75, SiLU′ near −1.28, SiLU″ near ±2.40), the
// error is stated relative to the sum of its terms' magnitudes, the scale its rounding errors are made at.
public static partial class VectorMath
{
    /// <summary>
    /// The largest error of <see cref="Gelu(float)"/>, <see cref="GeluDerivative(float)"/> and
    /// <see cref="GeluSecondDerivative(float)"/> and their vector forms, relative to the result (to Φ(x) + |x|φ(x) for the
    /// derivative), as tested against the double forms; measured 3.2e-7 with fused multiply-add.
    /// </summary>
    public const double GeluMaxRelativeError = 4e-7;

    /// <summary>
    /// The largest error of <see cref="Silu(float)"/>, <see cref="SiluDerivative(float)"/> and
    /// <see cref="SiluSecondDerivative(float)"/> and their vector forms, relative to the result (to σ(x)(1 + |x|σ(−x)) for
    /// the derivative and σ(x)σ(−x)(2 + |x| tanh(|x|/2)) for the second), as tested; measured 2.5e-7.
    /// </summary>
    public const double SiluMaxRelativeError = 4e-7;

    /// <summary>
    /// The largest relative error of <see cref="Elu(float, float)"/>, <see cref="EluDerivative(float, float)"/> and
    /// <see cref="EluSecondDerivative(float, float)"/> and their vector forms at α = 1, as tested; measured 8.4e-8 (another
    /// α adds the rounding of one multiplication).
    /// </summary>
    public const double EluMaxRelativeError = 2e-7;

    /// <summary>
    /// The largest relative error of <see cref="Softplus(float)"/>, <see cref="SoftplusDerivative(float)"/> and
    /// <see cref="SoftplusSecondDerivative(float)"/> and their vector forms, as tested; measured 2.6e-7.
    /// </summary>
    public const double SoftplusMaxRelativeError = 4e-7;

    /// <summary>
    /// The largest magnitude the float forms give where the exact result is below the smallest normal float (2⁻¹²⁶) or has
    /// been flushed there: their errors are stated relative to the result above this floor and absolute below it.
    /// </summary>
    public const double SingleUnderflowFloor = 1.2e-36;

    // SiLU's and Softplus's arguments are clamped to ±88, GELU's multipliers to ±13.25: past these e^(−|x|) and
    // e^(−x²/2) are flushed to zero, so the clamped x multiplies a zero instead of an infinity multiplying it.
    private const float LogisticLimit = 88f;

    /// <summary>GELU(x) = x·Φ(x) = ½x(1 + erf(x/√2)), the exact (erf) form PyTorch uses by default; a few ulp.</summary>
    /// <param name="x">The argument.</param>
    public static double Gelu(double x)
    {
        double tail = NormalTail(Math.Abs(x), out _);
        double cdf = x < 0 ? tail : 1.0 - tail;
        return double.IsNegativeInfinity(x) ? -0.0 : x * cdf;
    }

    /// <summary>GELU′(x) = Φ(x) + x·φ(x), φ the standard normal density; a few ulp of Φ(x) + |x|φ(x).</summary>
    /// <param name="x">The argument.</param>
    public static double GeluDerivative(double x)
    {
        double tail = NormalTail(Math.Abs(x), out double gaussian);
        double cdf = x < 0 ? tail : 1.0 - tail;
        return double.IsInfinity(x) ? cdf : Math.FusedMultiplyAdd(x, gaussian * InverseSqrt2Pi, cdf);
    }

    /// <summary>GELU″(x) = φ(x)(2 − x²); a few ulp.</summary>
    /// <param name="x">The argument.</param>
    public static double GeluSecondDerivative(double x)
    {
        NormalTail(Math.Abs(x), out double gaussian);
        return double.IsInfinity(x) ? -0.0 : gaussian * InverseSqrt2Pi * Math.FusedMultiplyAdd(-x, x, 2.0);
    }

    /// <summary>
    /// GELU(x) = x·Φ(x) in single precision: relative error ≤ 4e-7 (tested against <see cref="Gelu(double)"/>) wherever the
    /// result's magnitude exceeds <see cref="SingleUnderflowFloor"/>, and below that floor elsewhere (x below about −12.9).
    /// The same operations as the vector forms, so every lane of every width agrees to the bit.
    /// </summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Gelu(float x) => Gelu(Vector128.Create(x)).ToScalar();

    /// <summary>GELU′(x) = Φ(x) + x·φ(x): error ≤ 4e-7 relative to Φ(x) + |x|φ(x), as <see cref="Gelu(float)"/>.</summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GeluDerivative(float x) => GeluDerivative(Vector128.Create(x)).ToScalar();

    /// <summary>GELU″(x) = φ(x)(2 − x²): relative error ≤ 4e-7, as <see cref="Gelu(float)"/>.</summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GeluSecondDerivative(float x) => GeluSecondDerivative(Vector128.Create(x)).ToScalar();

    /// <summary>GELU of each lane, as <see cref="Gelu(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Gelu(Vector128<float> x)
    {
        Vector128<float> tail = NormalTail(Vector128.MinNative(Vector128.Abs(x), Vector128.Create(TailLimit)), out _);
        Vector128<float> cdf = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), tail, Vector128.Create(1f) - tail);
        return Vector128.Max(x, Vector128.Create(-TailLimit)) * cdf;
    }

    /// <summary>GELU of each lane, as <see cref="Gelu(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Gelu(Vector256<float> x)
    {
        Vector256<float> tail = NormalTail(Vector256.MinNative(Vector256.Abs(x), Vector256.Create(TailLimit)), out _);
        Vector256<float> cdf = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), tail, Vector256.Create(1f) - tail);
        return Vector256.Max(x, Vector256.Create(-TailLimit)) * cdf;
    }

    /// <summary>GELU′ of each lane, as <see cref="GeluDerivative(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> GeluDerivative(Vector128<float> x)
    {
        Vector128<float> tail = NormalTail(Vector128.MinNative(Vector128.Abs(x), Vector128.Create(TailLimit)), out Vector128<float> gaussian);
        Vector128<float> cdf = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), tail, Vector128.Create(1f) - tail);
        Vector128<float> clamped = Vector128.Min(Vector128.Max(x, Vector128.Create(-TailLimit)), Vector128.Create(TailLimit));
        return Vector128.MultiplyAddEstimate(clamped, gaussian * Vector128.Create((float)InverseSqrt2Pi), cdf);
    }

    /// <summary>GELU′ of each lane, as <see cref="GeluDerivative(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GeluDerivative(Vector256<float> x)
    {
        Vector256<float> tail = NormalTail(Vector256.MinNative(Vector256.Abs(x), Vector256.Create(TailLimit)), out Vector256<float> gaussian);
        Vector256<float> cdf = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), tail, Vector256.Create(1f) - tail);
        Vector256<float> clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(-TailLimit)), Vector256.Create(TailLimit));
        return Vector256.MultiplyAddEstimate(clamped, gaussian * Vector256.Create((float)InverseSqrt2Pi), cdf);
    }

    /// <summary>GELU″ of each lane, as <see cref="GeluSecondDerivative(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> GeluSecondDerivative(Vector128<float> x)
    {
        // 2 − x² in one rounding, so the result keeps its relative accuracy next to its zeros at ±√2.
        Vector128<float> clamped = Vector128.Min(Vector128.Max(x, Vector128.Create(-TailLimit)), Vector128.Create(TailLimit));
        NormalTail(Vector128.Abs(clamped), out Vector128<float> gaussian);
        return gaussian * Vector128.Create((float)InverseSqrt2Pi) * Vector128.FusedMultiplyAdd(-clamped, clamped, Vector128.Create(2f));
    }

    /// <summary>GELU″ of each lane, as <see cref="GeluSecondDerivative(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GeluSecondDerivative(Vector256<float> x)
    {
        Vector256<float> clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(-TailLimit)), Vector256.Create(TailLimit));
        NormalTail(Vector256.Abs(clamped), out Vector256<float> gaussian);
        return gaussian * Vector256.Create((float)InverseSqrt2Pi) * Vector256.FusedMultiplyAdd(-clamped, clamped, Vector256.Create(2f));
    }

    /// <summary>SiLU(x) = x·σ(x) (Swish), σ the logistic function; a few ulp.</summary>
    /// <param name="x">The argument.</param>
    public static double Silu(double x)
    {
        double e = Math.Exp(-Math.Abs(x));
        double sigmoid = (x < 0 ? e : 1.0) / (1.0 + e);
        return double.IsNegativeInfinity(x) ? -0.0 : x * sigmoid;
    }

    /// <summary>SiLU′(x) = σ(x)(1 + x·σ(−x)); a few ulp of σ(x)(1 + |x|σ(−x)).</summary>
    /// <param name="x">The argument.</param>
    public static double SiluDerivative(double x)
    {
        double e = Math.Exp(-Math.Abs(x));
        double sigmoid = (x < 0 ? e : 1.0) / (1.0 + e);
        double mirrored = (x < 0 ? 1.0 : e) / (1.0 + e);
        return double.IsInfinity(x) ? sigmoid : sigmoid * Math.FusedMultiplyAdd(x, mirrored, 1.0);
    }

    /// <summary>
    /// SiLU″(x) = σ(x)σ(−x)(2 + x(σ(−x) − σ(x))) = σ(x)σ(−x)(2 − |x| tanh(|x|/2)); a few ulp of
    /// σ(x)σ(−x)(2 + |x| tanh(|x|/2)).
    /// </summary>
    /// <param name="x">The argument.</param>
    public static double SiluSecondDerivative(double x)
    {
        double magnitude = Math.Abs(x);
        double e = Math.Exp(-magnitude);
        double tanhHalf = -ExpMinusOne(-magnitude) / (1.0 + e);
        double product = e / (1.0 + e) / (1.0 + e);
        return double.IsInfinity(x) ? -0.0 : product * Math.FusedMultiplyAdd(-magnitude, tanhHalf, 2.0);
    }

    /// <summary>SiLU(x) = x·σ(x) in single precision: relative error ≤ 4e-7 above <see cref="SingleUnderflowFloor"/>, as <see cref="Gelu(float)"/>.</summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Silu(float x) => Silu(Vector128.Create(x)).ToScalar();

    /// <summary>SiLU′(x): error ≤ 4e-7 relative to σ(x)(1 + |x|σ(−x)), as <see cref="Silu(float)"/>.</summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SiluDerivative(float x) => SiluDerivative(Vector128.Create(x)).ToScalar();

    /// <summary>SiLU″(x): error ≤ 4e-7 relative to σ(x)σ(−x)(2 + |x| tanh(|x|/2)), as <see cref="Silu(float)"/>.</summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SiluSecondDerivative(float x) => SiluSecondDerivative(Vector128.Create(x)).ToScalar();

    /// <summary>SiLU of each lane, as <see cref="Silu(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Silu(Vector128<float> x)
    {
        Vector128<float> e = ExpNonPositive(-Vector128.Abs(x), Vector128<float>.Zero);
        Vector128<float> sigmoid = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), e, Vector128.Create(1f)) / (Vector128.Create(1f) + e);
        return Vector128.Max(x, Vector128.Create(-LogisticLimit)) * sigmoid;
    }

    /// <summary>SiLU of each lane, as <see cref="Silu(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Silu(Vector256<float> x)
    {
        Vector256<float> e = ExpNonPositive(-Vector256.Abs(x), Vector256<float>.Zero);
        Vector256<float> sigmoid = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), e, Vector256.Create(1f)) / (Vector256.Create(1f) + e);
        return Vector256.Max(x, Vector256.Create(-LogisticLimit)) * sigmoid;
    }

    /// <summary>SiLU′ of each lane, as <see cref="SiluDerivative(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SiluDerivative(Vector128<float> x)
    {
        Vector128<float> e = ExpNonPositive(-Vector128.Abs(x), Vector128<float>.Zero);
        Vector128<float> negative = Vector128.LessThan(x, Vector128<float>.Zero);
        Vector128<float> denominator = Vector128.Create(1f) + e;
        Vector128<float> sigmoid = Vector128.ConditionalSelect(negative, e, Vector128.Create(1f)) / denominator;
        Vector128<float> mirrored = Vector128.ConditionalSelect(negative, Vector128.Create(1f), e) / denominator;
        Vector128<float> clamped = Vector128.Min(Vector128.Max(x, Vector128.Create(-LogisticLimit)), Vector128.Create(LogisticLimit));
        return sigmoid * Vector128.MultiplyAddEstimate(clamped, mirrored, Vector128.Create(1f));
    }

    /// <summary>SiLU′ of each lane, as <see cref="SiluDerivative(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SiluDerivative(Vector256<float> x)
    {
        Vector256<float> e = ExpNonPositive(-Vector256.Abs(x), Vector256<float>.Zero);
        Vector256<float> negative = Vector256.LessThan(x, Vector256<float>.Zero);
        Vector256<float> denominator = Vector256.Create(1f) + e;
        Vector256<float> sigmoid = Vector256.ConditionalSelect(negative, e, Vector256.Create(1f)) / denominator;
        Vector256<float> mirrored = Vector256.ConditionalSelect(negative, Vector256.Create(1f), e) / denominator;
        Vector256<float> clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(-LogisticLimit)), Vector256.Create(LogisticLimit));
        return sigmoid * Vector256.MultiplyAddEstimate(clamped, mirrored, Vector256.Create(1f));
    }

    /// <summary>SiLU″ of each lane, as <see cref="SiluSecondDerivative(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SiluSecondDerivative(Vector128<float> x)
    {
        // tanh(|x|/2) = (1 − e)/(1 + e): where 1 − e cancels, |x| is small and the term is negligible beside 2.
        Vector128<float> magnitude = Vector128.Min(Vector128.Abs(x), Vector128.Create(LogisticLimit));
        Vector128<float> e = ExpNonPositive(-magnitude, Vector128<float>.Zero);
        Vector128<float> denominator = Vector128.Create(1f) + e;
        Vector128<float> tanhHalf = (Vector128.Create(1f) - e) / denominator;
        return e / (denominator * denominator) * Vector128.MultiplyAddEstimate(-magnitude, tanhHalf, Vector128.Create(2f));
    }

    /// <summary>SiLU″ of each lane, as <see cref="SiluSecondDerivative(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SiluSecondDerivative(Vector256<float> x)
    {
        Vector256<float> magnitude = Vector256.Min(Vector256.Abs(x), Vector256.Create(LogisticLimit));
        Vector256<float> e = ExpNonPositive(-magnitude, Vector256<float>.Zero);
        Vector256<float> denominator = Vector256.Create(1f) + e;
        Vector256<float> tanhHalf = (Vector256.Create(1f) - e) / denominator;
        return e / (denominator * denominator) * Vector256.MultiplyAddEstimate(-magnitude, tanhHalf, Vector256.Create(2f));
    }

    /// <summary>ELU(x) = x for x &gt; 0, α(eˣ − 1) otherwise; a few ulp.</summary>
    /// <param name="x">The argument.</param>
    /// <param name="alpha">α, the value ELU approaches as x → −∞ (negated).</param>
    public static double Elu(double x, double alpha) => x > 0 ? x : alpha * ExpMinusOne(x);

    /// <summary>ELU′(x) = 1 for x &gt; 0, αeˣ otherwise (α at x = 0, PyTorch's choice); a few ulp.</summary>
    /// <param name="x">The argument.</param>
    /// <param name="alpha">α.</param>
    public static double EluDerivative(double x, double alpha) => x > 0 ? 1.0 : alpha * Math.Exp(x);

    /// <summary>ELU″(x) = 0 for x &gt; 0, αeˣ otherwise; a few ulp.</summary>
    /// <param name="x">The argument.</param>
    /// <param name="alpha">α.</param>
    public static double EluSecondDerivative(double x, double alpha) => x > 0 ? 0.0 : alpha * Math.Exp(x);

    /// <summary>
    /// ELU(x) in single precision: relative error ≤ 2e-7 (tested against <see cref="Elu(double, double)"/> with α = 1;
    /// α multiplies once more). ELU(±0) = ±0. The same operations as the vector forms, so every lane agrees to the bit.
    /// </summary>
    /// <param name="x">The argument.</param>
    /// <param name="alpha">α.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Elu(float x, float alpha) => Elu(Vector128.Create(x), alpha).ToScalar();

    /// <summary>ELU′(x) in single precision: relative error ≤ 2e-7 above <see cref="SingleUnderflowFloor"/>, as <see cref="Elu(float, float)"/>.</summary>
    /// <param name="x">The argument.</param>
    /// <param name="alpha">α.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float EluDerivative(float x, float alpha) => EluDerivative(Vector128.Create(x), alpha).ToScalar();

    /// <summary>ELU″(x) in single precision: relative error ≤ 2e-7 above <see cref="SingleUnderflowFloor"/>, as <see cref="Elu(float, float)"/>.</summary>
    /// <param name="x">The argument.</param>
    /// <param name="alpha">α.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float EluSecondDerivative(float x, float alpha) => EluSecondDerivative(Vector128.Create(x), alpha).ToScalar();

    /// <summary>ELU of each lane, as <see cref="Elu(float, float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="alpha">α.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Elu(Vector128<float> x, float alpha)
    {
        // eˣ − 1 = 2ⁿ q + (2ⁿ − 1) in one rounding: for |x| < ln2/2, n = 0 and it is q itself, accurate next to zero.
        Vector128<float> q = ExpReducedNonPositive(Vector128.Min(x, Vector128<float>.Zero), Vector128<float>.Zero, out Vector128<float> scale);
        Vector128<float> expM1 = Vector128.MultiplyAddEstimate(scale, q, scale - Vector128.Create(1f));
        return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(x, Vector128<float>.Zero), x, Vector128.Create(alpha) * expM1);
    }

    /// <summary>ELU of each lane, as <see cref="Elu(float, float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="alpha">α.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Elu(Vector256<float> x, float alpha)
    {
        Vector256<float> q = ExpReducedNonPositive(Vector256.Min(x, Vector256<float>.Zero), Vector256<float>.Zero, out Vector256<float> scale);
        Vector256<float> expM1 = Vector256.MultiplyAddEstimate(scale, q, scale - Vector256.Create(1f));
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), x, Vector256.Create(alpha) * expM1);
    }

    /// <summary>ELU′ of each lane, as <see cref="EluDerivative(float, float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="alpha">α.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> EluDerivative(Vector128<float> x, float alpha)
    {
        Vector128<float> scaled = Vector128.Create(alpha) * ExpNonPositive(Vector128.Min(x, Vector128<float>.Zero), Vector128<float>.Zero);
        return Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), Vector128.Create(1f), scaled);
    }

    /// <summary>ELU′ of each lane, as <see cref="EluDerivative(float, float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="alpha">α.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> EluDerivative(Vector256<float> x, float alpha)
    {
        Vector256<float> scaled = Vector256.Create(alpha) * ExpNonPositive(Vector256.Min(x, Vector256<float>.Zero), Vector256<float>.Zero);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), Vector256.Create(1f), scaled);
    }

    /// <summary>ELU″ of each lane, as <see cref="EluSecondDerivative(float, float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="alpha">α.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> EluSecondDerivative(Vector128<float> x, float alpha)
    {
        Vector128<float> scaled = Vector128.Create(alpha) * ExpNonPositive(Vector128.Min(x, Vector128<float>.Zero), Vector128<float>.Zero);
        return Vector128.AndNot(scaled, Vector128.GreaterThan(x, Vector128<float>.Zero));
    }

    /// <summary>ELU″ of each lane, as <see cref="EluSecondDerivative(float, float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="alpha">α.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> EluSecondDerivative(Vector256<float> x, float alpha)
    {
        Vector256<float> scaled = Vector256.Create(alpha) * ExpNonPositive(Vector256.Min(x, Vector256<float>.Zero), Vector256<float>.Zero);
        return Vector256.AndNot(scaled, Vector256.GreaterThan(x, Vector256<float>.Zero));
    }

    /// <summary>Softplus(x) = ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^(−|x|)); a few ulp.</summary>
    /// <param name="x">The argument.</param>
    public static double Softplus(double x) => Math.Max(x, 0.0) + LogOnePlus(Math.Exp(-Math.Abs(x)));

    /// <summary>Softplus′(x) = σ(x), the logistic function; a few ulp.</summary>
    /// <param name="x">The argument.</param>
    public static double SoftplusDerivative(double x)
    {
        double e = Math.Exp(-Math.Abs(x));
        return (x < 0 ? e : 1.0) / (1.0 + e);
    }

    /// <summary>Softplus″(x) = σ(x)σ(−x) = e^(−|x|)/(1 + e^(−|x|))²; a few ulp.</summary>
    /// <param name="x">The argument.</param>
    public static double SoftplusSecondDerivative(double x)
    {
        double e = Math.Exp(-Math.Abs(x));
        return e / (1.0 + e) / (1.0 + e);
    }

    /// <summary>
    /// Softplus(x) in single precision: relative error ≤ 4e-7 above <see cref="SingleUnderflowFloor"/> (tested against
    /// <see cref="Softplus(double)"/>). The same operations as the vector forms, so every lane agrees to the bit.
    /// </summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Softplus(float x) => Softplus(Vector128.Create(x)).ToScalar();

    /// <summary>Softplus′(x) = σ(x) in single precision: relative error ≤ 4e-7 above <see cref="SingleUnderflowFloor"/>.</summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SoftplusDerivative(float x) => SoftplusDerivative(Vector128.Create(x)).ToScalar();

    /// <summary>Softplus″(x) = σ(x)σ(−x) in single precision: relative error ≤ 4e-7 above <see cref="SingleUnderflowFloor"/>.</summary>
    /// <param name="x">The argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SoftplusSecondDerivative(float x) => SoftplusSecondDerivative(Vector128.Create(x)).ToScalar();

    /// <summary>Softplus of each lane, as <see cref="Softplus(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Softplus(Vector128<float> x) =>
        Vector128.Max(x, Vector128<float>.Zero) + LogP1(ExpNonPositive(-Vector128.Abs(x), Vector128<float>.Zero));

    /// <summary>Softplus of each lane, as <see cref="Softplus(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Softplus(Vector256<float> x) =>
        Vector256.Max(x, Vector256<float>.Zero) + LogP1(ExpNonPositive(-Vector256.Abs(x), Vector256<float>.Zero));

    /// <summary>Softplus′ = σ of each lane, as <see cref="SoftplusDerivative(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SoftplusDerivative(Vector128<float> x)
    {
        Vector128<float> e = ExpNonPositive(-Vector128.Abs(x), Vector128<float>.Zero);
        return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), e, Vector128.Create(1f)) / (Vector128.Create(1f) + e);
    }

    /// <summary>Softplus′ = σ of each lane, as <see cref="SoftplusDerivative(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SoftplusDerivative(Vector256<float> x)
    {
        Vector256<float> e = ExpNonPositive(-Vector256.Abs(x), Vector256<float>.Zero);
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), e, Vector256.Create(1f)) / (Vector256.Create(1f) + e);
    }

    /// <summary>Softplus″ of each lane, as <see cref="SoftplusSecondDerivative(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SoftplusSecondDerivative(Vector128<float> x)
    {
        Vector128<float> e = ExpNonPositive(-Vector128.Abs(x), Vector128<float>.Zero);
        Vector128<float> denominator = Vector128.Create(1f) + e;
        return e / (denominator * denominator);
    }

    /// <summary>Softplus″ of each lane, as <see cref="SoftplusSecondDerivative(float)"/>.</summary>
    /// <param name="x">The arguments.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SoftplusSecondDerivative(Vector256<float> x)
    {
        Vector256<float> e = ExpNonPositive(-Vector256.Abs(x), Vector256<float>.Zero);
        Vector256<float> denominator = Vector256.Create(1f) + e;
        return e / (denominator * denominator);
    }

    /// <summary>ln(1 + x) of each lane, as <see cref="LogP1(float)"/>.</summary>
    /// <param name="x">The arguments, in [0, 1].</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LogP1(Vector128<float> x)
    {
        Vector128<float> x2 = x * x;
        Vector128<float> x4 = x2 * x2;
        Vector128<float> low = Vector128.MultiplyAddEstimate(
            Vector128.MultiplyAddEstimate(Vector128.Create(LogP1C3), x, Vector128.Create(LogP1C2)),
            x2,
            Vector128.MultiplyAddEstimate(Vector128.Create(LogP1C1), x, Vector128.Create(LogP1C0)));
        Vector128<float> high = Vector128.MultiplyAddEstimate(
            Vector128.MultiplyAddEstimate(Vector128.Create(LogP1C7), x, Vector128.Create(LogP1C6)),
            x2,
            Vector128.MultiplyAddEstimate(Vector128.Create(LogP1C5), x, Vector128.Create(LogP1C4)));
        return x * Vector128.MultiplyAddEstimate(Vector128.MultiplyAddEstimate(Vector128.Create(LogP1C8), x4, high), x4, low);
    }

    // eˣ − 1 to within a few ulp of Math.Exp's accuracy (Kahan): where eˣ rounds, (u − 1)·x/ln u cancels the rounding.
    internal static double ExpMinusOne(double x)
    {
        double u = Math.Exp(x);
        if (u == 1.0)
        {
            return x;
        }

        double um1 = u - 1.0;
        if (um1 == -1.0 || double.IsPositiveInfinity(u))
        {
            return um1;
        }

        return um1 * x / Math.Log(u);
    }

    // ln(1 + x) for x ≥ 0 to within a few ulp of Math.Log's accuracy (Kahan; Goldberg 1991, theorem 4).
    private static double LogOnePlus(double x)
    {
        double u = 1.0 + x;
        return u == 1.0 ? x : Math.Log(u) * x / (u - 1.0);
    }
}
