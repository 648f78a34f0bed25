using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using NetGen.Numerics;
using Xunit;

namespace NetGen.Tests;

/// <summary>The vectorised activations meet their stated accuracy, and every width computes the same value.</summary>
public class VectorMathTests
{
    private static IEnumerable<float> Arguments()
    {
        for (double x = -10; x <= 10; x += 1.0 / 16384)
        {
            yield return (float)x;
        }

        for (double magnitude = 1e-30; magnitude < 10; magnitude *= 1.01)
        {
            yield return (float)magnitude;
            yield return (float)-magnitude;
        }

        foreach (float special in new[] { 0f, -0f, 7.9053111f, 7.9053116f, 8f, 20f, -20f, 88f, -88f, 1e30f, -1e30f, float.MaxValue, float.MinValue })
        {
            yield return special;
        }
    }

    [Fact]
    public void TanhMeetsItsStatedAccuracy()
    {
        double maxAbsolute = 0;
        double maxRelative = 0;
        foreach (float x in Arguments())
        {
            double exact = Math.Tanh(x);
            double error = Math.Abs(VectorMath.Tanh(x) - exact);
            maxAbsolute = Math.Max(maxAbsolute, error);
            if (exact != 0)
            {
                maxRelative = Math.Max(maxRelative, error / Math.Abs(exact));
            }
        }

        Assert.True(maxAbsolute <= VectorMath.TanhMaxAbsoluteError, $"max absolute error {maxAbsolute:E3}");
        Assert.True(maxRelative <= VectorMath.TanhMaxRelativeError, $"max relative error {maxRelative:E3}");
        Assert.InRange(VectorMath.Tanh(100f), 1f - 4e-7f, 1f);
        Assert.InRange(VectorMath.Tanh(float.MinValue), -1f, -1f + 4e-7f);
    }

    [Fact]
    public void SigmoidMeetsItsStatedAccuracy()
    {
        double maxAbsolute = 0;
        foreach (float x in Arguments())
        {
            double exact = 1 / (1 + Math.Exp(-x));
            maxAbsolute = Math.Max(maxAbsolute, Math.Abs(VectorMath.Sigmoid(x) - exact));
        }

        Assert.True(maxAbsolute <= VectorMath.SigmoidMaxAbsoluteError, $"max absolute error {maxAbsolute:E3}");
        Assert.Equal(0.5f, VectorMath.Sigmoid(0f));
    }

    [Fact]
    public void EveryWidthComputesTheSameValues()
    {
        var random = new SeededRandom(1);
        for (int i = 0; i < 10_000; i++)
        {
            var values = new float[8];
            for (int k = 0; k < 8; k++)
            {
                values[k] = (float)(random.NextGaussian() * 4);
            }

            var v256 = Vector256.Create(values);
            var v128 = Vector128.Create(values[0], values[1], values[2], values[3]);
            var tanh256 = VectorMath.Tanh(v256);
            var tanh128 = VectorMath.Tanh(v128);
            var sigmoid256 = VectorMath.Sigmoid(v256);
            var sigmoid128 = VectorMath.Sigmoid(v128);
            for (int k = 0; k < 8; k++)
            {
                Assert.Equal(VectorMath.Tanh(values[k]), tanh256[k]);
                Assert.Equal(VectorMath.Sigmoid(values[k]), sigmoid256[k]);
                if (k < 4)
                {
                    Assert.Equal(VectorMath.Tanh(values[k]), tanh128[k]);
                    Assert.Equal(VectorMath.Sigmoid(values[k]), sigmoid128[k]);
                }
            }
        }
    }

    [Fact]
    public void NaNComesOutOfTanhAndSigmoidAtEveryWidth()
    {
        // The clamp on the polynomial's argument is the hardware min, which drops a NaN; the clamped x must carry it.
        Assert.True(float.IsNaN(VectorMath.Tanh(float.NaN)));
        Assert.True(float.IsNaN(VectorMath.Sigmoid(float.NaN)));
        var input = Vector256.Create(float.NaN, 0.5f, float.NaN, -3f, float.NaN, 40f, float.NaN, -40f);
        var tanh = VectorMath.Tanh(input);
        var sigmoid = VectorMath.Sigmoid(input);
        var tanh128 = VectorMath.Tanh(input.GetLower());
        var sigmoid128 = VectorMath.Sigmoid(input.GetLower());
        for (int lane = 0; lane < 8; lane++)
        {
            bool nan = float.IsNaN(input[lane]);
            Assert.Equal(nan, float.IsNaN(tanh[lane]));
            Assert.Equal(nan, float.IsNaN(sigmoid[lane]));
            if (lane < 4)
            {
                Assert.Equal(nan, float.IsNaN(tanh128[lane]));
                Assert.Equal(nan, float.IsNaN(sigmoid128[lane]));
            }
        }
    }

