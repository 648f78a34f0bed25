using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Numerics;
using Xunit;
using FloatPath = NetGen.Numerics.QuantizedKernels.FloatPath;
using IntegerPath = NetGen.Numerics.QuantizedKernels.IntegerPath;

namespace NetGen.Tests.Inference;

/// <summary>
/// The quantization rules and every path of the compressed-weight kernels, each called explicitly, so all of them run on
/// every host that can run them: the vector paths give exactly the scalar path's bits, and the sums are right.
/// </summary>
public class QuantizedKernelTests
{
    public static TheoryData<int, int> Shapes => new()
    {
        { 1, 1 }, { 3, 7 }, { 4, 16 }, { 5, 17 }, { 8, 32 }, { 9, 33 }, { 13, 64 }, { 16, 100 }, { 24, 784 }, { 10, 128 }, { 7, 255 },
    };

    /// <summary>The float paths this host can run (the scalar one always).</summary>
    internal static IEnumerable<FloatPath> FloatPaths()
    {
        yield return FloatPath.Scalar;
        if (Avx2.IsSupported && Fma.IsSupported)
        {
            yield return FloatPath.Vector256;
        }

        if (Avx512F.IsSupported)
        {
            yield return FloatPath.Vector512;
        }
    }

    /// <summary>The integer paths this host can run.</summary>
    internal static IEnumerable<IntegerPath> IntegerPaths()
    {
        yield return IntegerPath.Scalar;
        if (Avx2.IsSupported)
        {
            yield return IntegerPath.Avx2;
        }

        if (Avx512BW.IsSupported)
        {
            yield return IntegerPath.Avx512;
        }

        if (AvxVnni.IsSupported)
        {
            yield return IntegerPath.AvxVnni;
        }
    }

    [Fact]
    public void Int8RowsRoundToTheNearestStepTiesToEven()
    {
        // s = 1/127: 1 → 127, −0.5 → −63.5 → −64 (even), 0.25 → 31.75 → 32, 3.5/127 → 3.5 → 4 (even), 2.5/127 → 2.
        var q = new sbyte[5];
        float scale = WeightQuantization.QuantizeInt8Row([1f, -0.5f, 0.25f, 3.5f / 127f, 2.5f / 127f], q);
        Assert.Equal(1f / 127f, scale);
        Assert.Equal(new sbyte[] { 127, -64, 32, 4, 2 }, q);

        // The largest magnitude is always ±127, whatever its sign; an all-zero row has scale 1 and stays zero.
        Assert.Equal(0.25f / 127f, WeightQuantization.QuantizeInt8Row([-0.25f, 0.125f], q.AsSpan(0, 2)));
        Assert.Equal(new sbyte[] { -127, 64 }, q[..2]);
        Assert.Equal(1f, WeightQuantization.QuantizeInt8Row([0f, -0f, 0f], q.AsSpan(0, 3)));
        Assert.Equal(new sbyte[] { 0, 0, 0 }, q[..3]);
    }

