using System;
using NetGen.Generator.Model;
using NetGen.Generator.Shared;

namespace NetGen.Generator.Emit;

/// <summary>
/// Writes the members of a network declared with <c>InferenceWeights = WeightFormat.Int8</c> or <c>BFloat16</c>: the
/// compressed copy of every layer's W that <c>Forward</c> reads (int8 with one scale per neuron, or bfloat16), the
/// <c>Parameters</c> property that marks it out of date, <c>QuantizeInferenceWeights</c>, and <c>Forward</c> itself: each
/// layer one call of the runtime's kernel (<c>QuantizedKernels</c>, shared with <c>QuantizedNetwork</c>), then the
/// activation over the layer's outputs.
/// </summary>
/// <remarks>
/// Training reads and writes the float parameters, so the copy is made again whenever they may have changed: reading
/// <c>Parameters</c> sets a flag and the next <c>Forward</c> quantizes before it computes, under a lock, exactly once
/// however many threads find the flag set; the flag is cleared only once the copy is whole. A baked network starts from
/// the compressed weights in the assembly, with float parameters that compress back to exactly those bytes.
/// </remarks>
internal static class CompressedWeightsEmitter
{
    private const string Kernels = TypeNames.QuantizedKernels;

    public static bool IsInt8(EmitContext c) => c.Model.InferenceWeights == WeightFormat.Int8;

    /// <summary>The element type of the compressed weights: sbyte or ushort (bfloat16 bit patterns).</summary>
    public static string ElementType(EmitContext c) => IsInt8(c) ? "sbyte" : "ushort";

    /// <summary>The fields and members around the float parameters of a network that is not baked.</summary>
    public static void WriteMembers(SourceWriter w, EmitContext c)
    {
        string element = ElementType(c);
        w.Block($$"""
            // Pinned, and starting on a cache-line boundary so that no 256-bit weight load straddles two lines.
            private readonly {{TypeNames.ParameterBuffer}}<float> _parameters = new(ParameterCount);

            // Forward's compressed copy of every layer's W, in layer order{{(IsInt8(c) ? ", and one scale per neuron" : string.Empty)}}.
            private readonly {{TypeNames.ParameterBuffer}}<{{element}}> _inferenceWeights = new({{MathText.Int(c.Model.WeightCount)}});
            {{(IsInt8(c) ? $"private readonly float[] _inferenceScales = new float[{MathText.Int(c.Model.NeuronOffsetOf(c.Model.Layers.Count))}];" : "// (bfloat16 weights need no scales.)")}}
            private volatile bool _inferenceWeightsStale = true;
            """);
        WriteCommonMembers(w, c, "Starts at zero: initialise or load it.");
    }

    /// <summary>The members every compressed network has: Parameters, QuantizeInferenceWeights and its helpers.</summary>
    public static void WriteCommonMembers(SourceWriter w, EmitContext c, string parametersNote)
    {
        string format = IsInt8(c) ? "int8 (one scale per neuron)" : "bfloat16";
        w.Block($$"""
            private readonly {{TypeNames.Lock}} _quantizing = new();

            /// <summary>
            /// The flat float parameter vector (per dense layer: W row-major, then b), which training reads and writes. {{parametersNote}}
            /// Forward computes with their {{format}} copy: reading this property marks the copy out of date, and the next
            /// Forward compresses the parameters again (a write through a span taken before that Forward is seen after
            /// <see cref="QuantizeInferenceWeights"/>).
            /// </summary>
            public {{TypeNames.Span}}<float> Parameters
            {
                get
                {
                    _inferenceWeightsStale = true;
                    return _parameters.Span;
                }
            }

            /// <summary>Compresses <see cref="Parameters"/> into the {{format}} weights Forward reads, now.</summary>
            public void QuantizeInferenceWeights()
            {
                lock (_quantizing)
                {
                    CompressInferenceWeights();
                    _inferenceWeightsStale = false;
                }
            }

            // Once for any number of threads that find the copy out of date; cleared only when the copy is whole.
            private void RefreshInferenceWeights()
            {
                lock (_quantizing)
                {
                    if (_inferenceWeightsStale)
                    {
                        CompressInferenceWeights();
                        _inferenceWeightsStale = false;
                    }
                }
            }

            private void CompressInferenceWeights()
            {
                {{TypeNames.ReadOnlySpan}}<float> p = _parameters.Span;
            """);
        var model = c.Model;
        for (int l = 0; l < model.Layers.Count; l++)
        {
            string n = MathText.Int(l + 1);
            int inputs = model.InputSizeOf(l);
            int count = inputs * model.Layers[l].Size;
            string weights = $"p.Slice(Dense{n}WeightsOffset, {MathText.Int(count)})";
            string target = $"_inferenceWeights.Span.Slice({MathText.Int(model.CompressedWeightsOffsetOf(l))}, {MathText.Int(count)})";
            w.Line(IsInt8(c)
                ? $"    {Kernels}.QuantizeInt8Rows({weights}, {MathText.Int(inputs)}, {target}, {TypeNames.MemoryExtensions}.AsSpan(_inferenceScales, {MathText.Int(model.NeuronOffsetOf(l))}, Dense{n}Size));"
                : $"    {Kernels}.QuantizeBFloat16({weights}, {target});");
        }

        w.Line("}");
    }

