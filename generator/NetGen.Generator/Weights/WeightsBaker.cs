using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;
using NetGen.Generator.Shared;

namespace NetGen.Generator.Weights;

/// <summary>
/// Resolves <c>[Network(Weights = "…")]</c>: finds the one matching additional file, checks it against the declaration
/// with <c>WeightsFile.Load</c>'s rules (the shared SafeTensorsLayerMatching.cs: the <c>netgen.spec</c> and
/// <c>netgen.scaler</c> metadata, PyTorch <c>nn.Sequential</c> names, pairing, layer count, shapes, dtype; then finite
/// values) and converts the parameters to the network's precision exactly as <c>WeightsFile.Load</c> does, so a baked
/// network is bitwise the network that file loads into, with the scaler it loads.
/// </summary>
internal static class WeightsBaker
{
    public static ParseResult Resolve(ParseResult parsed, ImmutableArray<WeightsInput> inputs, CancellationToken cancellationToken)
    {
        if (parsed.Weights is not { } request || parsed.Model is not { } model)
        {
            return parsed;
        }

        var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
        var baked = Bake(model, request, inputs, diagnostics, cancellationToken);
        return new ParseResult(baked is null ? null : model with { Weights = baked }, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
    }

    private static BakedWeightsModel? Bake(NetworkModel model, WeightsRequest request, ImmutableArray<WeightsInput> inputs, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        // The same file listed twice is one file, not an ambiguity.
        var containers = inputs
            .Where(i => i.Kind == WeightsInputKind.Container && WeightsContainer.Matches(request.Name, i.SourcePath))
            .GroupBy(i => i.SourcePath, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.First())
            .ToList();
        var raw = inputs.Where(i => i.Kind == WeightsInputKind.Raw && WeightsContainer.Matches(request.Name, i.SourcePath)
            && !containers.Any(c => string.Equals(c.SourcePath, i.SourcePath, StringComparison.OrdinalIgnoreCase))).ToList();
        var matches = containers.Concat(raw).ToList();
        if (matches.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsFileNotFound, request.Location, request.Name, model.TypeName));
            return null;
        }

