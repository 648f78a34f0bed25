// One source for the runtime and the source generator: the generator bakes [Network(InferenceWeights = …)] weights
// with these rules at compile time, QuantizedNetwork and generated networks at run time, so a baked network and one
// quantized at run time from the same weights hold the same bytes.
using System;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared;
#else
namespace NetGen;
#endif

/// <summary>
/// The rounding rules of the compressed weight formats (see <c>WeightFormat</c>): symmetric int8 with one scale per row,
/// and bfloat16 rounded to nearest, ties to even. Written without floating-point library calls that differ between
/// .NET versions, so compile time and run time round alike.
/// </summary>
internal static class WeightQuantization
{
    /// <summary>The largest magnitude of a quantized int8 weight: the range is symmetric, [−127, 127].</summary>
    public const int Int8Limit = 127;

    /// <summary>
    /// Quantizes one row of W: s = max_k |w_k| / 127 (1 for an all-zero row, so that dequantizing divides nothing by
    /// zero) and q_k = round(w_k / s), ties to even, within [−127, 127]. The quotient is taken in double, where it is
    /// exact enough that the rounding decision is the correctly rounded one for every float input.
    /// </summary>
    /// <param name="row">The row's float weights (finite).</param>
    /// <param name="quantized">Receives the row's int8 weights; as long as <paramref name="row"/>.</param>
    /// <returns>The row's scale s, so that w_k ≈ s · q_k.</returns>
    public static float QuantizeInt8Row(ReadOnlySpan<float> row, Span<sbyte> quantized) =>
        QuantizeInt8Row(row, quantized, out _);

    /// <summary>As <see cref="QuantizeInt8Row(ReadOnlySpan{float}, Span{sbyte})"/>, also giving the row's largest magnitude.</summary>
    /// <param name="row">The row's float weights (finite).</param>
    /// <param name="quantized">Receives the row's int8 weights.</param>
    /// <param name="largest">The largest |w_k| (0 for an all-zero row), from which <see cref="Int8Scale"/> gives the scale.</param>
    /// <returns>The row's scale s.</returns>
    public static float QuantizeInt8Row(ReadOnlySpan<float> row, Span<sbyte> quantized, out float largest)
    {
        largest = 0f;
        for (int k = 0; k < row.Length; k++)
        {
            float magnitude = Math.Abs(row[k]);
            if (magnitude > largest)
            {
                largest = magnitude;
            }
        }

        float scale = Int8Scale(largest);
        for (int k = 0; k < row.Length; k++)
        {
            double q = Math.Round(row[k] / (double)scale, MidpointRounding.ToEven);
            quantized[k] = (sbyte)Math.Max(-Int8Limit, Math.Min(Int8Limit, q));
        }

        return scale;
    }

    /// <summary>The scale of a row whose largest magnitude is <paramref name="largest"/>: largest / 127, or 1 for 0.</summary>
    /// <param name="largest">The row's largest |w_k|.</param>
    /// <returns>The scale s.</returns>
    public static float Int8Scale(float largest) => largest > 0f ? largest / Int8Limit : 1f;

    /// <summary>
    /// The float weights of a quantized row that quantize back to exactly the same row and scale: s · q_k, except that the
    /// entries at ±127 are ±<paramref name="largest"/> itself (s · 127 need not round back to it), so the row's largest
    /// magnitude, and with it s, is unchanged. A network whose parameters start from baked int8 weights therefore
    /// computes with those very weights after it quantizes its parameters again.
    /// </summary>
    /// <param name="quantized">The row's int8 weights.</param>
    /// <param name="largest">The row's largest magnitude, as <see cref="QuantizeInt8Row(ReadOnlySpan{float}, Span{sbyte}, out float)"/> gave it.</param>
    /// <param name="row">Receives the float weights.</param>
    public static void DequantizeInt8Row(ReadOnlySpan<sbyte> quantized, float largest, Span<float> row)
    {
        float scale = Int8Scale(largest);
        for (int k = 0; k < quantized.Length; k++)
        {
            int q = quantized[k];
            row[k] = q == Int8Limit ? largest : q == -Int8Limit ? -largest : q * scale;
        }
    }

    /// <summary>
    /// The bfloat16 nearest to a float (ties to even): its upper 16 bits after rounding the lower 16 away. A NaN stays a
    /// (quiet) NaN; a finite value beyond bfloat16's largest, about 3.39e38, rounds to infinity, as the rule says.
    /// </summary>
    /// <param name="singleBits">The float's IEEE 754 bits.</param>
    /// <returns>The bfloat16's bits.</returns>
    public static ushort ToBFloat16(uint singleBits)
    {
        if ((singleBits & 0x7FFF_FFFFu) > 0x7F80_0000u)
        {
            return (ushort)((singleBits >> 16) | 0x0040u);
        }

        uint roundingBias = 0x7FFFu + ((singleBits >> 16) & 1u);
        return (ushort)((singleBits + roundingBias) >> 16);
    }

    /// <summary>The float bits of a bfloat16: its 16 bits followed by 16 zero bits (exact).</summary>
    /// <param name="bfloat16">The bfloat16's bits.</param>
    /// <returns>The float's IEEE 754 bits.</returns>
    public static uint FromBFloat16(ushort bfloat16) => (uint)bfloat16 << 16;
}
