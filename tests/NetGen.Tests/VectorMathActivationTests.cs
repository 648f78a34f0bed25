using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Runtime.Intrinsics;
using NetGen.Numerics;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// GELU, SiLU, ELU, Softplus and erf: the double forms against values computed to 50 digits (Reference/), the float forms
/// against the double forms, every width against the scalar form bit for bit, and the limits at ±0, ±∞ and NaN.
/// </summary>
public class VectorMathActivationTests
{
    private const double SmallestNormal = 2.2250738585072014e-308;

    private static readonly Lazy<double[][]> ReferenceRows = new(ReadReference);

    /// <summary>One function in its three forms, with the scale its error is measured against.</summary>
    /// <param name="Name">The column of the reference table.</param>
    /// <param name="Double">The double form.</param>
    /// <param name="Single">The float form.</param>
    /// <param name="Wide">The Vector256 form.</param>
    /// <param name="Narrow">The Vector128 form.</param>
    /// <param name="Scale">The magnitude errors are relative to: the result, or the sum of its terms' magnitudes.</param>
    /// <param name="SingleBound">The stated bound of the float form.</param>
    public sealed record Function(
        string Name,
        Func<double, double> Double,
        Func<float, float> Single,
        Func<Vector256<float>, Vector256<float>> Wide,
        Func<Vector128<float>, Vector128<float>> Narrow,
        Func<double, double, double> Scale,
        double SingleBound);

    private static readonly Function[] Functions =
    [
        new("erf", VectorMath.Erf, VectorMath.Erf, VectorMath.Erf, VectorMath.Erf, (_, f) => f, VectorMath.ErfMaxRelativeError),
        new("gelu", VectorMath.Gelu, VectorMath.Gelu, VectorMath.Gelu, VectorMath.Gelu, (_, f) => f, VectorMath.GeluMaxRelativeError),
        new("gelu1", VectorMath.GeluDerivative, VectorMath.GeluDerivative, VectorMath.GeluDerivative, VectorMath.GeluDerivative, (x, _) => NormalCdf(x) + (Math.Abs(x) * NormalDensity(x)), VectorMath.GeluMaxRelativeError),
        new("gelu2", VectorMath.GeluSecondDerivative, VectorMath.GeluSecondDerivative, VectorMath.GeluSecondDerivative, VectorMath.GeluSecondDerivative, (_, f) => f, VectorMath.GeluMaxRelativeError),
        new("silu", VectorMath.Silu, VectorMath.Silu, VectorMath.Silu, VectorMath.Silu, (_, f) => f, VectorMath.SiluMaxRelativeError),
        new("silu1", VectorMath.SiluDerivative, VectorMath.SiluDerivative, VectorMath.SiluDerivative, VectorMath.SiluDerivative, (x, _) => Logistic(x) * (1 + (Math.Abs(x) * Logistic(-x))), VectorMath.SiluMaxRelativeError),
        new("silu2", VectorMath.SiluSecondDerivative, VectorMath.SiluSecondDerivative, VectorMath.SiluSecondDerivative, VectorMath.SiluSecondDerivative, (x, _) => Logistic(x) * Logistic(-x) * (2 + (Math.Abs(x) * Math.Tanh(Math.Abs(x) / 2))), VectorMath.SiluMaxRelativeError),
        new("elu", x => VectorMath.Elu(x, 1.0), x => VectorMath.Elu(x, 1f), x => VectorMath.Elu(x, 1f), x => VectorMath.Elu(x, 1f), (_, f) => f, VectorMath.EluMaxRelativeError),
        new("elu1", x => VectorMath.EluDerivative(x, 1.0), x => VectorMath.EluDerivative(x, 1f), x => VectorMath.EluDerivative(x, 1f), x => VectorMath.EluDerivative(x, 1f), (_, f) => f, VectorMath.EluMaxRelativeError),
        new("elu2", x => VectorMath.EluSecondDerivative(x, 1.0), x => VectorMath.EluSecondDerivative(x, 1f), x => VectorMath.EluSecondDerivative(x, 1f), x => VectorMath.EluSecondDerivative(x, 1f), (_, f) => f, VectorMath.EluMaxRelativeError),
        new("softplus", VectorMath.Softplus, VectorMath.Softplus, VectorMath.Softplus, VectorMath.Softplus, (_, f) => f, VectorMath.SoftplusMaxRelativeError),
        new("softplus1", VectorMath.SoftplusDerivative, VectorMath.SoftplusDerivative, VectorMath.SoftplusDerivative, VectorMath.SoftplusDerivative, (_, f) => f, VectorMath.SoftplusMaxRelativeError),
        new("softplus2", VectorMath.SoftplusSecondDerivative, VectorMath.SoftplusSecondDerivative, VectorMath.SoftplusSecondDerivative, VectorMath.SoftplusSecondDerivative, (_, f) => f, VectorMath.SoftplusMaxRelativeError),
    ];

