// One source for the runtime and the source generator: generator/NetGen.Generator links this file (see its .csproj),
// where it compiles into NetGen.Generator.Shared.
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared;
#else
namespace NetGen.IO;
#endif

/// <summary>What a weights file is matched against: the network's architecture, layer sizes and number type.</summary>
internal sealed class WeightsTarget
{
    /// <param name="architecture">The architecture as <c>NetworkSpec.DescribeArchitecture()</c> writes it, the <c>netgen.spec</c> text.</param>
    /// <param name="description">The network as messages name it (<c>NetworkSpec.ToString()</c>: the architecture and the precision).</param>
    /// <param name="inputSize">The number of inputs.</param>
    /// <param name="layerSizes">The size of each dense layer, in order.</param>
    /// <param name="type">The type the network's values are read into.</param>
    public WeightsTarget(string architecture, string description, int inputSize, IReadOnlyList<int> layerSizes, ScalarType type)
    {
        Architecture = architecture;
        Description = description;
        InputSize = inputSize;
        LayerSizes = layerSizes;
        Type = type;
    }

    public string Architecture { get; }

    public string Description { get; }

    public int InputSize { get; }

    public IReadOnlyList<int> LayerSizes { get; }

    public ScalarType Type { get; }

    public int InputSizeOf(int layer) => layer == 0 ? InputSize : LayerSizes[layer - 1];
}

/// <summary>Why a weights file does not fit a network: the problem, and the tensor it is about when there is one.</summary>
internal sealed class WeightsMismatch
{
    public WeightsMismatch(string problem, string? tensorName = null)
    {
        Problem = problem;
        TensorName = tensorName;
    }

    public string Problem { get; }

    public string? TensorName { get; }

    /// <summary>The problem with the tensor named first: <c>tensor '0.weight': …</c>, as <c>WeightsFileException</c> composes it.</summary>
    public string Describe() => TensorName is null ? Problem : $"tensor '{TensorName}': {Problem}";
}

/// <summary>One dense layer's tensors in a weights file: the <c>nn.Linear</c> module's index and its weight and bias.</summary>
internal sealed class LinearModuleTensors
{
    public LinearModuleTensors(int module, SafeTensorInfo weight, SafeTensorInfo bias)
    {
        Module = module;
        Weight = weight;
        Bias = bias;
    }

    public int Module { get; }

    public SafeTensorInfo Weight { get; }

    public SafeTensorInfo Bias { get; }
}

/// <summary>A weights file matched to a network: each dense layer's tensors, in layer order, and the scaler entry if any.</summary>
internal sealed class WeightsMatch
{
    public WeightsMatch(IReadOnlyList<LinearModuleTensors> layers, ScalerEntry? scaler)
    {
        Layers = layers;
        Scaler = scaler;
    }

    public IReadOnlyList<LinearModuleTensors> Layers { get; }

    public ScalerEntry? Scaler { get; }
}

/// <summary>
/// The rules by which a safetensors file's tensors and metadata fit a network, shared by <c>WeightsFile.Load</c> and the
/// generator's baking (<c>[Network(Weights = …)]</c>), so both accept the same files and give the same reason otherwise:
/// the tensors are the <c>state_dict</c> of the PyTorch <c>nn.Sequential</c> that mirrors the network, only
/// <c>&lt;i&gt;.weight</c> / <c>&lt;i&gt;.bias</c> pairs whose order by i gives the dense layers (other indices, of
/// parameterless modules, may be missing), each of the layer's shape and of a floating-point dtype.
/// </summary>
internal static class SafeTensorsLayerMatching
{
    /// <summary>The metadata key holding the architecture of the network a file was saved from.</summary>
    public const string SpecMetadataKey = "netgen.spec";

    private const int MaxNamesListed = 10;

    /// <summary>
    /// Checks, in this order and before any value is read: the <c>netgen.spec</c> metadata (if present) against the
    /// architecture (precision aside: float weights load into a double twin and back), the <c>netgen.scaler</c> entry (if
    /// present), the tensor names and their pairing, the number of Linear modules, and each layer's shapes and dtypes.
    /// </summary>
    /// <returns>Each dense layer's tensors and the scaler, or null with the first problem found.</returns>
    public static WeightsMatch? Match(IReadOnlyList<SafeTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata, WeightsTarget target, out WeightsMismatch? mismatch)
    {
        if (metadata.TryGetValue(SpecMetadataKey, out string? saved) && saved != target.Architecture)
        {
            mismatch = new WeightsMismatch($"the file was saved from the network '{saved}', but this network is '{target.Architecture}'");
            return null;
        }

        ScalerEntry? scaler = null;
        if (metadata.TryGetValue(ScalerMetadata.Key, out string? scalerText))
        {
            scaler = ScalerMetadata.Parse(scalerText, target.InputSize, target.Type, out string problem);
            if (scaler is null)
            {
                mismatch = new WeightsMismatch(problem);
                return null;
            }
        }

        var modules = PairLinearTensors(tensors, out mismatch);
        if (modules is null)
        {
            return null;
        }

        if (modules.Count != target.LayerSizes.Count)
        {
            mismatch = new WeightsMismatch(
                $"the file holds {Int(modules.Count)} Linear layers (module indices {string.Join(", ", modules.Select(m => Int(m.Module)))}) but the network '{target.Description}' has {Int(target.LayerSizes.Count)} dense layers");
            return null;
        }

        for (int layer = 0; layer < modules.Count; layer++)
        {
            var module = modules[layer];
            int outputs = target.LayerSizes[layer];
            mismatch = RequireShape(module.Weight, [outputs, target.InputSizeOf(layer)], layer, module.Module, "weight")
                ?? RequireShape(module.Bias, [outputs], layer, module.Module, "bias");
            if (mismatch is not null)
            {
                return null;
            }
        }

        mismatch = null;
        return new WeightsMatch(modules, scaler);
    }

