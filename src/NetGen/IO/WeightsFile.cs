using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using NetGen.Data;

namespace NetGen.IO;

/// <summary>
/// Saves and loads a network's parameters as a safetensors file laid out like the <c>state_dict</c> of the PyTorch
/// <c>nn.Sequential</c> that mirrors the network, so weights move both ways between NetGen and PyTorch.
/// </summary>
/// <remarks>
/// <para>
/// Each dense layer is an <c>nn.Linear</c>: tensor <c>&lt;i&gt;.weight</c> of shape [out, in] (NetGen's row-major W)
/// and <c>&lt;i&gt;.bias</c> of shape [out], where i is the module's index in the Sequential. Indices count modules:
/// an <c>nn.Dropout</c> first when the inputs have dropout, then per layer the Linear, its activation unless it is
/// Identity, and an <c>nn.Dropout</c> when the layer has dropout. 64 → 32 ReLU (dropout) → 10 Softmax is therefore
/// saved as <c>0.weight</c>, <c>0.bias</c>, <c>3.weight</c>, <c>3.bias</c>.
/// </para>
/// <para>
/// Loading only needs the Linear tensors in index order, so a PyTorch model with other parameterless modules in
/// between (or without the final Softmax, as when training with <c>CrossEntropyLoss</c>) loads as well.
/// </para>
/// </remarks>
public static class WeightsFile
{
    /// <summary>The metadata key holding <see cref="NetworkSpec.ToString"/> of the saved network.</summary>
    public const string SpecMetadataKey = SafeTensorsLayerMatching.SpecMetadataKey;

    /// <summary>The metadata key holding the PyTorch <c>nn.Sequential</c> that mirrors the saved network.</summary>
    public const string PyTorchMetadataKey = "netgen.pytorch";

    /// <summary>
    /// The metadata key holding the fitted feature scaler saved with the weights, as one JSON object:
    /// <c>{"kind":"standardizer","mean":[…],"std":[…]}</c> (x′ = (x − mean) / std) or
    /// <c>{"kind":"min-max","min":[…],"max":[…]}</c> (x′ = (x − min) / (max − min), a zero range taken as 1), one number
    /// per network input, each written as the shortest text that reads back to the exact value as a double.
    /// </summary>
    public const string ScalerMetadataKey = ScalerMetadata.Key;

    /// <summary>
    /// Saves the network's parameters, as F32 for <see cref="float"/>, F64 for <see cref="double"/> or F16 for
    /// <see cref="Half"/>, with metadata <c>format: pt</c>, <see cref="SpecMetadataKey"/> and <see cref="PyTorchMetadataKey"/>.
    /// The file is written atomically: a crash leaves either the old file or the new one.
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">The network to save.</param>
    /// <param name="path">The file to create or replace, by convention with the extension <c>.safetensors</c>.</param>
    /// <exception cref="ArgumentException">A parameter is NaN or infinite (the message names it); nothing is written.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, double or Half.</exception>
    public static void Save<T>(INetwork<T> network, string path)
        where T : unmanaged, IFloatingPointIeee754<T> => Save(network, path, scaler: null);

    /// <summary>
    /// Saves the network's parameters as <see cref="Save{T}(INetwork{T}, string)"/> does, together with the feature
    /// scaler its inputs must go through, in the metadata entry <see cref="ScalerMetadataKey"/>, so the preprocessing
    /// travels with the model: <see cref="Load{T}(INetwork{T}, string, out IFeatureScaler{T})"/> restores both.
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">The network to save.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="scaler">A <see cref="Standardizer{T}"/> or <see cref="MinMaxScaler{T}"/> fitted on the network's
    /// input features, or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">A parameter is not finite, or the scaler is of another type or fitted on
    /// another number of features; nothing is written.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, double or Half.</exception>
    public static void Save<T>(INetwork<T> network, string path, IFeatureScaler<T>? scaler)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(path);
        if (scaler is not null && scaler.FeatureCount != network.Spec.InputSize)
        {
            throw new ArgumentException(
                $"The scaler was fitted on {scaler.FeatureCount} features, but the network {network.Spec} has {network.Spec.InputSize} inputs.", nameof(scaler));
        }

        // Fails early, before any work, for a type without a safetensors dtype.
        _ = SafeTensorsWriter.DataTypeOf<T>();
        var spec = network.Spec;
        ReadOnlySpan<T> parameters = network.Parameters;
        if (parameters.Length != spec.ParameterCount)
        {
            throw new ArgumentException($"The network has {parameters.Length} parameters; its spec {spec} lays out {spec.ParameterCount}.", nameof(network));
        }