    public static TheoryData<string> FunctionNames() => new(Functions.Select(f => f.Name));

    /// <summary>
    /// Within 6 ulp of the exact value (erf: 2) wherever the result is a normal double, and within 1e-320 where it is
    /// subnormal (the Gaussian factor then loses bits to underflow before the last multiplication).
    /// </summary>
    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void DoubleFormIsWithinAFewUlpOfTheExactFunction(string name)
    {
        var function = Functions.Single(f => f.Name == name);
        double bound = name == "erf" ? 2 : 6;
        string[] header = ReferenceHeader;
        int column = Array.IndexOf(header, name == "elu2" ? "elu1" : name);
        Assert.True(column > 0, $"no column {name}");
        double worst = 0;
        double worstAt = 0;
        int compared = 0;
        foreach (double[] row in ReferenceRows.Value)
        {
            double x = row[0];
            double exact = name == "elu2" && x > 0 ? 0.0 : row[column];
            double computed = function.Double(x);
            double scale = Math.Abs(function.Scale(x, exact));
            double error = Math.Abs(computed - exact);
            if (scale < SmallestNormal)
            {
                Assert.True(error <= 1e-320, $"{name}({x:R}) = {computed:R}, exact {exact:R}");
                continue;
            }

            double ulps = error / Ulp(scale);
            compared++;
            if (!(ulps <= worst))
            {
                worst = ulps;
                worstAt = x;
            }
        }

        Assert.True(compared > 400, $"only {compared} rows compared");
        Assert.True(worst <= bound, $"{name}: {worst} ulp at {worstAt:R}");
    }

    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void SingleFormMeetsItsStatedAccuracy(string name)
    {
        var function = Functions.Single(f => f.Name == name);
        double worst = 0;
        float worstAt = 0;
        foreach (float x in SingleArguments())
        {
            double exact = function.Double(x);
            double computed = function.Single(x);
            double scale = Math.Abs(function.Scale(x, exact));
            double error = Math.Abs(computed - exact);
            if (scale <= VectorMath.SingleUnderflowFloor)
            {
                Assert.True(error <= VectorMath.SingleUnderflowFloor, $"{name}({x:R}) = {computed:R}, double form {exact:R}");
                continue;
            }

            double relative = error / scale;
            if (!(relative <= worst))
            {
                worst = relative;
                worstAt = x;
            }
        }

        Assert.True(worst <= function.SingleBound, $"{name}: relative error {worst:E3} at {worstAt:R}");
    }

    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void EveryWidthComputesTheScalarFormsValueToTheBit(string name)
    {
        var function = Functions.Single(f => f.Name == name);
        var random = new SeededRandom(15);
        float[] specials = [0f, -0f, float.Epsilon, -float.Epsilon, 1e-30f, -1e-30f, 0.75f, -0.75f, 13.25f, -13.25f, 87.33654f, -87.33654f, 88f, -88f, 1e30f, -1e30f, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN];
        var values = new float[8];
        for (int i = 0; i < 20_000; i++)
        {
            for (int k = 0; k < 8; k++)
            {
                values[k] = (k + i) % 5 == 0
                    ? specials[random.NextInt32(specials.Length)]
                    : (float)(random.NextGaussian() * (i % 3 == 0 ? 30 : 4));
            }

            var wide = function.Wide(Vector256.Create(values));
            var narrow = function.Narrow(Vector128.Create(values[0], values[1], values[2], values[3]));
            for (int k = 0; k < 8; k++)
            {
                float scalar = function.Single(values[k]);
                Assert.True(BitConverter.SingleToInt32Bits(scalar) == BitConverter.SingleToInt32Bits(wide[k]) || (float.IsNaN(scalar) && float.IsNaN(wide[k])), $"{name}({values[k]:R}): scalar {scalar:R}, Vector256 {wide[k]:R}");
                if (k < 4)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(scalar) == BitConverter.SingleToInt32Bits(narrow[k]) || (float.IsNaN(scalar) && float.IsNaN(narrow[k])), $"{name}({values[k]:R}): scalar {scalar:R}, Vector128 {narrow[k]:R}");
                }
            }
        }
    }

    [Fact]
    public void KnownValuesComeOut()
    {
        // Φ(1) = 0.841344746068542948…, erf(1) = 0.842700792949714869…, σ(1) = 0.731058578630004879…
        Assert.Equal(0.8413447460685429, VectorMath.Gelu(1.0), 15);
        Assert.Equal(-0.15865525393145705, VectorMath.Gelu(-1.0), 15);
        Assert.Equal(0.8427007929497149, VectorMath.Erf(1.0), 15);
        Assert.Equal(0.7310585786300049, VectorMath.Silu(1.0), 15);
        Assert.Equal(Math.Log(2), VectorMath.Softplus(0.0), 15);
        Assert.Equal(Math.Exp(-1) - 1, VectorMath.Elu(-1.0, 1.0), 15);
        Assert.Equal(0.5, VectorMath.GeluDerivative(0.0));
        Assert.Equal(0.5, VectorMath.SiluDerivative(0.0));
        Assert.Equal(0.5, VectorMath.SoftplusDerivative(0.0));
        Assert.Equal(0.25, VectorMath.SoftplusSecondDerivative(0.0));
        Assert.Equal(0.5, VectorMath.SiluSecondDerivative(0.0));
        Assert.Equal(2 / Math.Sqrt(2 * Math.PI), VectorMath.GeluSecondDerivative(0.0), 15);
        Assert.Equal(0.8413447f, VectorMath.Gelu(1f), 6);
        Assert.Equal(0.8427008f, VectorMath.Erf(1f), 6);
        Assert.Equal(0.6931472f, VectorMath.Softplus(0f), 6);
    }

    [Fact]
    public void EluScalesWithAlphaAndTakesTheNegativeBranchAtZero()
    {
        for (double x = -10; x <= 2; x += 0.125)
        {
            // Halving α halves every negative result exactly (a power of two); 1.7 costs one more rounding.
            Assert.Equal(x > 0 ? x : VectorMath.Elu(x, 1.0) / 2, VectorMath.Elu(x, 0.5), 0);
            Assert.Equal(x > 0 ? (float)x : VectorMath.Elu((float)x, 1f) / 2, VectorMath.Elu((float)x, 0.5f));
            Assert.Equal(x > 0 ? 1 : 1.7 * Math.Exp(x), VectorMath.EluDerivative(x, 1.7), 1e-15);
            double exact = VectorMath.Elu(x, 1.7);
            Assert.True(Math.Abs(VectorMath.Elu((float)x, 1.7f) - exact) <= 2 * VectorMath.EluMaxRelativeError * Math.Abs(exact), $"ELU({x}) with α = 1.7");
        }

        // σ′(0) = α and σ″(0) = α: z = 0 is on the exponential side, as in PyTorch.
        Assert.Equal(1.7, VectorMath.EluDerivative(0.0, 1.7));
        Assert.Equal(1.7, VectorMath.EluSecondDerivative(0.0, 1.7));
        Assert.Equal(1.7f, VectorMath.EluDerivative(0f, 1.7f));
        Assert.Equal(1.7f, VectorMath.EluSecondDerivative(0f, 1.7f));
        Assert.Equal(0.0, VectorMath.EluSecondDerivative(1e-300, 1.7));
        Assert.Equal(0f, VectorMath.EluSecondDerivative(float.Epsilon, 1.7f));
    }

    [Fact]
    public void LimitsAndSpecialValuesComeOutInBothPrecisions()
    {
        // (function, argument, expected) in double; the float forms must give the same. The sign of a zero is checked where
        // the function is odd at zero; elsewhere a limit of 0 may come out as either zero.
        (string Name, double X, double Expected)[] cases =
        [
            ("erf", 0.0, 0.0), ("erf", -0.0, -0.0), ("erf", double.PositiveInfinity, 1), ("erf", double.NegativeInfinity, -1), ("erf", 1e30, 1),
            ("gelu", 0.0, 0.0), ("gelu", -0.0, -0.0), ("gelu", double.PositiveInfinity, double.PositiveInfinity), ("gelu", double.NegativeInfinity, 0), ("gelu", 1e30, 1e30), ("gelu", -1e30, 0),
            ("gelu1", double.PositiveInfinity, 1), ("gelu1", double.NegativeInfinity, 0), ("gelu1", 1e30, 1), ("gelu1", -1e30, 0),
            ("gelu2", double.PositiveInfinity, 0), ("gelu2", double.NegativeInfinity, 0), ("gelu2", -1e30, 0),
            ("silu", 0.0, 0.0), ("silu", -0.0, -0.0), ("silu", double.PositiveInfinity, double.PositiveInfinity), ("silu", double.NegativeInfinity, 0), ("silu", 1e30, 1e30), ("silu", -1e30, 0),
            ("silu1", double.PositiveInfinity, 1), ("silu1", double.NegativeInfinity, 0), ("silu1", 1e30, 1),
            ("silu2", double.PositiveInfinity, 0), ("silu2", double.NegativeInfinity, 0), ("silu2", 1e30, 0),
            ("elu", 0.0, 0.0), ("elu", -0.0, -0.0), ("elu", double.PositiveInfinity, double.PositiveInfinity), ("elu", double.NegativeInfinity, -1), ("elu", -1e30, -1), ("elu", 1e30, 1e30),
            ("elu1", double.PositiveInfinity, 1), ("elu1", double.NegativeInfinity, 0), ("elu2", double.NegativeInfinity, 0), ("elu2", double.PositiveInfinity, 0),
            ("softplus", double.PositiveInfinity, double.PositiveInfinity), ("softplus", double.NegativeInfinity, 0), ("softplus", 1e30, 1e30), ("softplus", -1e30, 0),
            ("softplus1", double.PositiveInfinity, 1), ("softplus1", double.NegativeInfinity, 0),
            ("softplus2", double.PositiveInfinity, 0), ("softplus2", double.NegativeInfinity, 0),
        ];
        foreach (var (name, x, expected) in cases)
        {
            var function = Functions.Single(f => f.Name == name);
            double computed = function.Double(x);
            float single = function.Single((float)x);
            bool signed = x == 0;
            Assert.True(computed == expected && (!signed || double.IsNegative(computed) == double.IsNegative(expected)), $"{name}({x:R}) = {computed:R}, expected {expected:R}");
            Assert.True(single == (float)expected && (!signed || float.IsNegative(single) == double.IsNegative(expected)), $"float {name}({x:R}) = {single:R}, expected {expected:R}");
        }

        // Tiny arguments: the linear terms, to full relative accuracy.
        Assert.Equal(2 / Math.Sqrt(Math.PI) * 1e-300, VectorMath.Erf(1e-300), 1e-315);
        Assert.Equal(0.5e-300, VectorMath.Gelu(1e-300));
        Assert.Equal(0.5e-300, VectorMath.Silu(1e-300));
        Assert.Equal(1e-300, VectorMath.Elu(1e-300, 1.0));
        Assert.Equal(-1e-300, VectorMath.Elu(-1e-300, 1.0));
        Assert.Equal(0.5e-30f, VectorMath.Gelu(1e-30f));
        Assert.Equal(-1e-30f, VectorMath.Elu(-1e-30f, 1f));
        Assert.Equal(1.1283792e-30f, VectorMath.Erf(1e-30f), 1e-36f);

        foreach (var function in Functions)
        {
            Assert.True(double.IsNaN(function.Double(double.NaN)), $"{function.Name}(NaN) in double");
            Assert.True(float.IsNaN(function.Single(float.NaN)), $"{function.Name}(NaN) in float");
        }
    }

    private static double Logistic(double x) => 1 / (1 + Math.Exp(-x));

    private static double NormalDensity(double x) => Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI);

    private static double NormalCdf(double x) => x == 0 ? 0.5 : VectorMath.Gelu(x) / x;

    private static double Ulp(double value) => Math.ScaleB(1.0, Math.Max(Math.ILogB(value) - 52, -1074));

    // Every float in [−20, 20] at a 2⁻¹³ step, ±[20, 100] at 2⁻⁶, a geometric sweep from 1e-38 to 20 of both signs, the
    // branch points and their neighbours, and random points.
    private static IEnumerable<float> SingleArguments()
    {
        for (double x = -20; x <= 20; x += 1.0 / 8192)
        {
            yield return (float)x;
        }

        for (double x = 20; x <= 100; x += 1.0 / 64)
        {
            yield return (float)x;
            yield return (float)-x;
        }

        for (double magnitude = 1e-38; magnitude < 20; magnitude *= 1.003)
        {
            yield return (float)magnitude;
            yield return (float)-magnitude;
        }

        foreach (float point in new[] { 0.75f, 13.25f, 13.2166f, 87.33654f, 88f, 4f, 3.92f, 1.4142135f, 0.34657359f, 0.7517915f, 1.2784646f, 2.3993573f })
        {
            foreach (float x in new[] { point, -point })
            {
                yield return x;
                yield return MathF.BitIncrement(x);
                yield return MathF.BitDecrement(x);
            }
        }

        var random = new SeededRandom(16);
        for (int i = 0; i < 100_000; i++)
        {
            yield return (float)(random.NextGaussian() * 10);
        }
    }

    private static string[] ReferenceHeader => ReadLines().First().Split(',');

    private static IEnumerable<string> ReadLines()
    {
        using var stream = new GZipStream(File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Reference", "activation-reference.csv.gz")), CompressionMode.Decompress);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    private static double[][] ReadReference() =>
        ReadLines().Skip(1).Select(line => line.Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray()).ToArray();
}