        if (matches.Count > 1)
        {
            string listed = string.Join(", ", matches.Select(m => "'" + m.SourcePath + "'"));
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsFileAmbiguous, request.Location, request.Name, Int(matches.Count), listed));
            return null;
        }

        var input = matches[0];
        if (input.Kind == WeightsInputKind.Raw)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsFileNotConverted, request.Location, input.SourcePath));
            return null;
        }

        if (input.Content is not { } content)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsFileInvalid, request.Location, request.Name, input.Problem));
            return null;
        }

        var parameters = Convert(model, content, out var scaler, out string problem, cancellationToken);
        if (parameters is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsDoNotFit, request.Location, request.Name, model.TypeName, problem));
            return null;
        }

        string dataTypes = string.Join(", ", content.Tensors.Select(t => SafeTensorDataTypes.ToFormatName(t.DataType)).Distinct().OrderBy(t => t, StringComparer.Ordinal));
        var bakedScaler = scaler is null
            ? null
            : new BakedScalerModel(scaler.IsStandardizer, new EquatableArray<double>(scaler.First), new EquatableArray<double>(scaler.Second));
        return new BakedWeightsModel(request.Name, input.Sha256, dataTypes, new ByteBlob(parameters), bakedScaler);
    }

    /// <summary>
    /// The file's parameters in the network's layout and precision, as little-endian bytes, and its scaler entry; null
    /// with the reason when the file is not for this network. The checks are <c>WeightsFile.Load</c>'s own
    /// (SafeTensorsLayerMatching.cs and ScalerMetadata.cs are compiled into both), so both report the same problem.
    /// </summary>
    public static byte[]? Convert(NetworkModel model, SafeTensorsContent content, out ScalerEntry? scaler, out string problem, CancellationToken cancellationToken)
    {
        var sizes = new int[model.Layers.Count];
        for (int i = 0; i < sizes.Length; i++)
        {
            sizes[i] = model.Layers[i].Size;
        }

        string architecture = Architecture(model);
        var target = new WeightsTarget(architecture, architecture + ", " + model.Precision, model.InputSize, sizes, model.IsDouble ? ScalarType.Double : ScalarType.Single);
        var match = SafeTensorsLayerMatching.Match(content.Tensors, content.Metadata, target, out var mismatch);
        scaler = match?.Scaler;
        if (match is null)
        {
            problem = mismatch!.Describe();
            return null;
        }

        int size = model.IsDouble ? 8 : 4;
        var bytes = new byte[checked(model.ParameterCount * size)];
        for (int layer = 0; layer < match.Layers.Count; layer++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var module = match.Layers[layer];
            if (!Decode(content, module.Weight, model.IsDouble, bytes, model.WeightsOffsetOf(layer), model.InputSizeOf(layer), out problem)
                || !Decode(content, module.Bias, model.IsDouble, bytes, model.BiasesOffsetOf(layer), 0, out problem))
            {
                return null;
            }
        }

        problem = string.Empty;
        return bytes;
    }

    /// <summary>The network as <c>NetworkSpec.DescribeArchitecture()</c> writes it: what the <c>netgen.spec</c> metadata holds.</summary>
    public static string Architecture(NetworkModel model)
    {
        var layers = new DenseLayerFacts[model.Layers.Count];
        for (int i = 0; i < layers.Length; i++)
        {
            var layer = model.Layers[i];
            layers[i] = new DenseLayerFacts(layer.Size, layer.Activation, layer.LeakySlope, layer.Alpha, layer.KeepProbability);
        }

        return ArchitectureDescription.Describe(model.InputSize, model.InputKeepProbability, layers, model.Loss);
    }

    // Converts every element to the network's type (rounding to nearest, as WeightsFile.Load does) and writes it
    // little-endian at parameter index offset; non-finite results are rejected with the element's position.
    private static bool Decode(SafeTensorsContent content, SafeTensorInfo tensor, bool toDouble, byte[] destination, int offset, int rowLength, out string problem)
    {
        var data = content.DataOf(tensor);
        int count = (int)tensor.ElementCount;
        for (int i = 0; i < count; i++)
        {
            double value = tensor.DataType switch
            {
                SafeTensorDataType.Float64 => Bits.ToDouble(ReadUInt64(data, 8 * i)),
                SafeTensorDataType.Float32 => Bits.ToSingle(ReadUInt32(data, 4 * i)),
                SafeTensorDataType.Float16 => Bits.ToSingle(HalfToSingleBits(ReadUInt16(data, 2 * i))),
                _ => Bits.ToSingle((uint)ReadUInt16(data, 2 * i) << 16),
            };
            int index = offset + i;
            if (toDouble)
            {
                WriteUInt64(destination, 8 * index, Bits.FromDouble(value));
            }
            else
            {
                // F32, F16 and BF16 are exact in float; F64 rounds to nearest here, as (float)value does at run time.
                float single = (float)value;
                value = single;
                WriteUInt32(destination, 4 * index, Bits.FromSingle(single));
            }

            if (double.IsNaN(value) || double.IsInfinity(value))
            {
                string what = double.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";
                string? overflow = double.IsInfinity(value) && !toDouble && tensor.DataType == SafeTensorDataType.Float64 ? ScalarType.Single.Name : null;
                problem = new WeightsMismatch(SafeTensorsLayerMatching.NonFiniteProblem(what, i, rowLength, overflow), tensor.Name).Describe();
                return false;
            }
        }

        problem = string.Empty;
        return true;
    }

    // IEEE 754 binary16 → binary32, exactly: every half is a float.
    internal static uint HalfToSingleBits(ushort half)
    {
        uint sign = (uint)(half >> 15) << 31;
        int exponent = (half >> 10) & 0x1F;
        uint mantissa = (uint)(half & 0x3FF);
        if (exponent == 0x1F)
        {
            return sign | 0x7F800000u | (mantissa << 13);
        }

        if (exponent == 0)
        {
            if (mantissa == 0)
            {
                return sign;
            }

            // A subnormal half is a normal float: shift the leading 1 into the implicit bit.
            int e = -14;
            while ((mantissa & 0x400) == 0)
            {
                mantissa <<= 1;
                e--;
            }

            return sign | ((uint)(e + 127) << 23) | ((mantissa & 0x3FF) << 13);
        }

        return sign | ((uint)(exponent - 15 + 127) << 23) | (mantissa << 13);
    }

    private static ushort ReadUInt16(ReadOnlySpan<byte> data, int at) => (ushort)(data[at] | (data[at + 1] << 8));

    private static uint ReadUInt32(ReadOnlySpan<byte> data, int at) =>
        data[at] | ((uint)data[at + 1] << 8) | ((uint)data[at + 2] << 16) | ((uint)data[at + 3] << 24);

    private static ulong ReadUInt64(ReadOnlySpan<byte> data, int at) => ReadUInt32(data, at) | ((ulong)ReadUInt32(data, at + 4) << 32);

    private static void WriteUInt32(byte[] destination, int at, uint value)
    {
        for (int i = 0; i < 4; i++)
        {
            destination[at + i] = (byte)(value >> (8 * i));
        }
    }

    private static void WriteUInt64(byte[] destination, int at, ulong value)
    {
        for (int i = 0; i < 8; i++)
        {
            destination[at + i] = (byte)(value >> (8 * i));
        }
    }

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reinterprets IEEE 754 bit patterns (netstandard2.0 has no BitConverter.Int32BitsToSingle).</summary>
    [StructLayout(LayoutKind.Explicit)]
    private struct Bits
    {
        [FieldOffset(0)]
        private uint _u32;

        [FieldOffset(0)]
        private float _single;

        [FieldOffset(0)]
        private ulong _u64;

        [FieldOffset(0)]
        private double _double;

        public static float ToSingle(uint bits) => new Bits { _u32 = bits }._single;

        public static uint FromSingle(float value) => new Bits { _single = value }._u32;

        public static double ToDouble(ulong bits) => new Bits { _u64 = bits }._double;

        public static ulong FromDouble(double value) => new Bits { _double = value }._u64;
    }
}
