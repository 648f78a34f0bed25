using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;

namespace NetGen.Onnx;

/// <summary>
/// Reads an ONNX model of a feed-forward network, as PyTorch's <c>torch.onnx.export</c>, other exporters and
/// <see cref="OnnxExporter"/> write them, into a <see cref="NetworkSpec"/> and parameters (<see cref="ImportedModel"/>,
/// which builds an <see cref="InterpretedNetwork{T}"/>), or loads its weights into a matching generated network.
/// </summary>
/// <remarks>
/// <para>
/// The graph must be a chain from one input [batch, features…] to one output: dense layers (<c>Gemm</c> with any
/// transB, alpha and beta; <c>MatMul</c> + <c>Add</c>), each followed by at most one activation (<c>Relu</c>,
/// <c>LeakyRelu</c>, <c>Sigmoid</c>, <c>Tanh</c>, <c>Elu</c>, <c>Softplus</c>, <c>Gelu</c> or GELU's exported
/// decomposition, SiLU as <c>Mul(x, Sigmoid(x))</c>, and <c>Softmax</c> or <c>LogSoftmax</c> on the output), with
/// <c>Identity</c>, <c>Dropout</c> (dropped: inference), <c>Flatten</c>/<c>Reshape</c> to [batch, features], and
/// constant <c>Add</c>/<c>Sub</c>/<c>Mul</c>/<c>Div</c>/<c>Neg</c> and <c>BatchNormalization</c> folded into the
/// neighbouring dense layers. Initializers may be FLOAT, DOUBLE, FLOAT16 or BFLOAT16, in raw_data or typed fields;
/// opsets 9 to 21; the batch dimension dynamic or fixed.
/// </para>
/// <para>
/// Everything else is an <see cref="OnnxImportException"/> naming the node, its operator and what is supported, with a
/// <see cref="OnnxImportProblem"/> for each kind of failure: truncated or malformed protobuf, external data, branching
/// graphs, weights that are not 2-D, missing initializers, hostile sizes. The reader checks every length against the
/// bytes that remain and caps counts, so it allocates at most a small multiple of the model's size, whatever the file
/// claims. The same reader and recognizer are compiled into the source generator for <c>[Network(Onnx = "…")]</c>.
/// </para>
/// </remarks>
public static class OnnxImporter
{
    /// <summary>The largest model read: a .NET array's length.</summary>
    public const long MaxModelBytes = 0x7FFFFFC7;