    /// <summary>Forward's body after the argument checks.</summary>
    public static void WriteForward(SourceWriter w, EmitContext c)
    {
        var model = c.Model;
        w.Block($$"""
            if (_inferenceWeightsStale)
            {
                RefreshInferenceWeights();
            }

            {{TypeNames.ReadOnlySpan}}<float> p = _parameters.Span;
            """);
        ForwardEmitter.WriteOverScratch(w, c, (l, x, a) =>
        {
            var layer = model.Layers[l];
            var activation = Activations.Of(layer);
            string n = MathText.Int(l + 1);
            int inputs = model.InputSizeOf(l);
            int count = inputs * layer.Size;
            string input = l == 0 ? x : $"{x}.Slice(0, {MathText.Int(inputs)})";
            string z = l == model.Layers.Count - 1 ? a : $"{a}.Slice(0, Dense{n}Size)";
            string weights = $"_inferenceWeights.Span.Slice({MathText.Int(model.CompressedWeightsOffsetOf(l))}, {MathText.Int(count)})";
            string biases = $"p.Slice(Dense{n}BiasesOffset, Dense{n}Size)";
            w.Line(IsInt8(c)
                ? $"{Kernels}.DenseInt8({weights}, {TypeNames.MemoryExtensions}.AsSpan(_inferenceScales, {MathText.Int(model.NeuronOffsetOf(l))}, Dense{n}Size), {biases}, {input}, {z});"
                : $"{Kernels}.DenseBFloat16({weights}, {biases}, {input}, {z});");
            if (activation.IsElementwise && !activation.IsIdentity)
            {
                ElementLoop.Write(w, c.Math, $"Dense{n}Size", e =>
                {
                    w.Line(e.Declare("z", e.Load(a)));
                    w.Line(e.Store(a, activation.Forward(e.M, layer, e.Name("z"))));
                }, "vectorEnd" + n);
            }
        });
    }