        var indices = GetLinearModuleIndices(spec);
        var writer = new SafeTensorsWriter();
        writer.AddMetadata("format", "pt");
        writer.AddMetadata(SpecMetadataKey, spec.DescribeArchitecture());
        writer.AddMetadata(PyTorchMetadataKey, DescribeAsPyTorchSequential(spec));
        if (scaler is not null)
        {
            writer.AddMetadata(ScalerMetadataKey, ScalerMetadata.Write(scaler));
        }
        for (int l = 0; l < spec.Layers.Count; l++)
        {
            var layout = spec.GetLayout(l);
            string weightName = WeightName(indices[l]);
            string biasName = BiasName(indices[l]);
            ReadOnlySpan<T> weights = parameters.Slice(layout.WeightsOffset, layout.WeightCount);
            ReadOnlySpan<T> biases = parameters.Slice(layout.BiasesOffset, layout.OutputSize);
            RequireFiniteForSave(weights, weightName, layout.InputSize);
            RequireFiniteForSave(biases, biasName, 0);
            writer.AddTensor(weightName, weights, layout.OutputSize, layout.InputSize);
            writer.AddTensor(biasName, biases, layout.OutputSize);
        }

        writer.Save(path);
    }

    /// <summary>
    /// Loads parameters saved by <see cref="Save{T}(INetwork{T}, string)"/> or by PyTorch (<c>safetensors.torch.save_file(model.state_dict(), path)</c>)
    /// into <paramref name="network"/>. The file must hold only <c>&lt;i&gt;.weight</c> / <c>&lt;i&gt;.bias</c> pairs that,
    /// ordered by i, match the network's dense layers in count and shape, in dtype F32, F64, F16 or BF16 (converted to
    /// <typeparamref name="T"/>), with finite values, and its <see cref="SpecMetadataKey"/>, if present, must equal the
    /// network's <see cref="NetworkSpec.DescribeArchitecture"/> (precision may differ). Everything is checked into a scratch buffer first: on any error the network is unchanged.
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">The network to load into.</param>
    /// <param name="path">The safetensors file.</param>
    /// <exception cref="WeightsFileException">The file is invalid or is not for this network; the message says why.</exception>
    public static void Load<T>(INetwork<T> network, string path)
        where T : unmanaged, IFloatingPointIeee754<T> => Load(network, path, out _);

    /// <summary>
    /// Loads parameters as <see cref="Load{T}(INetwork{T}, string)"/> does, and the feature scaler saved with them
    /// (<see cref="ScalerMetadataKey"/>), if the file has one. Both are checked before anything is changed: a malformed
    /// scaler entry, or one for another number of inputs, fails the load like a malformed tensor.
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">The network to load into.</param>
    /// <param name="path">The safetensors file.</param>
    /// <param name="scaler">The scaler to apply to raw inputs before <see cref="INetwork{T}.Forward"/>, or
    /// <see langword="null"/> when the file has none (as files from PyTorch, or saved without one).</param>
    /// <exception cref="WeightsFileException">The file is invalid or is not for this network; the message says why.</exception>
    public static void Load<T>(INetwork<T> network, string path, out IFeatureScaler<T>? scaler)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(path);
        var spec = network.Spec;
        using var reader = SafeTensorsReader.Open(path);
        var sizes = new int[spec.Layers.Count];
        for (int l = 0; l < sizes.Length; l++)
        {
            sizes[l] = spec.Layers[l].Size;
        }

        // The rules and their order are the generator's own (SafeTensorsLayerMatching.cs is compiled into both), so a file
        // fails here exactly when baking it fails, with the same message.
        var target = new WeightsTarget(spec.DescribeArchitecture(), spec.ToString(), spec.InputSize, sizes, ScalerMetadata.TypeOf<T>());
        var match = SafeTensorsLayerMatching.Match(reader.Tensors, reader.Metadata, target, out var mismatch)
            ?? throw new WeightsFileException(mismatch!.Problem, path, mismatch.TensorName);
        var scratch = new T[spec.ParameterCount];
        for (int l = 0; l < match.Layers.Count; l++)
        {
            var layout = spec.GetLayout(l);
            ReadFinite(reader, match.Layers[l].Weight, scratch.AsSpan(layout.WeightsOffset, layout.WeightCount), layout.InputSize);
            ReadFinite(reader, match.Layers[l].Bias, scratch.AsSpan(layout.BiasesOffset, layout.OutputSize), 0);
        }

        scratch.CopyTo(network.Parameters);
        scaler = match.Scaler is null ? null : ScalerMetadata.Create<T>(match.Scaler);
    }

    /// <summary>
    /// The index, in the mirroring PyTorch <c>nn.Sequential</c>, of each dense layer's <c>nn.Linear</c> module: the
    /// number <c>i</c> in its tensor names <c>i.weight</c> and <c>i.bias</c>.
    /// </summary>
    /// <param name="spec">The network.</param>
    /// <returns>One index per dense layer, increasing.</returns>
    public static IReadOnlyList<int> GetLinearModuleIndices(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var indices = new int[spec.Layers.Count];
        int module = spec.InputKeepProbability < 1.0 ? 1 : 0;
        for (int l = 0; l < indices.Length; l++)
        {
            var layer = spec.Layers[l];
            indices[l] = module++;
            if (layer.Activation != Activation.Identity)
            {
                module++;
            }

            if (layer.HasDropout)
            {
                module++;
            }
        }

        return indices;
    }

    /// <summary>
    /// The PyTorch <c>nn.Sequential</c> that mirrors the network, as Python source, e.g.
    /// <c>nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(p=0.2), nn.Linear(32, 10), nn.Softmax(dim=-1))</c>.
    /// The Step activation has no built-in module; it is written <c>Step()</c>, for a module computing <c>(x &gt; 0).to(x.dtype)</c>.
    /// </summary>
    /// <param name="spec">The network.</param>
    public static string DescribeAsPyTorchSequential(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var modules = new List<string>();
        if (spec.InputKeepProbability < 1.0)
        {
            modules.Add(Dropout(spec.InputKeepProbability));
        }

        int inputs = spec.InputSize;
        foreach (var layer in spec.Layers)
        {
            modules.Add(string.Create(CultureInfo.InvariantCulture, $"nn.Linear({inputs}, {layer.Size})"));
            string? activation = ActivationTable.For(layer.Activation).PyTorchModule(layer);
            if (activation is not null)
            {
                modules.Add(activation);
            }

            if (layer.HasDropout)
            {
                modules.Add(Dropout(layer.KeepProbability));
            }

            inputs = layer.Size;
        }

        return $"nn.Sequential({string.Join(", ", modules)})";

        // G15 prints 1 − 0.8 as 0.2 rather than its binary neighbour 0.19999999999999996.
        static string Dropout(double keep) => $"nn.Dropout(p={(1.0 - keep).ToString("G15", CultureInfo.InvariantCulture)})";
    }

    private static string WeightName(int module) => string.Create(CultureInfo.InvariantCulture, $"{module}.weight");

    private static string BiasName(int module) => string.Create(CultureInfo.InvariantCulture, $"{module}.bias");

    private static void ReadFinite<T>(SafeTensorsReader reader, SafeTensorInfo tensor, Span<T> destination, int rowLength)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        reader.ReadFloatingPoint(tensor, destination);
        int bad = IndexOfNonFinite<T>(destination);
        if (bad >= 0)
        {
            // A finite F64 value beyond float's range rounds to infinity; say so rather than blame the file.
            string? overflow = T.IsInfinity(destination[bad]) && typeof(T) != typeof(double) && tensor.DataType == SafeTensorDataType.Float64
                ? typeof(T).Name
                : null;
            throw new WeightsFileException(SafeTensorsLayerMatching.NonFiniteProblem(Describe(destination[bad]), bad, rowLength, overflow), reader.Path, tensor.Name);
        }
    }

    private static void RequireFiniteForSave<T>(ReadOnlySpan<T> values, string tensorName, int rowLength)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int bad = IndexOfNonFinite(values);
        if (bad >= 0)
        {
            throw new ArgumentException(
                $"Parameter {tensorName}{SafeTensorsLayerMatching.ElementName(bad, rowLength)} is {Describe(values[bad])}; only finite weights are saved, and nothing was written.",
                "network");
        }
    }

    private static int IndexOfNonFinite<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Describe<T>(T value)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        T.IsNaN(value) ? "NaN" : T.IsPositiveInfinity(value) ? "+infinity" : "-infinity";
}