    /// <summary>
    /// The problem with a value read from a tensor that is not finite: <paramref name="what"/> ("NaN", "+infinity" or
    /// "-infinity") at element <paramref name="index"/>, a [row, column] of a matrix with rows of
    /// <paramref name="rowLength"/> (0 for a vector); <paramref name="overflowType"/> names the type a finite F64 value
    /// overflowed, if that is how it became infinite.
    /// </summary>
    public static string NonFiniteProblem(string what, int index, int rowLength, string? overflowType) =>
        $"element {ElementName(index, rowLength)} is {what}{(overflowType is null ? string.Empty : $" (or too large for {overflowType})")}; weights must be finite";

    /// <summary>An element's position in messages: <c>[row, column]</c> for a matrix with rows of <paramref name="rowLength"/>, <c>[index]</c> for a vector (0).</summary>
    public static string ElementName(int index, int rowLength) =>
        rowLength > 0 ? $"[{Int(index / rowLength)}, {Int(index % rowLength)}]" : $"[{Int(index)}]";

    // Groups "<i>.weight" / "<i>.bias" by i, in increasing order; anything else in the file is an error.
    private static List<LinearModuleTensors>? PairLinearTensors(IReadOnlyList<SafeTensorInfo> tensors, out WeightsMismatch? mismatch)
    {
        var weights = new SortedDictionary<int, SafeTensorInfo>();
        var biases = new SortedDictionary<int, SafeTensorInfo>();
        var unexpected = new List<string>();
        foreach (var tensor in tensors)
        {
            if (TryParseLinearName(tensor.Name, out int module, out bool isWeight))
            {
                (isWeight ? weights : biases)[module] = tensor;
            }
            else
            {
                unexpected.Add(tensor.Name);
            }
        }

        if (unexpected.Count > 0)
        {
            string listed = string.Join(", ", unexpected.Take(MaxNamesListed).Select(name => $"'{SafeTensorsHeader.Shorten(name)}'"));
            string more = unexpected.Count > MaxNamesListed ? $" and {Int(unexpected.Count - MaxNamesListed)} more" : string.Empty;
            mismatch = new WeightsMismatch($"the file holds tensors that are not nn.Linear parameters named '<index>.weight' and '<index>.bias': {listed}{more}");
            return null;
        }

        var modules = new List<LinearModuleTensors>(weights.Count);
        foreach (var pair in weights)
        {
            if (!biases.TryGetValue(pair.Key, out var bias))
            {
                mismatch = new WeightsMismatch(
                    $"module {Int(pair.Key)} has a weight but no '{Int(pair.Key)}.bias'; NetGen's dense layers always have a bias (nn.Linear with bias=True)",
                    pair.Value.Name);
                return null;
            }

            modules.Add(new LinearModuleTensors(pair.Key, pair.Value, bias));
        }

        foreach (var pair in biases)
        {
            if (!weights.ContainsKey(pair.Key))
            {
                mismatch = new WeightsMismatch($"module {Int(pair.Key)} has a bias but no '{Int(pair.Key)}.weight'", pair.Value.Name);
                return null;
            }
        }

        mismatch = null;
        return modules;
    }

    // Exactly the names PyTorch writes: a canonical non-negative integer (no sign, no leading zeros), a dot, weight or bias.
    private static bool TryParseLinearName(string name, out int module, out bool isWeight)
    {
        module = 0;
        int dot = name.IndexOf('.');
        string suffix = dot >= 0 ? name.Substring(dot + 1) : string.Empty;
        isWeight = suffix == "weight";
        if (!isWeight && suffix != "bias")
        {
            return false;
        }

        string number = name.Substring(0, dot);
        return number.Length > 0
            && number.All(c => c >= '0' && c <= '9')
            && (number.Length == 1 || number[0] != '0')
            && int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out module);
    }

    private static WeightsMismatch? RequireShape(SafeTensorInfo tensor, long[] expected, int layer, int module, string what)
    {
        if (!tensor.Shape.SequenceEqual(expected))
        {
            return new WeightsMismatch(
                $"dense layer {Int(layer)} (module {Int(module)}) needs a {what} of shape {SafeTensorInfo.FormatShape(expected)}, but the file's has shape {tensor.ShapeText}",
                tensor.Name);
        }

        if (!SafeTensorDataTypes.IsReadableAsFloatingPoint(tensor.DataType))
        {
            return new WeightsMismatch(
                $"dtype {SafeTensorDataTypes.ToFormatName(tensor.DataType)} cannot hold weights; use F32, F64, F16 or BF16", tensor.Name);
        }

        return null;
    }

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}