    /// <summary>The members of a baked network with compressed weights: they start from the data in the assembly.</summary>
    public static void WriteBakedMembers(SourceWriter w, EmitContext c)
    {
        var model = c.Model;
        var weights = model.Weights!;
        string element = ElementType(c);
        int count = model.WeightCount;
        int neurons = model.NeuronOffsetOf(model.Layers.Count);
        var (maximaOffset, biasesOffset, _) = Layout(model);
        string file = BakedWeightsEmitter.Xml(weights.FileName);
        string format = IsInt8(c) ? "int8 weights (one scale per neuron)" : "bfloat16 weights";
        string weightBytes = MathText.Int(IsInt8(c) ? count : 2 * count);
        string inferenceWeights = IsInt8(c)
            ? $"{TypeNames.MemoryMarshal}.Cast<byte, sbyte>(BakedBytes.Slice(0, {weightBytes}))"
            : $"{TypeNames.BitConverter}.IsLittleEndian ? {TypeNames.MemoryMarshal}.Cast<byte, ushort>(BakedBytes.Slice(0, {weightBytes})) : s_bakedBFloat16BigEndian ??= DecodeBakedBFloat16()";
        w.Block($$"""
            // Pinned, and starting on a cache-line boundary so that no 256-bit weight load straddles two lines.
            private readonly {{TypeNames.ParameterBuffer}}<float> _parameters = new(BakedParameters);

            // Forward's compressed copy of every layer's W starts as the baked one, which the parameters above compress back to.
            private readonly {{TypeNames.ParameterBuffer}}<{{element}}> _inferenceWeights = new(BakedInferenceWeights);
            {{(IsInt8(c) ? "private readonly float[] _inferenceScales = BakedScales();" : "// (bfloat16 weights need no scales.)")}}
            private volatile bool _inferenceWeightsStale;

            /// <summary>
            /// The {{format}} baked into the assembly at build time from {{file}} ({{BakedWeightsEmitter.Xml(weights.DataTypes)}}, SHA-256 {{weights.Sha256}}):
            /// every layer's W in order, row-major. Read-only data: reading it allocates nothing and does no I/O.
            /// </summary>
            public static {{TypeNames.ReadOnlySpan}}<{{element}}> BakedInferenceWeights => {{inferenceWeights}};

            /// <summary>
            /// The float parameters the baked {{format}} stand for (and compress back to exactly), with the file's biases; decoded
            /// once, on first use. Instances start with them.
            /// </summary>
            public static {{TypeNames.ReadOnlySpan}}<float> BakedParameters => s_bakedParameters ??= DecodeBakedParameters();

            /// <summary>Sets <see cref="Parameters"/> back to <see cref="BakedParameters"/>, e.g. after training from them.</summary>
            public void ResetToBakedParameters()
            {
                BakedParameters.CopyTo(_parameters.Span);
                _inferenceWeightsStale = true;
            }

            private static float[]? s_bakedParameters;
            private static byte[]? s_bakedBytesBigEndian;

            // The baked data as little-endian bytes: the words themselves on a little-endian machine, decoded once elsewhere.
            private static {{TypeNames.ReadOnlySpan}}<byte> BakedBytes => {{TypeNames.BitConverter}}.IsLittleEndian
                ? {{TypeNames.MemoryMarshal}}.AsBytes(BakedWords)
                : s_bakedBytesBigEndian ??= DecodeBakedBytes();

            private static byte[] DecodeBakedBytes()
            {
                {{TypeNames.ReadOnlySpan}}<ulong> words = BakedWords;
                var bytes = new byte[words.Length * 8];
                for (int i = 0; i < bytes.Length; i++)
                {
                    bytes[i] = unchecked((byte)(words[i >> 3] >> ((i & 7) * 8)));
                }

                return bytes;
            }

            private static float[] BakedFloats(int offset, int count)
            {
                var values = new float[count];
                for (int i = 0; i < count; i++)
                {
                    values[i] = {{TypeNames.BinaryPrimitives}}.ReadSingleLittleEndian(BakedBytes.Slice(offset + (4 * i), 4));
                }

                return values;
            }
            """);
        if (IsInt8(c))
        {
            w.Block($$"""

                private static float[] BakedScales()
                {
                    var scales = new float[{{MathText.Int(neurons)}}];
                    {{Kernels}}.Int8Scales(BakedFloats({{MathText.Int(maximaOffset)}}, {{MathText.Int(neurons)}}), scales);
                    return scales;
                }
                """);
        }
        else
        {
            w.Block($$"""

                private static ushort[]? s_bakedBFloat16BigEndian;

                private static ushort[] DecodeBakedBFloat16()
                {
                    var values = new ushort[{{MathText.Int(count)}}];
                    for (int i = 0; i < values.Length; i++)
                    {
                        values[i] = {{TypeNames.BinaryPrimitives}}.ReadUInt16LittleEndian(BakedBytes.Slice(2 * i, 2));
                    }

                    return values;
                }
                """);
        }

        w.Line();
        w.Open("private static float[] DecodeBakedParameters()");
        w.Line("var values = new float[ParameterCount];");
        w.Line($"float[] biases = BakedFloats({MathText.Int(biasesOffset)}, {MathText.Int(neurons)});");
        if (IsInt8(c))
        {
            w.Line($"float[] maxima = BakedFloats({MathText.Int(maximaOffset)}, {MathText.Int(neurons)});");
            w.Line($"var scales = new float[{MathText.Int(neurons)}];");
        }

        for (int l = 0; l < model.Layers.Count; l++)
        {
            string n = MathText.Int(l + 1);
            int inputs = model.InputSizeOf(l);
            int layerCount = inputs * model.Layers[l].Size;
            string quantized = $"BakedInferenceWeights.Slice({MathText.Int(model.CompressedWeightsOffsetOf(l))}, {MathText.Int(layerCount)})";
            string target = $"{TypeNames.MemoryExtensions}.AsSpan(values, Dense{n}WeightsOffset, {MathText.Int(layerCount)})";
            string neuronsOf = $"{MathText.Int(model.NeuronOffsetOf(l))}, Dense{n}Size";
            w.Line(IsInt8(c)
                ? $"{Kernels}.DequantizeInt8Rows({quantized}, {TypeNames.MemoryExtensions}.AsSpan(maxima, {neuronsOf}), {MathText.Int(inputs)}, {target}, {TypeNames.MemoryExtensions}.AsSpan(scales, {neuronsOf}));"
                : $"{Kernels}.DequantizeBFloat16({quantized}, {target});");
            w.Line($"{TypeNames.MemoryExtensions}.AsSpan(biases, {neuronsOf}).CopyTo({TypeNames.MemoryExtensions}.AsSpan(values, Dense{n}BiasesOffset, Dense{n}Size));");
        }

        w.Line("return values;");
        w.Close();
        WriteCommonMembers(w, c, "Starts as <see cref=\"BakedParameters\"/>.");
    }