    /// <summary>Reads the network an ONNX file computes.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <exception cref="OnnxImportException">The model cannot be imported; the message says why and where.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ImportedModel Import(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Import(ReadFile(path), path);
    }

    /// <summary>Reads the network of an ONNX model read from <paramref name="stream"/> to its end.</summary>
    /// <param name="stream">A readable stream, left open.</param>
    /// <param name="name">A name for the stream in messages, or null.</param>
    /// <exception cref="OnnxImportException">The model cannot be imported.</exception>
    public static ImportedModel Import(Stream stream, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Import(ReadStream(stream, name), name);
    }

    /// <summary>Reads the network of an ONNX model held in memory.</summary>
    /// <param name="model">The model's bytes.</param>
    /// <exception cref="OnnxImportException">The model cannot be imported.</exception>
    public static ImportedModel Import(ReadOnlySpan<byte> model) => Import(model.ToArray(), null);

    /// <summary>
    /// Loads the weights of an ONNX model into <paramref name="network"/>, generated or interpreted, whose architecture
    /// the model must compute: the same input size, number of dense layers, layer sizes, activations and activation
    /// parameters (a LogSoftmax output fits a Softmax layer; loss and dropout may differ). Everything is checked and
    /// converted first: on any error the network is unchanged.
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">The network to load into.</param>
    /// <param name="path">The .onnx file.</param>
    /// <exception cref="OnnxImportException">The model cannot be imported, or does not fit the network
    /// (<see cref="OnnxImportProblem.NetworkMismatch"/>; the message names the layer's node, its weight tensor and both shapes).</exception>
    public static void LoadInto<T>(INetwork<T> network, string path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        LoadInto(network, Import(path));
    }

    /// <summary>As <see cref="LoadInto{T}(INetwork{T}, string)"/>, from a stream read to its end.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">The network to load into.</param>
    /// <param name="stream">A readable stream, left open.</param>
    /// <param name="name">A name for the stream in messages, or null.</param>
    /// <exception cref="OnnxImportException">The model cannot be imported or does not fit the network.</exception>
    public static void LoadInto<T>(INetwork<T> network, Stream stream, string? name = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        LoadInto(network, Import(stream, name));
    }

    /// <summary>As <see cref="LoadInto{T}(INetwork{T}, string)"/>, from a model already imported.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">The network to load into.</param>
    /// <param name="model">The imported model.</param>
    /// <exception cref="OnnxImportException">The model does not fit the network, or a weight is too large for <typeparamref name="T"/>.</exception>
    public static void LoadInto<T>(INetwork<T> network, ImportedModel model)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(model);
        CheckFits(network.Spec, model);
        var converted = model.Convert<T>();
        var parameters = network.Parameters;
        if (parameters.Length != converted.Length)
        {
            throw new ArgumentException($"The network has {parameters.Length} parameters; its spec {network.Spec} lays out {network.Spec.ParameterCount}.", nameof(network));
        }

        converted.CopyTo(parameters);
    }

    private static ImportedModel Import(byte[] bytes, string? path)
    {
        var description = OnnxNetworkImport.TryRead(bytes, out var error);
        if (description is null)
        {
            throw OnnxImportException.From(error!, path);
        }

        NetworkSpec spec;
        try
        {
            spec = new NetworkSpec(
                description.InputSize,
                description.Layers.Select(l => new DenseLayerSpec(l.Size, l.Activation) { LeakySlope = l.LeakySlope, Alpha = l.Alpha, KeepProbability = l.KeepProbability }),
                description.Loss,
                description.Precision,
                description.InputKeepProbability);
        }
        catch (ArgumentException e)
        {
            throw new OnnxImportException(OnnxImportProblem.ArchitectureRule, $"The network the model computes breaks a NetGen rule: {e.Message}", path, innerException: e);
        }

        return new ImportedModel(spec, description.Parameters, description, path);
    }

    private static void CheckFits(NetworkSpec spec, ImportedModel model)
    {
        var imported = model.Spec;
        var description = model.Description;
        string? path = model.SourcePath;
        if (imported.InputSize != spec.InputSize)
        {
            string shape = "[batch, " + string.Join(", ", description.InputShape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
            throw new OnnxImportException(OnnxImportProblem.NetworkMismatch, $"The model's input '{description.InputName}' has {imported.InputSize} features per sample (shape {shape}), but the network '{spec}' takes {spec.InputSize}", path, tensorName: description.InputName);
        }

        if (imported.Layers.Count != spec.Layers.Count)
        {
            throw new OnnxImportException(OnnxImportProblem.NetworkMismatch, $"The model has {imported.Layers.Count} dense layers ('{imported.DescribeArchitecture()}'), but the network '{spec}' has {spec.Layers.Count}", path);
        }

        for (int l = 0; l < spec.Layers.Count; l++)
        {
            var mine = spec.Layers[l];
            var theirs = imported.Layers[l];
            var source = description.Layers[l];
            var layout = spec.GetLayout(l);
            if (theirs.Size != mine.Size)
            {
                throw new OnnxImportException(
                    OnnxImportProblem.NetworkMismatch,
                    string.Create(CultureInfo.InvariantCulture, $"{Capitalize(source.Describe(l))} gives dense layer {l + 1} the weights [{theirs.Size}, {source.InputSize}] ([out, in]), but the network's dense layer {l + 1} has the weights [{layout.OutputSize}, {layout.InputSize}]"),
                    path,
                    source.Node,
                    source.WeightTensor);
            }

            bool parameterDiffers = mine.Activation switch
            {
                Activation.LeakyReLU => (float)mine.LeakySlope != (float)theirs.LeakySlope,
                Activation.ELU => (float)mine.Alpha != (float)theirs.Alpha,
                _ => false,
            };
            if (theirs.Activation != mine.Activation || parameterDiffers)
            {
                string where = source.ActivationNode is { } node ? $" (node '{node}')" : string.Empty;
                throw new OnnxImportException(
                    OnnxImportProblem.NetworkMismatch,
                    string.Create(CultureInfo.InvariantCulture, $"{Capitalize(source.Describe(l))} is followed by {Describe(theirs)}{where}, but the network's dense layer {l + 1} uses {Describe(mine)}"),
                    path,
                    source.ActivationNode ?? source.Node,
                    source.WeightTensor);
            }
        }
    }

    private static string Describe(DenseLayerSpec layer) => layer.Activation switch
    {
        Activation.LeakyReLU => string.Create(CultureInfo.InvariantCulture, $"LeakyReLU with slope {layer.LeakySlope:R}"),
        Activation.ELU => string.Create(CultureInfo.InvariantCulture, $"ELU with alpha {layer.Alpha:R}"),
        _ => layer.Activation.ToString(),
    };

    private static byte[] ReadFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return ReadStream(stream, path);
    }

    private static byte[] ReadStream(Stream stream, string? name)
    {
        if (stream.CanSeek)
        {
            long length = stream.Length - stream.Position;
            if (length > MaxModelBytes)
            {
                throw new OnnxImportException(OnnxImportProblem.HostileSize, string.Create(CultureInfo.InvariantCulture, $"The model is {length} bytes; at most {MaxModelBytes} are read"), name);
            }

            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return bytes;
        }

        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            if (copy.Length + read > MaxModelBytes)
            {
                throw new OnnxImportException(OnnxImportProblem.HostileSize, string.Create(CultureInfo.InvariantCulture, $"The model is more than {MaxModelBytes} bytes, the most that is read"), name);
            }

            copy.Write(buffer, 0, read);
        }

        return copy.ToArray();
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