    [Fact]
    public void HorizontalSumsAddEachVector()
    {
        var vectors = new Vector256<float>[8];
        for (int r = 0; r < 8; r++)
        {
            vectors[r] = Vector256.Create(r + 1f, r + 2f, r + 3f, r + 4f, r + 5f, r + 6f, r + 7f, r + 8f * r);
        }

        var sums = VectorMath.HorizontalSums(vectors[0], vectors[1], vectors[2], vectors[3], vectors[4], vectors[5], vectors[6], vectors[7]);
        var four = VectorMath.HorizontalSums(vectors[0], vectors[1], vectors[2], vectors[3]);
        for (int r = 0; r < 8; r++)
        {
            Assert.Equal(Vector256.Sum(vectors[r]), sums[r]);
            if (r < 4)
            {
                Assert.Equal(Vector256.Sum(vectors[r]), four[r]);
            }
        }
    }

    [Fact]
    public void WideHorizontalSumsAddEachVectorInTheirStatedOrder()
    {
        // Values whose sum depends on the order of the additions, so any other tree gives other bits.
        var random = new SeededRandom(11);
        for (int trial = 0; trial < 200; trial++)
        {
            var vectors = new Vector512<float>[8];
            var expected = new float[8];
            for (int r = 0; r < 8; r++)
            {
                var values = new float[16];
                for (int l = 0; l < 16; l++)
                {
                    values[l] = (float)(random.NextGaussian() * Math.Pow(2, random.NextInt32(24) - 12));
                }

                vectors[r] = Vector512.Create(values);
                var p = new float[8];
                for (int l = 0; l < 8; l++)
                {
                    p[l] = values[l] + values[l + 8];
                }

                expected[r] = ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]));
            }

            var sums = VectorMath.HorizontalSums(vectors[0], vectors[1], vectors[2], vectors[3], vectors[4], vectors[5], vectors[6], vectors[7]);
            for (int r = 0; r < 8; r++)
            {
                Assert.Equal(expected[r], sums[r]);
            }
        }
    }

    [Fact]
    public void MaxAndSumAcrossFillEveryLane()
    {
        var v = Vector256.Create(3f, -1f, 7.5f, 0f, -8f, 7.25f, 2f, 1f);
        Assert.Equal(Vector256.Create(7.5f), VectorMath.MaxAcross(v));
        Assert.Equal(Vector256.Create(11.75f), VectorMath.SumAcross(v));
        var random = new SeededRandom(3);
        for (int i = 0; i < 1000; i++)
        {
            var values = new float[8];
            for (int k = 0; k < 8; k++)
            {
                values[k] = (float)random.NextGaussian();
            }

            var max = VectorMath.MaxAcross(Vector256.Create(values));
            var sum = VectorMath.SumAcross(Vector256.Create(values));
            for (int k = 0; k < 8; k++)
            {
                Assert.Equal(values.Max(), max[k]);
                Assert.Equal(sum[0], sum[k]);
            }

            Assert.Equal(values.Sum(), sum[0], 1e-5);
        }
    }

    [Fact]
    public void PairAndQuadSumsAddInTheStatedOrder()
    {
        // The order shows in single precision: (1e8 + 1) + (−1e8 + 3) is 0 (each pair rounds to ±1e8), while summing in
        // sequence, ((1e8 + 1) − 1e8) + 3, is 3. Generated code relies on the stated order, (v0 + v1) + (v2 + v3).
        var a = Vector128.Create(1f, 2f, 3f, 4f);
        var b = Vector128.Create(10f, 20f, 30f, 40f);
        Assert.Equal(Vector128.Create(3f, 7f, 30f, 70f), VectorMath.PairSums(a, b));
        var tricky = Vector128.Create(1e8f, 1f, -1e8f, 3f);
        float expected = (1e8f + 1f) + (-1e8f + 3f);
        Assert.Equal(0f, expected);
        Assert.Equal(expected, VectorMath.HorizontalSum(tricky));
        var c = Vector128.Create(-1f, 0.5f, 0.25f, 8f);
        Assert.Equal(Vector128.Create(10f, 100f, expected, 7.75f), VectorMath.HorizontalSums(a, b, tricky, c));
    }
}

