using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using NetGen.Onnx.Proto;

namespace NetGen.Onnx;

/// <summary>
/// The dense layers of a <see cref="QuantizedNetwork"/> in ONNX, each computing what NetGen computes: int8 weights as
/// <c>DequantizeLinear</c> (per output row, axis 0) into a <c>Gemm</c>; bfloat16 weights as a <c>Cast</c> to FLOAT into
/// a <c>Gemm</c>; full int8 as <c>QuantizeLinear</c> of the layer's input (per tensor, UINT8 with its zero point),
/// <c>MatMulInteger</c> with the transposed int8 weights, <c>Cast</c> of the exact INT32 sums to FLOAT, <c>Mul</c> by
/// input scale × row scale and <c>Add</c> of the bias: the same float operations on the same integers.
/// </summary>
internal static class OnnxQuantizedLayers
{
    /// <summary>The metadata key whose value says how the weights (and activations) are quantized.</summary>
    public const string MetadataKey = "netgen.quantization";

    public static string Describe(QuantizedNetwork network) => network.QuantizesActivations
        ? "full int8: int8 weights with one scale per output neuron, each layer's input quantized to uint8 per tensor (calibrated scale and zero point)"
        : network.WeightFormat switch
        {
            WeightFormat.Int8 => "int8 weights with one scale per output neuron (symmetric), float activations",
            WeightFormat.BFloat16 => "bfloat16 weights (rounded to nearest even), float activations",
            _ => "float weights",
        };

    /// <summary>Adds dense layer <paramref name="l"/> reading <paramref name="input"/>; returns the name of z.</summary>
    public static string AddLayer(OnnxGraphBuilder graph, QuantizedNetwork network, int l, string prefix, string input, string z, ReadOnlySpan<float> parameters)
    {
        var layout = network.Spec.GetLayout(l);
        string biasName = Name($"{prefix}.bias");
        graph.AddInitializer(biasName, parameters.Slice(layout.BiasesOffset, layout.OutputSize), layout.OutputSize);
        if (network.GetInputQuantization(l) is { } quantization)
        {
            AddFullInt8(graph, network, l, prefix, input, z, biasName, quantization);
            return z;
        }

        string weightName = Name($"{prefix}.weight");
        switch (network.WeightFormat)
        {
            case WeightFormat.Int8:
                string quantized = Name($"{prefix}.weight_quantized");
                string scale = Name($"{prefix}.weight_scale");
                string zeroPoint = Name($"{prefix}.weight_zero_point");
                graph.AddRawInitializer(quantized, TensorProto.Types.DataType.Int8, MemoryMarshal.AsBytes(network.GetInt8Weights(l)).ToArray(), layout.OutputSize, layout.InputSize);
                graph.AddInitializer(scale, network.GetWeightScales(l), layout.OutputSize);
                graph.AddRawInitializer(zeroPoint, TensorProto.Types.DataType.Int8, new byte[layout.OutputSize], layout.OutputSize);
                graph.AddNode("DequantizeLinear", Name($"dequantize{l + 1}"), [quantized, scale, zeroPoint], [weightName], OnnxGraphBuilder.Int("axis", 0));
                break;
            case WeightFormat.BFloat16:
                string bf16 = Name($"{prefix}.weight_bfloat16");
                graph.AddRawInitializer(bf16, TensorProto.Types.DataType.Bfloat16, LittleEndian(network.GetBFloat16Weights(l)), layout.OutputSize, layout.InputSize);
                graph.AddNode("Cast", Name($"widen{l + 1}"), [bf16], [weightName], OnnxGraphBuilder.Int("to", (long)TensorProto.Types.DataType.Float));
                break;
            default:
                graph.AddInitializer(weightName, parameters.Slice(layout.WeightsOffset, layout.WeightCount), layout.OutputSize, layout.InputSize);
                break;
        }

        graph.AddNode("Gemm", Name($"dense{l + 1}"), [input, weightName, biasName], [z], OnnxGraphBuilder.Int("transB", 1));
        return z;
    }

    private static void AddFullInt8(OnnxGraphBuilder graph, QuantizedNetwork network, int l, string prefix, string input, string z, string biasName, ActivationQuantization quantization)
    {
        var layout = network.Spec.GetLayout(l);
        int rows = layout.OutputSize;
        int columns = layout.InputSize;
        string inputScale = Name($"{prefix}.input_scale");
        string inputZeroPoint = Name($"{prefix}.input_zero_point");
        string transposed = Name($"{prefix}.weight_quantized_transposed");
        string outputScale = Name($"{prefix}.output_scale");
        graph.AddInitializer<float>(inputScale, [quantization.Scale]);
        graph.AddRawInitializer(inputZeroPoint, TensorProto.Types.DataType.Uint8, [(byte)quantization.ZeroPoint]);

        // MatMulInteger multiplies A [batch, in] by B [in, out]: W transposed.
        ReadOnlySpan<sbyte> q = network.GetInt8Weights(l);
        var bytes = new byte[q.Length];
        for (int j = 0; j < rows; j++)
        {
            for (int k = 0; k < columns; k++)
            {
                bytes[(k * rows) + j] = (byte)q[(j * columns) + k];
            }
        }

        graph.AddRawInitializer(transposed, TensorProto.Types.DataType.Int8, bytes, columns, rows);

        // c_j = input scale × row scale, the float NetGen multiplies by.
        ReadOnlySpan<float> scales = network.GetWeightScales(l);
        var combined = new float[rows];
        for (int j = 0; j < rows; j++)
        {
            combined[j] = quantization.Scale * scales[j];
        }

        graph.AddInitializer<float>(outputScale, combined, rows);
        string u = Name($"u{l + 1}");
        string sums = Name($"sums{l + 1}");
        string sumsFloat = Name($"sums{l + 1}_float");
        string scaled = Name($"scaled{l + 1}");
        graph.AddNode("QuantizeLinear", Name($"quantize{l + 1}"), [input, inputScale, inputZeroPoint], [u]);
        graph.AddNode("MatMulInteger", Name($"dense{l + 1}"), [u, transposed, inputZeroPoint], [sums]);
        graph.AddNode("Cast", Name($"sums_to_float{l + 1}"), [sums], [sumsFloat], OnnxGraphBuilder.Int("to", (long)TensorProto.Types.DataType.Float));
        graph.AddNode("Mul", Name($"rescale{l + 1}"), [sumsFloat, outputScale], [scaled]);
        graph.AddNode("Add", Name($"bias{l + 1}"), [scaled, biasName], [z]);
    }

    private static byte[] LittleEndian(ReadOnlySpan<ushort> values)
    {
        var bytes = new byte[values.Length * sizeof(ushort)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(sizeof(ushort) * i), values[i]);
        }

        return bytes;
    }

    private static string Name(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