    /// <summary>
    /// The baked data of a network with compressed weights, as little-endian bytes: every layer's W compressed by the
    /// runtime's rules (int8 bytes or bfloat16 pairs), padded to four bytes, then for int8 each row's largest magnitude,
    /// then the biases (floats).
    /// </summary>
    public static (byte[] Bytes, string Description) BakedBytes(NetworkModel model)
    {
        var parameters = model.Weights!.ParameterBytes.Span;
        bool int8 = model.InferenceWeights == WeightFormat.Int8;
        var (maximaOffset, biasesOffset, length) = Layout(model);
        var bytes = new byte[length];
        for (int l = 0; l < model.Layers.Count; l++)
        {
            int inputs = model.InputSizeOf(l);
            int size = model.Layers[l].Size;
            int first = model.WeightsOffsetOf(l);
            int compressed = model.CompressedWeightsOffsetOf(l);
            var row = new float[inputs];
            var q = new sbyte[inputs];
            for (int j = 0; j < size; j++)
            {
                for (int k = 0; k < inputs; k++)
                {
                    row[k] = BitConverter.ToSingle(BitConverter.GetBytes(ReadUInt32(parameters, 4 * (first + (j * inputs) + k))), 0);
                }

                if (int8)
                {
                    WeightQuantization.QuantizeInt8Row(row, q, out float largest);
                    for (int k = 0; k < inputs; k++)
                    {
                        bytes[compressed + (j * inputs) + k] = unchecked((byte)q[k]);
                    }

                    WriteSingle(bytes, maximaOffset + (4 * (model.NeuronOffsetOf(l) + j)), largest);
                }
                else
                {
                    for (int k = 0; k < inputs; k++)
                    {
                        ushort value = WeightQuantization.ToBFloat16(ReadUInt32(parameters, 4 * (first + (j * inputs) + k)));
                        int at = 2 * (compressed + (j * inputs) + k);
                        bytes[at] = (byte)value;
                        bytes[at + 1] = (byte)(value >> 8);
                    }
                }
            }

            // The biases stay float: their bytes as the file gave them.
            parameters.Slice(4 * model.BiasesOffsetOf(l), 4 * size).CopyTo(bytes.AsSpan(biasesOffset + (4 * model.NeuronOffsetOf(l))));
        }

        string description = int8
            ? $"{MathText.Int(model.WeightCount)} int8 weights, {MathText.Int(model.NeuronOffsetOf(model.Layers.Count))} row maxima and as many float biases"
            : $"{MathText.Int(model.WeightCount)} bfloat16 weights and {MathText.Int(model.NeuronOffsetOf(model.Layers.Count))} float biases";
        return (bytes, description);
    }

    // Where the row maxima and the biases start in the baked data, and its length.
    private static (int MaximaOffset, int BiasesOffset, int Length) Layout(NetworkModel model)
    {
        int neurons = model.NeuronOffsetOf(model.Layers.Count);
        bool int8 = model.InferenceWeights == WeightFormat.Int8;
        int weightBytes = (int8 ? 1 : 2) * model.WeightCount;
        int maxima = (weightBytes + 3) & ~3;
        int biases = maxima + (int8 ? 4 * neurons : 0);
        return (maxima, biases, biases + (4 * neurons));
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> data, int at) =>
        data[at] | ((uint)data[at + 1] << 8) | ((uint)data[at + 2] << 16) | ((uint)data[at + 3] << 24);

    private static void WriteSingle(byte[] bytes, int at, float value)
    {
        byte[] little = BitConverter.GetBytes(value);
        if (!BitConverter.IsLittleEndian)
        {
            Array.Reverse(little);
        }

        little.CopyTo(bytes, at);
    }
}