/// <summary>The polynomial exponential used by generated softmax layers.</summary>
public class VectorExpTests
{
    [Fact]
    public void ExpMeetsItsStatedAccuracyAndEveryWidthAgrees()
    {
        double maxRelative = 0;
        for (double x = -87; x <= 88; x += 1.0 / 4096)
        {
            float f = (float)x;
            double exact = Math.Exp(f);
            maxRelative = Math.Max(maxRelative, Math.Abs(VectorMath.Exp(f) - exact) / exact);
        }

        Assert.True(maxRelative <= VectorMath.ExpMaxRelativeError, $"max relative error {maxRelative:E3}");
        Assert.Equal(1f, VectorMath.Exp(0f));
        Assert.True(VectorMath.Exp(float.NegativeInfinity) < 1e-37f);
        Assert.True(float.IsFinite(VectorMath.Exp(1000f)));

        var random = new SeededRandom(4);
        for (int i = 0; i < 10_000; i++)
        {
            var values = new float[8];
            for (int k = 0; k < 8; k++)
            {
                values[k] = (float)(random.NextGaussian() * 20);
            }

            var vector = VectorMath.Exp(System.Runtime.Intrinsics.Vector256.Create(values));
            for (int k = 0; k < 8; k++)
            {
                Assert.Equal(VectorMath.Exp(values[k]), vector[k]);
            }
        }
    }

    [Fact]
    public void ExpNoOverflowMeetsExpsAccuracyOnItsDomain()
    {
        // The register softmax's exponential: no upper clamp and a fused final scale, so it may differ from Exp in the
        // last bit but not in accuracy; eight arguments at a time as the softmax calls it.
        double maxRelative = 0;
        var values = new float[8];
        for (double x = -87; x + (7 / 4096.0) <= 88; x += 8.0 / 4096)
        {
            for (int k = 0; k < 8; k++)
            {
                values[k] = (float)(x + (k / 4096.0));
            }

            var vector = VectorMath.ExpNoOverflow(System.Runtime.Intrinsics.Vector256.Create(values));
            for (int k = 0; k < 8; k++)
            {
                double exact = Math.Exp(values[k]);
                maxRelative = Math.Max(maxRelative, Math.Abs(vector[k] - exact) / exact);
                float fromExp = VectorMath.Exp(values[k]);
                Assert.True(Math.Abs(BitConverter.SingleToInt32Bits(vector[k]) - BitConverter.SingleToInt32Bits(fromExp)) <= 1, $"e^{values[k]}: {vector[k]} vs Exp's {fromExp}");
            }
        }

        Assert.True(maxRelative <= VectorMath.ExpMaxRelativeError, $"max relative error {maxRelative:E3}");
        var edges = VectorMath.ExpNoOverflow(System.Runtime.Intrinsics.Vector256.Create(0f, float.NegativeInfinity, -1000f, float.NaN, -87.5f, 88f, -0f, 1f));
        Assert.Equal(1f, edges[0]);
        Assert.Equal(VectorMath.Exp(float.NegativeInfinity), edges[1]);
        Assert.Equal(VectorMath.Exp(-1000f), edges[2]);
        Assert.True(float.IsNaN(edges[3]));
        Assert.Equal(VectorMath.Exp(-87.5f), edges[4]);
        Assert.True(float.IsFinite(edges[5]) && Math.Abs(edges[5] - Math.Exp(88)) / Math.Exp(88) <= VectorMath.ExpMaxRelativeError);
        Assert.Equal(1f, edges[6]);
        Assert.Equal((float)Math.E, edges[7], 6);
    }