    [Fact]
    public void Int8RowsAreWithinHalfAStepOfTheWeights()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 200; trial++)
        {
            var row = Enumerable.Range(0, 1 + random.Next(300)).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 4)))).ToArray();
            var q = new sbyte[row.Length];
            float scale = WeightQuantization.QuantizeInt8Row(row, q);
            Assert.Equal(127, q.Max(v => Math.Abs((int)v)));
            for (int k = 0; k < row.Length; k++)
            {
                Assert.True(Math.Abs(row[k] - (scale * (double)q[k])) <= (scale * 0.5000001) + 1e-45, $"trial {trial}, weight {k}: {row[k]} against {q[k]} × {scale}");
            }
        }
    }

    [Theory]
    [InlineData(0x3F80_0000u, (ushort)0x3F80)] // 1 exactly
    [InlineData(0x3F80_7FFFu, (ushort)0x3F80)] // below half: down
    [InlineData(0x3F80_8000u, (ushort)0x3F80)] // half, to even (0x3F80 is even)
    [InlineData(0x3F81_8000u, (ushort)0x3F82)] // half, to even (up)
    [InlineData(0x3F80_8001u, (ushort)0x3F81)] // above half: up
    [InlineData(0xBF80_C000u, (ushort)0xBF81)] // negative, magnitude rounds up
    [InlineData(0x7F7F_FFFFu, (ushort)0x7F80)] // the largest float rounds to infinity
    [InlineData(0x0000_8000u, (ushort)0x0000)] // subnormal tie to even zero
    [InlineData(0x7FC0_0001u, (ushort)0x7FC0)] // NaN stays NaN
    [InlineData(0x7F80_0001u, (ushort)0x7FC0)] // signalling NaN whose payload is all in the low half: still NaN
    public void BFloat16RoundsToNearestTiesToEven(uint single, ushort expected)
    {
        Assert.Equal(expected, WeightQuantization.ToBFloat16(single));
        Assert.Equal((uint)expected << 16, WeightQuantization.FromBFloat16(expected));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryFloatPathGivesTheScalarPathsBitsAndTheRightSums(int rows, int n)
    {
        var random = new Random((rows * 1000) + n);
        var x = RandomFloats(random, n);
        var b = RandomFloats(random, rows);
        var w = RandomFloats(random, rows * n);
        var q = new sbyte[rows * n];
        var scales = new float[rows];
        for (int j = 0; j < rows; j++)
        {
            scales[j] = WeightQuantization.QuantizeInt8Row(w.AsSpan(j * n, n), q.AsSpan(j * n, n));
        }

        var bf = w.Select(v => WeightQuantization.ToBFloat16(BitConverter.SingleToUInt32Bits(v))).ToArray();
        var expectedInt8 = Reference(rows, n, k => q[k] * (double)scales[k / n], x, b);
        var expectedBf16 = Reference(rows, n, k => BitConverter.UInt32BitsToSingle((uint)bf[k] << 16), x, b);
        var expectedFloat = Reference(rows, n, k => w[k], x, b);

        float[]? scalarInt8 = null, scalarBf16 = null, scalarFloat = null;
        foreach (var path in FloatPaths())
        {
            var zInt8 = new float[rows];
            var zBf16 = new float[rows];
            var zFloat = new float[rows];
            QuantizedKernels.DenseInt8(q, scales, b, x, zInt8, path);
            QuantizedKernels.DenseBFloat16(bf, b, x, zBf16, path);
            QuantizedKernels.DenseFloat(w, b, x, zFloat, path);
            scalarInt8 ??= zInt8;
            scalarBf16 ??= zBf16;
            scalarFloat ??= zFloat;
            Assert.True(scalarInt8.AsSpan().SequenceEqual(zInt8), $"int8 {path}");
            Assert.True(scalarBf16.AsSpan().SequenceEqual(zBf16), $"bf16 {path}");
            Assert.True(scalarFloat.AsSpan().SequenceEqual(zFloat), $"float {path}");
            AssertClose(expectedInt8, zInt8, n, $"int8 {path}");
            AssertClose(expectedBf16, zBf16, n, $"bf16 {path}");
            AssertClose(expectedFloat, zFloat, n, $"float {path}");
        }

        // The public entry points take this host's default path.
        var viaDefault = new float[rows];
        QuantizedKernels.DenseInt8(q, scales, b, x, viaDefault);
        Assert.True(scalarInt8!.AsSpan().SequenceEqual(viaDefault));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryIntegerPathComputesTheExactSums(int rows, int n)
    {
        var random = new Random((rows * 7919) + n);
        var q = Enumerable.Range(0, rows * n).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        var u = Enumerable.Range(0, n).Select(_ => (byte)random.Next(0, 256)).ToArray();
        // The extremes, where a 16-bit pairwise sum (vpmaddubsw) would saturate.
        q[0] = 127;
        u[0] = 255;
        if (n > 1)
        {
            q[1] = 127;
            u[1] = 255;
        }

        int zeroPoint = random.Next(0, 256);
        var rowSums = Enumerable.Range(0, rows).Select(j => q.Skip(j * n).Take(n).Sum(v => v)).ToArray();
        var c = RandomFloats(random, rows);
        var b = RandomFloats(random, rows);
        var expected = new float[rows];
        for (int j = 0; j < rows; j++)
        {
            long sum = 0;
            for (int k = 0; k < n; k++)
            {
                sum += q[(j * n) + k] * (long)(u[k] - zeroPoint);
            }

            float scaled = sum * c[j];
            expected[j] = scaled + b[j];
        }

        foreach (var path in IntegerPaths())
        {
            var z = new float[rows];
            QuantizedKernels.DenseInt8Activations(q, rowSums, c, b, u, zeroPoint, z, path);
            Assert.True(expected.AsSpan().SequenceEqual(z), $"{path}: [{string.Join(", ", z)}] against [{string.Join(", ", expected)}]");
        }
    }

    [Fact]
    public void ActivationsQuantizeAsOnnxQuantizeLinear()
    {
        // Ties to even around the zero point, clamping at both ends, the vector body (32 at a time) and the tail alike.
        const float scale = 0.5f;
        const int zeroPoint = 10;
        var values = new float[77];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (i - 30) * 0.25f; // multiples of half a step: every other one a tie
        }

        values[3] = 1e30f;
        values[40] = -1e30f;
        values[50] = 127f;
        var quantized = new byte[values.Length];
        QuantizedKernels.QuantizeActivations(values, scale, zeroPoint, quantized);
        for (int i = 0; i < values.Length; i++)
        {
            double exact = Math.Round(values[i] / (double)scale, MidpointRounding.ToEven) + zeroPoint;
            Assert.Equal((byte)Math.Clamp(exact, 0, 255), quantized[i]);
            Assert.Equal(quantized[i], QuantizedKernels.QuantizeActivation(values[i], scale, zeroPoint));
        }
    }

    [Fact]
    public void KernelsRejectSpansThatDoNotFit()
    {
        var x = new float[4];
        var z = new float[2];
        Assert.Throws<ArgumentException>("weights", () => QuantizedKernels.DenseInt8(new sbyte[7], new float[2], new float[2], x, z));
        Assert.Throws<ArgumentException>("scales", () => QuantizedKernels.DenseInt8(new sbyte[8], new float[3], new float[2], x, z));
        Assert.Throws<ArgumentException>("biases", () => QuantizedKernels.DenseBFloat16(new ushort[8], new float[1], x, z));
        Assert.Throws<ArgumentException>("quantized", () => QuantizedKernels.QuantizeActivations(x, 1f, 0, new byte[3]));
        var tooWide = new byte[QuantizedKernels.MaxInt8ActivationInputs + 1];
        var error = Assert.Throws<ArgumentException>("x", () => QuantizedKernels.DenseInt8Activations(new sbyte[tooWide.Length], [0], [1f], [0f], tooWide, 0, new float[1]));
        Assert.Contains("65536", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThisHostTakesItsWidestPath()
    {
        // The environment of the second run (QuantizedPathsTests) turns AVX-512 and AVX-VNNI off; this checks each run
        // takes what its CPU offers, so both runs together cover both kinds of host.
        var expectedFloat = Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? FloatPath.Vector512
            : Avx2.IsSupported && Fma.IsSupported ? FloatPath.Vector256 : FloatPath.Scalar;
        var expectedInteger = AvxVnni.IsSupported ? IntegerPath.AvxVnni
            : Vector512.IsHardwareAccelerated && Avx512BW.IsSupported ? IntegerPath.Avx512
            : Avx2.IsSupported ? IntegerPath.Avx2 : IntegerPath.Scalar;
        Assert.Equal(expectedFloat, QuantizedKernels.DefaultFloatPath);
        Assert.Equal(expectedInteger, QuantizedKernels.DefaultIntegerPath);
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
        {
            Assert.NotEqual(FloatPath.Vector512, QuantizedKernels.DefaultFloatPath);
            Assert.NotEqual(IntegerPath.Avx512, QuantizedKernels.DefaultIntegerPath);
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVXVNNI") == "0")
        {
            Assert.NotEqual(IntegerPath.AvxVnni, QuantizedKernels.DefaultIntegerPath);
        }
    }

    internal static float[] RandomFloats(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();

    private static double[] Reference(int rows, int n, Func<int, double> weight, float[] x, float[] b)
    {
        var z = new double[rows];
        for (int j = 0; j < rows; j++)
        {
            double sum = 0;
            for (int k = 0; k < n; k++)
            {
                sum += weight((j * n) + k) * x[k];
            }

            z[j] = sum + b[j];
        }

        return z;
    }

    // Single-precision sums of n products of magnitude ≤ 1 (inputs and weights in [−1, 1]) are within n · 2⁻²³ or so.
    private static void AssertClose(double[] expected, float[] actual, int n, string what)
    {
        for (int j = 0; j < expected.Length; j++)
        {
            Assert.True(Math.Abs(expected[j] - actual[j]) <= 1e-6 * (n + 1), $"{what}, row {j}: {actual[j]} against {expected[j]}");
        }
    }
}
