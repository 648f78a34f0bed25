using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Numerics;

/// <summary>
/// The dense-layer kernels of compressed-weight inference, shared by <see cref="QuantizedNetwork"/> and generated networks
/// declared with <c>InferenceWeights</c>: z = W x + b for one sample, with W in int8 (one scale per row), bfloat16 or
/// float and x in float (weight-only formats), or W in int8 and x in unsigned 8-bit (full int8). Public because
/// generated code in user assemblies calls it; not meant to be called directly.
/// </summary>
/// <remarks>
/// <para>
/// Each kernel has several paths, chosen once per process from what the CPU offers (the choice is a static readonly
/// field, a constant to the JIT): 512-bit vectors where <see cref="Vector512.IsHardwareAccelerated"/>, 256-bit AVX2
/// where not, and scalar code elsewhere; the integer dot products use AVX-VNNI where the CPU has it. Every path of a
/// kernel gives the same bits. The weight-only kernels add each row's products in one fixed order whatever the vector
/// width: sixteen running sums (element k goes to sum k mod 16, by fused multiply-add), the upper eight added to the lower
/// eight, those eight summed as ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)), then the last n mod 16 products one by
/// one. The integer kernels are exact.
/// </para>
/// <para>
/// The paths are all tested on every host (<c>QuantizedKernelTests</c> calls each explicitly); a process started with
/// <c>DOTNET_EnableAVX512=0</c> and <c>DOTNET_EnableAVXVNNI=0</c> takes the AVX2 paths by itself.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class QuantizedKernels
{
    /// <summary>
    /// The most inputs a full-int8 layer may have: its integer sums stay below 2³¹ (n · 255 · 127 &lt; 2³¹), so the
    /// 32-bit accumulators of every path cannot overflow.
    /// </summary>
    public const int MaxInt8ActivationInputs = 65_536;

    /// <summary>The code paths of the weight-only kernels.</summary>
    internal enum FloatPath
    {
        /// <summary>Scalar code in the same order as the vector paths.</summary>
        Scalar,

        /// <summary>AVX2 and FMA: four rows at a time, two 8-lane sums per row.</summary>
        Vector256,

        /// <summary>AVX-512: eight rows at a time, one 16-lane sum per row.</summary>
        Vector512,
    }

    /// <summary>The code paths of the full-int8 kernel.</summary>
    internal enum IntegerPath
    {
        /// <summary>Scalar code.</summary>
        Scalar,

        /// <summary>AVX2: bytes widened to 16 bits, pairs multiplied and added (vpmaddwd).</summary>
        Avx2,

        /// <summary>AVX-512BW: as AVX2, 32 bytes at a time.</summary>
        Avx512,

        /// <summary>AVX-VNNI: 32 unsigned × signed byte products summed four at a time into 32-bit lanes (vpdpbusd).</summary>
        AvxVnni,
    }

    /// <summary>The weight-only path this process takes.</summary>
    internal static readonly FloatPath DefaultFloatPath =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? FloatPath.Vector512
        : Avx2.IsSupported && Fma.IsSupported ? FloatPath.Vector256
        : FloatPath.Scalar;

    /// <summary>The full-int8 path this process takes.</summary>
    internal static readonly IntegerPath DefaultIntegerPath =
        AvxVnni.IsSupported ? IntegerPath.AvxVnni
        : Vector512.IsHardwareAccelerated && Avx512BW.IsSupported ? IntegerPath.Avx512
        : Avx2.IsSupported ? IntegerPath.Avx2
        : IntegerPath.Scalar;

    /// <summary>A description of the paths this process takes, e.g. for a benchmark's log.</summary>
    public static string DescribePaths() =>
        $"weight-only kernels: {DefaultFloatPath}; full-int8 kernel: {DefaultIntegerPath}";

    /// <summary>
    /// z_j = s_j · Σ_k q[j, k] x_k + b_j for a row-major int8 W of <c>z.Length</c> rows and <c>x.Length</c> columns.
    /// </summary>
    /// <param name="weights">W, rows × columns int8 values.</param>
    /// <param name="scales">The row scales s, one per row.</param>
    /// <param name="biases">b, one per row.</param>
    /// <param name="x">The layer's input.</param>
    /// <param name="z">Receives the weighted inputs; must not overlap <paramref name="x"/>.</param>
    public static void DenseInt8(ReadOnlySpan<sbyte> weights, ReadOnlySpan<float> scales, ReadOnlySpan<float> biases, ReadOnlySpan<float> x, Span<float> z) =>
        DenseInt8(weights, scales, biases, x, z, DefaultFloatPath);

    /// <summary>z_j = Σ_k W[j, k] x_k + b_j for a row-major bfloat16 W (the upper halves of floats).</summary>
    /// <param name="weights">W, rows × columns bfloat16 bit patterns.</param>
    /// <param name="biases">b, one per row.</param>
    /// <param name="x">The layer's input.</param>
    /// <param name="z">Receives the weighted inputs; must not overlap <paramref name="x"/>.</param>
    public static void DenseBFloat16(ReadOnlySpan<ushort> weights, ReadOnlySpan<float> biases, ReadOnlySpan<float> x, Span<float> z) =>
        DenseBFloat16(weights, biases, x, z, DefaultFloatPath);

    /// <summary>z_j = Σ_k W[j, k] x_k + b_j for a row-major float W, in the same order as the compressed formats.</summary>
    /// <param name="weights">W, rows × columns.</param>
    /// <param name="biases">b, one per row.</param>
    /// <param name="x">The layer's input.</param>
    /// <param name="z">Receives the weighted inputs; must not overlap <paramref name="x"/>.</param>
    public static void DenseFloat(ReadOnlySpan<float> weights, ReadOnlySpan<float> biases, ReadOnlySpan<float> x, Span<float> z) =>
        DenseFloat(weights, biases, x, z, DefaultFloatPath);

    /// <summary>
    /// Quantizes activations to unsigned bytes with a per-tensor scale and zero point, as ONNX's QuantizeLinear does:
    /// u = clamp(round(v / scale) + zeroPoint, 0, 255), rounding ties to even.
    /// </summary>
    /// <param name="values">The activations.</param>
    /// <param name="scale">The scale, positive.</param>
    /// <param name="zeroPoint">The byte that stands for 0, in [0, 255].</param>
    /// <param name="quantized">Receives one byte per activation.</param>
    public static void QuantizeActivations(ReadOnlySpan<float> values, float scale, int zeroPoint, Span<byte> quantized)
    {
        CheckLength(quantized.Length, values.Length, nameof(quantized));
        int k = 0;
        fixed (float* v = values)
        fixed (byte* q = quantized)
        {
            if (Vector256.IsHardwareAccelerated)
            {
                // Clamped while still float, so no value is large enough to overflow the conversion.
                var divisor = Vector256.Create(scale);
                var zero = Vector256.Create((float)zeroPoint);
                var low = Vector256<float>.Zero;
                var high = Vector256.Create(255f);
                for (; k + 32 <= values.Length; k += 32)
                {
                    var a = Vector256.ConvertToInt32(Vector256.Clamp(Vector256.Round(Vector256.Load(v + k) / divisor) + zero, low, high));
                    var b = Vector256.ConvertToInt32(Vector256.Clamp(Vector256.Round(Vector256.Load(v + k + 8) / divisor) + zero, low, high));
                    var c = Vector256.ConvertToInt32(Vector256.Clamp(Vector256.Round(Vector256.Load(v + k + 16) / divisor) + zero, low, high));
                    var d = Vector256.ConvertToInt32(Vector256.Clamp(Vector256.Round(Vector256.Load(v + k + 24) / divisor) + zero, low, high));
                    Vector256.Narrow(Vector256.Narrow(a, b).AsUInt16(), Vector256.Narrow(c, d).AsUInt16()).Store(q + k);
                }
            }

            for (; k < values.Length; k++)
            {
                q[k] = QuantizeActivation(v[k], scale, zeroPoint);
            }
        }
    }

    /// <summary>One activation quantized by the rule of <see cref="QuantizeActivations"/>.</summary>
    /// <param name="value">The activation.</param>
    /// <param name="scale">The scale, positive.</param>
    /// <param name="zeroPoint">The byte that stands for 0.</param>
    /// <returns>The byte.</returns>
    public static byte QuantizeActivation(float value, float scale, int zeroPoint) =>
        (byte)Math.Clamp(MathF.Round(value / scale, MidpointRounding.ToEven) + zeroPoint, 0f, 255f);

    /// <summary>
    /// Full int8: z_j = c_j · (Σ_k q[j, k] u_k − zeroPoint · Σ_k q[j, k]) + b_j, the integer sum exact, for a row-major
    /// int8 W and an input quantized to bytes u with the given zero point.
    /// </summary>
    /// <param name="weights">W, rows × columns int8 values.</param>
    /// <param name="weightRowSums">Σ_k q[j, k] for each row.</param>
    /// <param name="outputScales">c_j = (input scale) · s_j for each row.</param>
    /// <param name="biases">b, one per row.</param>
    /// <param name="x">The quantized input, at most <see cref="MaxInt8ActivationInputs"/> bytes.</param>
    /// <param name="zeroPoint">The input's zero point.</param>
    /// <param name="z">Receives the weighted inputs.</param>
    public static void DenseInt8Activations(
        ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> weightRowSums, ReadOnlySpan<float> outputScales, ReadOnlySpan<float> biases,
        ReadOnlySpan<byte> x, int zeroPoint, Span<float> z) =>
        DenseInt8Activations(weights, weightRowSums, outputScales, biases, x, zeroPoint, z, DefaultIntegerPath);

    /// <summary>
    /// Quantizes a row-major W to int8 by <see cref="WeightFormat.Int8"/>'s rule: one scale per row (what generated
    /// networks with <c>InferenceWeights = WeightFormat.Int8</c> do when their parameters change).
    /// </summary>
    /// <param name="weights">W, rows × <paramref name="columns"/> finite floats.</param>
    /// <param name="columns">The row length.</param>
    /// <param name="quantized">Receives the int8 weights.</param>
    /// <param name="scales">Receives one scale per row.</param>
    public static void QuantizeInt8Rows(ReadOnlySpan<float> weights, int columns, Span<sbyte> quantized, Span<float> scales)
    {
        CheckShape(weights.Length, columns, scales.Length);
        CheckLength(quantized.Length, weights.Length, nameof(quantized));
        for (int j = 0; j < scales.Length; j++)
        {
            scales[j] = WeightQuantization.QuantizeInt8Row(weights.Slice(j * columns, columns), quantized.Slice(j * columns, columns));
        }
    }

    /// <summary>
    /// The float weights and row scales of baked int8 rows, given each row's largest magnitude: weights that quantize back
    /// to exactly these int8 weights and scales (see <c>WeightQuantization.DequantizeInt8Row</c>).
    /// </summary>
    /// <param name="quantized">The int8 weights, rows × <paramref name="columns"/>.</param>
    /// <param name="rowMaxima">Each row's largest |w|.</param>
    /// <param name="columns">The row length.</param>
    /// <param name="weights">Receives the float weights.</param>
    /// <param name="scales">Receives one scale per row.</param>
    public static void DequantizeInt8Rows(ReadOnlySpan<sbyte> quantized, ReadOnlySpan<float> rowMaxima, int columns, Span<float> weights, Span<float> scales)
    {
        CheckShape(quantized.Length, columns, rowMaxima.Length);
        CheckLength(weights.Length, quantized.Length, nameof(weights));
        CheckLength(scales.Length, rowMaxima.Length, nameof(scales));
        for (int j = 0; j < rowMaxima.Length; j++)
        {
            WeightQuantization.DequantizeInt8Row(quantized.Slice(j * columns, columns), rowMaxima[j], weights.Slice(j * columns, columns));
            scales[j] = WeightQuantization.Int8Scale(rowMaxima[j]);
        }
    }

    /// <summary>The row scales of int8 rows with the given largest magnitudes: largest / 127 (1 for an all-zero row).</summary>
    /// <param name="rowMaxima">Each row's largest |w|.</param>
    /// <param name="scales">Receives one scale per row.</param>
    public static void Int8Scales(ReadOnlySpan<float> rowMaxima, Span<float> scales)
    {
        CheckLength(scales.Length, rowMaxima.Length, nameof(scales));
        for (int j = 0; j < rowMaxima.Length; j++)
        {
            scales[j] = WeightQuantization.Int8Scale(rowMaxima[j]);
        }
    }

    /// <summary>Rounds weights to bfloat16, to nearest with ties to even (<see cref="WeightFormat.BFloat16"/>).</summary>
    /// <param name="weights">The float weights.</param>
    /// <param name="bfloat16">Receives their bfloat16 bit patterns.</param>
    public static void QuantizeBFloat16(ReadOnlySpan<float> weights, Span<ushort> bfloat16)
    {
        CheckLength(bfloat16.Length, weights.Length, nameof(bfloat16));
        for (int i = 0; i < weights.Length; i++)
        {
            bfloat16[i] = WeightQuantization.ToBFloat16(BitConverter.SingleToUInt32Bits(weights[i]));
        }
    }

    /// <summary>The floats bfloat16 bit patterns stand for (exact).</summary>
    /// <param name="bfloat16">The bit patterns.</param>
    /// <param name="weights">Receives the floats.</param>
    public static void DequantizeBFloat16(ReadOnlySpan<ushort> bfloat16, Span<float> weights)
    {
        CheckLength(weights.Length, bfloat16.Length, nameof(weights));
        for (int i = 0; i < bfloat16.Length; i++)
        {
            weights[i] = BitConverter.UInt32BitsToSingle(WeightQuantization.FromBFloat16(bfloat16[i]));
        }
    }

    internal static void DenseInt8(ReadOnlySpan<sbyte> weights, ReadOnlySpan<float> scales, ReadOnlySpan<float> biases, ReadOnlySpan<float> x, Span<float> z, FloatPath path)
    {
        CheckShape(weights.Length, x.Length, z.Length);
        CheckLength(scales.Length, z.Length, nameof(scales));
        CheckLength(biases.Length, z.Length, nameof(biases));
        fixed (sbyte* w = weights)
        fixed (float* xp = x)
        fixed (float* zp = z)
        {
            RowSums<Int8Weights, sbyte>(w, xp, zp, z.Length, x.Length, path);
        }

        AddBias(z, biases, scales);
    }

    internal static void DenseBFloat16(ReadOnlySpan<ushort> weights, ReadOnlySpan<float> biases, ReadOnlySpan<float> x, Span<float> z, FloatPath path)
    {
        CheckShape(weights.Length, x.Length, z.Length);
        CheckLength(biases.Length, z.Length, nameof(biases));
        fixed (ushort* w = weights)
        fixed (float* xp = x)
        fixed (float* zp = z)
        {
            RowSums<BFloat16Weights, ushort>(w, xp, zp, z.Length, x.Length, path);
        }

        AddBias(z, biases, default);
    }

    internal static void DenseFloat(ReadOnlySpan<float> weights, ReadOnlySpan<float> biases, ReadOnlySpan<float> x, Span<float> z, FloatPath path)
    {
        CheckShape(weights.Length, x.Length, z.Length);
        CheckLength(biases.Length, z.Length, nameof(biases));
        fixed (float* w = weights)
        fixed (float* xp = x)
        fixed (float* zp = z)
        {
            RowSums<FloatWeights, float>(w, xp, zp, z.Length, x.Length, path);
        }

        AddBias(z, biases, default);
    }

    internal static void DenseInt8Activations(
        ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> weightRowSums, ReadOnlySpan<float> outputScales, ReadOnlySpan<float> biases,
        ReadOnlySpan<byte> x, int zeroPoint, Span<float> z, IntegerPath path)
    {
        CheckShape(weights.Length, x.Length, z.Length);
        CheckLength(weightRowSums.Length, z.Length, nameof(weightRowSums));
        CheckLength(outputScales.Length, z.Length, nameof(outputScales));
        CheckLength(biases.Length, z.Length, nameof(biases));
        if (x.Length > MaxInt8ActivationInputs)
        {
            throw new ArgumentException($"x has {x.Length} elements; a full-int8 layer takes at most {MaxInt8ActivationInputs} inputs, so that its 32-bit sums cannot overflow.", nameof(x));
        }

        int rows = z.Length;
        int n = x.Length;
        fixed (sbyte* w = weights)
        fixed (byte* u = x)
        fixed (int* sums = weightRowSums)
        fixed (float* c = outputScales)
        fixed (float* b = biases)
        fixed (float* zp = z)
        {
            int j = 0;
            if (path == IntegerPath.AvxVnni)
            {
                for (; j + 8 <= rows; j += 8)
                {
                    StoreRows8(VnniRows8(w + ((nint)j * n), u, n), sums + j, c + j, b + j, zeroPoint, zp + j);
                }
            }
            else if (path == IntegerPath.Avx512)
            {
                for (; j + 8 <= rows; j += 8)
                {
                    StoreRows8(Avx512Rows8(w + ((nint)j * n), u, n), sums + j, c + j, b + j, zeroPoint, zp + j);
                }
            }
            else if (path == IntegerPath.Avx2)
            {
                for (; j + 8 <= rows; j += 8)
                {
                    StoreRows8(Avx2Rows8(w + ((nint)j * n), u, n), sums + j, c + j, b + j, zeroPoint, zp + j);
                }
            }

            for (; j < rows; j++)
            {
                int dot = path == IntegerPath.Scalar || !Avx2.IsSupported ? IntegerTail(w + ((nint)j * n), u, 0, n) : Avx2Row(w + ((nint)j * n), u, n);
                zp[j] = Dequantize(dot - (zeroPoint * sums[j]), c[j], b[j]);
            }
        }
    }

    // (float)(integer sum) · c + b, multiplied and added separately (no fused multiply-add), as ONNX's Cast, Mul and Add.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dequantize(int sum, float scale, float bias)
    {
        float scaled = sum * scale;
        return scaled + bias;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows8(Vector256<int> dots, int* sums, float* scales, float* biases, int zeroPoint, float* z)
    {
        var centred = dots - (Vector256.Create(zeroPoint) * Vector256.Load(sums));
        var scaled = Vector256.ConvertToSingle(centred) * Vector256.Load(scales);
        (scaled + Vector256.Load(biases)).Store(z);
    }

    private static int IntegerTail(sbyte* w, byte* u, int start, int n)
    {
        int sum = 0;
        for (int k = start; k < n; k++)
        {
            sum += w[k] * u[k];
        }

        return sum;
    }

    // Eight rows: [Σ_k w_r[k] u[k]] for r = 0..7.
    private static Vector256<int> VnniRows8(sbyte* w, byte* u, int n)
    {
        Vector256<int> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        int k = 0;
        for (; k + 32 <= n; k += 32)
        {
            var xv = Vector256.Load(u + k);
            s0 = AvxVnni.MultiplyWideningAndAdd(s0, xv, Vector256.Load(w + k));
            s1 = AvxVnni.MultiplyWideningAndAdd(s1, xv, Vector256.Load(w + n + k));
            s2 = AvxVnni.MultiplyWideningAndAdd(s2, xv, Vector256.Load(w + (2 * n) + k));
            s3 = AvxVnni.MultiplyWideningAndAdd(s3, xv, Vector256.Load(w + (3 * n) + k));
            s4 = AvxVnni.MultiplyWideningAndAdd(s4, xv, Vector256.Load(w + (4 * n) + k));
            s5 = AvxVnni.MultiplyWideningAndAdd(s5, xv, Vector256.Load(w + (5 * n) + k));
            s6 = AvxVnni.MultiplyWideningAndAdd(s6, xv, Vector256.Load(w + (6 * n) + k));
            s7 = AvxVnni.MultiplyWideningAndAdd(s7, xv, Vector256.Load(w + (7 * n) + k));
        }

        if (k + 16 <= n)
        {
            // Sixteen more in the lower half, the upper half zero: their products add nothing.
            var xv = Vector256.Create(Vector128.Load(u + k), Vector128<byte>.Zero);
            s0 = AvxVnni.MultiplyWideningAndAdd(s0, xv, Vector256.Create(Vector128.Load(w + k), Vector128<sbyte>.Zero));
            s1 = AvxVnni.MultiplyWideningAndAdd(s1, xv, Vector256.Create(Vector128.Load(w + n + k), Vector128<sbyte>.Zero));
            s2 = AvxVnni.MultiplyWideningAndAdd(s2, xv, Vector256.Create(Vector128.Load(w + (2 * n) + k), Vector128<sbyte>.Zero));
            s3 = AvxVnni.MultiplyWideningAndAdd(s3, xv, Vector256.Create(Vector128.Load(w + (3 * n) + k), Vector128<sbyte>.Zero));
            s4 = AvxVnni.MultiplyWideningAndAdd(s4, xv, Vector256.Create(Vector128.Load(w + (4 * n) + k), Vector128<sbyte>.Zero));
            s5 = AvxVnni.MultiplyWideningAndAdd(s5, xv, Vector256.Create(Vector128.Load(w + (5 * n) + k), Vector128<sbyte>.Zero));
            s6 = AvxVnni.MultiplyWideningAndAdd(s6, xv, Vector256.Create(Vector128.Load(w + (6 * n) + k), Vector128<sbyte>.Zero));
            s7 = AvxVnni.MultiplyWideningAndAdd(s7, xv, Vector256.Create(Vector128.Load(w + (7 * n) + k), Vector128<sbyte>.Zero));
            k += 16;
        }

        return IntegerSums(s0, s1, s2, s3, s4, s5, s6, s7) + IntegerTails8(w, u, k, n);
    }

    private static Vector256<int> Avx512Rows8(sbyte* w, byte* u, int n)
    {
        Vector512<int> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        int k = 0;
        for (; k + 32 <= n; k += 32)
        {
            var xv = Avx512BW.ConvertToVector512Int16(Vector256.Load(u + k));
            s0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + k)), xv);
            s1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + n + k)), xv);
            s2 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + (2 * n) + k)), xv);
            s3 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + (3 * n) + k)), xv);
            s4 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + (4 * n) + k)), xv);
            s5 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + (5 * n) + k)), xv);
            s6 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + (6 * n) + k)), xv);
            s7 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + (7 * n) + k)), xv);
        }

        var t0 = Fold(s0);
        var t1 = Fold(s1);
        var t2 = Fold(s2);
        var t3 = Fold(s3);
        var t4 = Fold(s4);
        var t5 = Fold(s5);
        var t6 = Fold(s6);
        var t7 = Fold(s7);
        if (k + 16 <= n)
        {
            var xv = Avx2.ConvertToVector256Int16(Vector128.Load(u + k));
            t0 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + k)), xv);
            t1 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + n + k)), xv);
            t2 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + (2 * n) + k)), xv);
            t3 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + (3 * n) + k)), xv);
            t4 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + (4 * n) + k)), xv);
            t5 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + (5 * n) + k)), xv);
            t6 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + (6 * n) + k)), xv);
            t7 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + (7 * n) + k)), xv);
            k += 16;
        }

        return IntegerSums(t0, t1, t2, t3, t4, t5, t6, t7) + IntegerTails8(w, u, k, n);
    }

    private static Vector256<int> Avx2Rows8(sbyte* w, byte* u, int n)
    {
        Vector256<int> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        int k = 0;
        for (; k + 16 <= n; k += 16)
        {
            var xv = Avx2.ConvertToVector256Int16(Vector128.Load(u + k));
            s0 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + k)), xv);
            s1 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + n + k)), xv);
            s2 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + (2 * n) + k)), xv);
            s3 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + (3 * n) + k)), xv);
            s4 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + (4 * n) + k)), xv);
            s5 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + (5 * n) + k)), xv);
            s6 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + (6 * n) + k)), xv);
            s7 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + (7 * n) + k)), xv);
        }

        return IntegerSums(s0, s1, s2, s3, s4, s5, s6, s7) + IntegerTails8(w, u, k, n);
    }

    // One row's exact sum, sixteen products at a time (vpmaddwd), for the rows after the blocks of eight.
    private static int Avx2Row(sbyte* w, byte* u, int n)
    {
        Vector256<int> sum = default;
        int k = 0;
        for (; k + 16 <= n; k += 16)
        {
            sum += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(w + k)), Avx2.ConvertToVector256Int16(Vector128.Load(u + k)));
        }

        return Vector256.Sum(sum) + IntegerTail(w, u, k, n);
    }

    private static Vector256<int> IntegerTails8(sbyte* w, byte* u, int start, int n) =>
        start == n
            ? Vector256<int>.Zero
            : Vector256.Create(
                IntegerTail(w, u, start, n), IntegerTail(w + n, u, start, n), IntegerTail(w + (2 * n), u, start, n), IntegerTail(w + (3 * n), u, start, n),
                IntegerTail(w + (4 * n), u, start, n), IntegerTail(w + (5 * n), u, start, n), IntegerTail(w + (6 * n), u, start, n), IntegerTail(w + (7 * n), u, start, n));

    private static Vector256<int> IntegerSums(Vector256<int> v0, Vector256<int> v1, Vector256<int> v2, Vector256<int> v3, Vector256<int> v4, Vector256<int> v5, Vector256<int> v6, Vector256<int> v7)
    {
        var h0123 = Avx2.HorizontalAdd(Avx2.HorizontalAdd(v0, v1), Avx2.HorizontalAdd(v2, v3));
        var h4567 = Avx2.HorizontalAdd(Avx2.HorizontalAdd(v4, v5), Avx2.HorizontalAdd(v6, v7));
        return Avx2.Permute2x128(h0123, h4567, 0x20) + Avx2.Permute2x128(h0123, h4567, 0x31);
    }

    private static Vector256<int> Fold(Vector512<int> v) => v.GetLower() + v.GetUpper();

    // z_j = z_j · s_j + b_j (int8: the row scale), or z_j + b_j; multiplied and added separately.
    private static void AddBias(Span<float> z, ReadOnlySpan<float> biases, ReadOnlySpan<float> scales)
    {
        int j = 0;
        ref float zr = ref MemoryMarshal.GetReference(z);
        ref float br = ref MemoryMarshal.GetReference(biases);
        if (scales.IsEmpty)
        {
            for (; j + 8 <= z.Length; j += 8)
            {
                (Vector256.LoadUnsafe(ref zr, (nuint)j) + Vector256.LoadUnsafe(ref br, (nuint)j)).StoreUnsafe(ref zr, (nuint)j);
            }

            for (; j < z.Length; j++)
            {
                z[j] += biases[j];
            }

            return;
        }

        ref float sr = ref MemoryMarshal.GetReference(scales);
        for (; j + 8 <= z.Length; j += 8)
        {
            var scaled = Vector256.LoadUnsafe(ref zr, (nuint)j) * Vector256.LoadUnsafe(ref sr, (nuint)j);
            (scaled + Vector256.LoadUnsafe(ref br, (nuint)j)).StoreUnsafe(ref zr, (nuint)j);
        }

        for (; j < z.Length; j++)
        {
            float scaled = z[j] * scales[j];
            z[j] = scaled + biases[j];
        }
    }

    // How one weight format widens its weights to float: sixteen, eight or one at a time.
    private interface IWeightFormat<TWeight>
        where TWeight : unmanaged
    {
        static abstract Vector512<float> Load16(TWeight* at);

        static abstract Vector256<float> Load8(TWeight* at);

        static abstract float Load1(TWeight* at);
    }

    private readonly struct Int8Weights : IWeightFormat<sbyte>
    {
        public static Vector512<float> Load16(sbyte* at) => Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(at)));

        public static Vector256<float> Load8(sbyte* at) => Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(at));

        public static float Load1(sbyte* at) => *at;
    }

    private readonly struct BFloat16Weights : IWeightFormat<ushort>
    {
        public static Vector512<float> Load16(ushort* at) => Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512UInt32(Vector256.Load(at)), 16).AsSingle();

        public static Vector256<float> Load8(ushort* at) => Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(at), 16).AsSingle();

        public static float Load1(ushort* at) => BitConverter.UInt32BitsToSingle((uint)*at << 16);
    }

    private readonly struct FloatWeights : IWeightFormat<float>
    {
        public static Vector512<float> Load16(float* at) => Vector512.Load(at);

        public static Vector256<float> Load8(float* at) => Vector256.Load(at);

        public static float Load1(float* at) => *at;
    }

    // z_j = Σ_k W[j, k] x_k in the canonical order (see the remarks), rows × n, on the given path.
    private static void RowSums<TFormat, TWeight>(TWeight* w, float* x, float* z, int rows, int n, FloatPath path)
        where TFormat : struct, IWeightFormat<TWeight>
        where TWeight : unmanaged
    {
        int body = n & ~15;
        int j = 0;
        if (path == FloatPath.Vector512)
        {
            for (; j + 8 <= rows; j += 8)
            {
                Vector256<float> sums = Rows8Vector512<TFormat, TWeight>(w + ((nint)j * n), x, n, body);
                (sums + Tails8<TFormat, TWeight>(w + ((nint)j * n), x, n, body)).Store(z + j);
            }
        }
        else if (path == FloatPath.Vector256)
        {
            for (; j + 4 <= rows; j += 4)
            {
                Vector128<float> sums = Rows4Vector256<TFormat, TWeight>(w + ((nint)j * n), x, n, body);
                (sums + Tails4<TFormat, TWeight>(w + ((nint)j * n), x, n, body)).Store(z + j);
            }
        }

        for (; j < rows; j++)
        {
            TWeight* row = w + ((nint)j * n);
            float sum = path switch
            {
                FloatPath.Vector512 => RowVector512<TFormat, TWeight>(row, x, body),
                FloatPath.Vector256 => RowVector256<TFormat, TWeight>(row, x, body),
                _ => RowScalar<TFormat, TWeight>(row, x, n, body),
            };
            z[j] = sum + Tail<TFormat, TWeight>(row, x, n, body);
        }
    }

    // One row, as one lane of Rows8Vector512: its sixteen sums folded to eight, then the same addition tree.
    private static float RowVector512<TFormat, TWeight>(TWeight* w, float* x, int body)
        where TFormat : struct, IWeightFormat<TWeight>
        where TWeight : unmanaged
    {
        Vector512<float> sum = default;
        for (int k = 0; k < body; k += 16)
        {
            sum = Vector512.FusedMultiplyAdd(TFormat.Load16(w + k), Vector512.Load(x + k), sum);
        }

        return Tree(Fold(sum));
    }

    // One row, as one lane of Rows4Vector256.
    private static float RowVector256<TFormat, TWeight>(TWeight* w, float* x, int body)
        where TFormat : struct, IWeightFormat<TWeight>
        where TWeight : unmanaged
    {
        Vector256<float> a = default, b = default;
        for (int k = 0; k < body; k += 16)
        {
            a = Vector256.FusedMultiplyAdd(TFormat.Load8(w + k), Vector256.Load(x + k), a);
            b = Vector256.FusedMultiplyAdd(TFormat.Load8(w + k + 8), Vector256.Load(x + k + 8), b);
        }

        return Tree(a + b);
    }

    // ((v0 + v1) + (v2 + v3)) + ((v4 + v5) + (v6 + v7)): the order of VectorMath.HorizontalSums for one vector.
    private static float Tree(Vector256<float> v) =>
        ((v.GetElement(0) + v.GetElement(1)) + (v.GetElement(2) + v.GetElement(3))) + ((v.GetElement(4) + v.GetElement(5)) + (v.GetElement(6) + v.GetElement(7)));

    private static Vector256<float> Rows8Vector512<TFormat, TWeight>(TWeight* w, float* x, int n, int body)
        where TFormat : struct, IWeightFormat<TWeight>
        where TWeight : unmanaged
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (int k = 0; k < body; k += 16)
        {
            var xv = Vector512.Load(x + k);
            s0 = Vector512.FusedMultiplyAdd(TFormat.Load16(w + k), xv, s0);
            s1 = Vector512.FusedMultiplyAdd(TFormat.Load16(w + n + k), xv, s1);
            s2 = Vector512.FusedMultiplyAdd(TFormat.Load16(w + (2 * n) + k), xv, s2);
            s3 = Vector512.FusedMultiplyAdd(TFormat.Load16(w + (3 * n) + k), xv, s3);
            s4 = Vector512.FusedMultiplyAdd(TFormat.Load16(w + (4 * n) + k), xv, s4);
            s5 = Vector512.FusedMultiplyAdd(TFormat.Load16(w + (5 * n) + k), xv, s5);
            s6 = Vector512.FusedMultiplyAdd(TFormat.Load16(w + (6 * n) + k), xv, s6);
            s7 = Vector512.FusedMultiplyAdd(TFormat.Load16(w + (7 * n) + k), xv, s7);
        }

        return VectorMath.HorizontalSums(Fold(s0), Fold(s1), Fold(s2), Fold(s3), Fold(s4), Fold(s5), Fold(s6), Fold(s7));
    }

    private static Vector128<float> Rows4Vector256<TFormat, TWeight>(TWeight* w, float* x, int n, int body)
        where TFormat : struct, IWeightFormat<TWeight>
        where TWeight : unmanaged
    {
        // Two sums per row, lanes 0–7 and 8–15 of the 512-bit path's one.
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        for (int k = 0; k < body; k += 16)
        {
            var xa = Vector256.Load(x + k);
            var xb = Vector256.Load(x + k + 8);
            a0 = Vector256.FusedMultiplyAdd(TFormat.Load8(w + k), xa, a0);
            b0 = Vector256.FusedMultiplyAdd(TFormat.Load8(w + k + 8), xb, b0);
            a1 = Vector256.FusedMultiplyAdd(TFormat.Load8(w + n + k), xa, a1);
            b1 = Vector256.FusedMultiplyAdd(TFormat.Load8(w + n + k + 8), xb, b1);
            a2 = Vector256.FusedMultiplyAdd(TFormat.Load8(w + (2 * n) + k), xa, a2);
            b2 = Vector256.FusedMultiplyAdd(TFormat.Load8(w + (2 * n) + k + 8), xb, b2);
            a3 = Vector256.FusedMultiplyAdd(TFormat.Load8(w + (3 * n) + k), xa, a3);
            b3 = Vector256.FusedMultiplyAdd(TFormat.Load8(w + (3 * n) + k + 8), xb, b3);
        }

        return VectorMath.HorizontalSums(a0 + b0, a1 + b1, a2 + b2, a3 + b3);
    }

    // One row in the canonical order with scalar fused multiply-adds, lane by lane.
    private static float RowScalar<TFormat, TWeight>(TWeight* w, float* x, int n, int body)
        where TFormat : struct, IWeightFormat<TWeight>
        where TWeight : unmanaged
    {
        Span<float> lanes = stackalloc float[16];
        lanes.Clear();
        for (int k = 0; k < body; k += 16)
        {
            for (int lane = 0; lane < 16; lane++)
            {
                lanes[lane] = MathF.FusedMultiplyAdd(TFormat.Load1(w + k + lane), x[k + lane], lanes[lane]);
            }
        }

        for (int lane = 0; lane < 8; lane++)
        {
            lanes[lane] += lanes[lane + 8];
        }

        return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    }

    // The last n mod 16 products of a row, added one by one.
    private static float Tail<TFormat, TWeight>(TWeight* w, float* x, int n, int body)
        where TFormat : struct, IWeightFormat<TWeight>
        where TWeight : unmanaged
    {
        float sum = 0f;
        for (int k = body; k < n; k++)
        {
            float product = TFormat.Load1(w + k) * x[k];
            sum += product;
        }

        return sum;
    }

    private static Vector256<float> Tails8<TFormat, TWeight>(TWeight* w, float* x, int n, int body)
        where TFormat : struct, IWeightFormat<TWeight>
        where TWeight : unmanaged =>
        body == n
            ? Vector256<float>.Zero
            : Vector256.Create(
                Tail<TFormat, TWeight>(w, x, n, body), Tail<TFormat, TWeight>(w + n, x, n, body),
                Tail<TFormat, TWeight>(w + (2 * n), x, n, body), Tail<TFormat, TWeight>(w + (3 * n), x, n, body),
                Tail<TFormat, TWeight>(w + (4 * n), x, n, body), Tail<TFormat, TWeight>(w + (5 * n), x, n, body),
                Tail<TFormat, TWeight>(w + (6 * n), x, n, body), Tail<TFormat, TWeight>(w + (7 * n), x, n, body));

    private static Vector128<float> Tails4<TFormat, TWeight>(TWeight* w, float* x, int n, int body)
        where TFormat : struct, IWeightFormat<TWeight>
        where TWeight : unmanaged =>
        body == n
            ? Vector128<float>.Zero
            : Vector128.Create(
                Tail<TFormat, TWeight>(w, x, n, body), Tail<TFormat, TWeight>(w + n, x, n, body),
                Tail<TFormat, TWeight>(w + (2 * n), x, n, body), Tail<TFormat, TWeight>(w + (3 * n), x, n, body));

    private static Vector256<float> Fold(Vector512<float> v) => v.GetLower() + v.GetUpper();

    private static void CheckShape(int weights, int columns, int rows)
    {
        if (weights != (long)rows * columns)
        {
            throw new ArgumentException($"weights has {weights} elements; {rows} rows of {columns} inputs need exactly {(long)rows * columns}.", "weights");
        }
    }

    private static void CheckLength(int actual, int expected, string parameterName)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{parameterName} has {actual} elements; this layer needs exactly {expected}.", parameterName);
        }
    }
}