    [Fact]
    public void InLaneSumsAddNeighboursAndHalves()
    {
        var v = System.Runtime.Intrinsics.Vector256.Create(1f, 2f, 4f, 8f, 16f, 32f, 64f, 128f);
        Assert.Equal(System.Runtime.Intrinsics.Vector256.Create(3f, 3f, 12f, 12f, 48f, 48f, 192f, 192f), VectorMath.SumAdjacentPairs(v));
        Assert.Equal(System.Runtime.Intrinsics.Vector256.Create(15f, 15f, 15f, 15f, 240f, 240f, 240f, 240f), VectorMath.SumWithinHalves(v));
    }
}

/// <summary>The polynomial logarithms used by the generated binary cross-entropy.</summary>
public class VectorLogTests
{
    [Fact]
    public void LogMeetsItsStatedAccuracyOverEveryBinade()
    {
        // Every binade of the normal floats, 4,096 mantissas each, plus the two sides of √½ where the reduction switches.
        double maxRelative = 0;
        float worst = 0;
        for (int exponent = -126; exponent <= 127; exponent++)
        {
            for (int i = 0; i < 4096; i++)
            {
                float x = MathF.ScaleB(1f + (i / 4096f), exponent);
                double exact = Math.Log(x);
                double error = Math.Abs(VectorMath.Log(x) - exact);
                double relative = exact == 0 ? error : error / Math.Abs(exact);
                if (relative > maxRelative)
                {
                    maxRelative = relative;
                    worst = x;
                }
            }
        }

        foreach (float x in new[] { 0.70710677f, 0.7071068f, 1f, 1.0000001f, 0.99999994f, 2f, float.MaxValue, 1.17549435e-38f })
        {
            double exact = Math.Log(x);
            double error = Math.Abs(VectorMath.Log(x) - exact);
            maxRelative = Math.Max(maxRelative, exact == 0 ? error : error / Math.Abs(exact));
        }

        Assert.True(maxRelative <= VectorMath.LogMaxRelativeError, $"max relative error {maxRelative:E3} at {worst:R}: {VectorMath.Log(worst):R}");
        Assert.Equal(0f, VectorMath.Log(1f));
    }

    [Fact]
    public void LogP1MeetsItsStatedAccuracyDownToTinyArguments()
    {
        double maxRelative = 0;
        for (int i = 0; i <= 1 << 16; i++)
        {
            // Uniform on [0, 1] and geometric down to 1e-30, where 1 + x rounds to 1.
            foreach (double x in new[] { i / 65536.0, Math.Pow(10, -30.0 * i / 65536) })
            {
                float f = (float)x;
                double exact = ExactLogP1(f);
                double error = Math.Abs(VectorMath.LogP1(f) - exact);
                maxRelative = Math.Max(maxRelative, exact == 0 ? error : error / exact);
            }
        }

        Assert.True(maxRelative <= VectorMath.LogP1MaxRelativeError, $"max relative error {maxRelative:E3}");
        Assert.Equal(0f, VectorMath.LogP1(0f));
    }

    [Fact]
    public void VectorLogsEqualTheScalarOnesInEveryLane()
    {
        // Random binades and mantissas for ln, [0, 1] and tiny arguments for ln(1 + x), both sides of √½ and 0.
        var random = new SeededRandom(5);
        for (int i = 0; i < 20_000; i++)
        {
            var logArguments = new float[8];
            var log1pArguments = new float[8];
            for (int k = 0; k < 8; k++)
            {
                logArguments[k] = MathF.ScaleB(1f + (float)random.NextDouble(), random.NextInt32(250) - 125);
                log1pArguments[k] = k switch { 0 => 0f, 1 => MathF.Pow(10, -30 * (float)random.NextDouble()), _ => (float)random.NextDouble() };
            }

            logArguments[0] = i % 2 == 0 ? 0.70710677f : 0.7071068f;
            var logs = VectorMath.Log(Vector256.Create(logArguments));
            var log1ps = VectorMath.LogP1(Vector256.Create(log1pArguments));
            for (int k = 0; k < 8; k++)
            {
                Assert.Equal(VectorMath.Log(logArguments[k]), logs[k]);
                Assert.Equal(VectorMath.LogP1(log1pArguments[k]), log1ps[k]);
            }
        }
    }

    // ln(1 + x) in double: its Taylor series where 1 + x would lose digits even in double.
    private static double ExactLogP1(double x) => x < 1e-4 ? x - (x * x / 2) + (x * x * x / 3) : Math.Log(1 + x);
}
