using System;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Reflection;
using Google.Protobuf;
using NetGen.Data;
using NetGen.IO;
using NetGen.Onnx.Proto;

namespace NetGen.Onnx;

/// <summary>
/// Writes a network, generated or interpreted, as an ONNX model that ONNX Runtime, PyTorch (via onnx2torch), Netron and
/// other ONNX tools read: inference only, with the current parameters as initializers.
/// </summary>
/// <remarks>
/// <para>
/// The graph maps input [batch, in] to output [batch, out]. Each dense layer is a <c>Gemm</c> (A · Bᵀ + C with
/// <c>transB = 1</c>, so B is NetGen's row-major W [out, in] as is and C the bias b [out]), followed by its activation:
/// <c>Sigmoid</c>, <c>Tanh</c>, <c>Relu</c>, <c>LeakyRelu</c> (alpha = the slope), <c>Elu</c> (alpha), <c>Softplus</c>,
/// GELU as <c>Mul(Mul(z, ½), Add(1, Erf(Div(z, √2))))</c>, SiLU as <c>Mul(z, Sigmoid(z))</c>, <c>Softmax</c> (axis −1),
/// nothing for Identity, and <c>Greater(z, 0)</c> then <c>Cast</c> for Step. Dropout is an identity at inference and has
/// no node. <see cref="OnnxImporter"/> reads every one of these forms back as the same activation.
/// Opset <see cref="OpsetVersion"/>, IR version <see cref="IrVersion"/>; float networks use FLOAT tensors, double
/// networks DOUBLE. The model's metadata holds the network's <see cref="NetworkSpec.DescribeArchitecture"/> under
/// <see cref="WeightsFile.SpecMetadataKey"/>.
/// </para>
/// <para>
/// A <see cref="Predictor{T}"/> is exported with its feature scaler in front of the first <c>Gemm</c>: <c>Sub</c> then
/// <c>Div</c> with per-feature initializers (<c>scaler.mean</c> and <c>scaler.std</c> for a <see cref="Standardizer{T}"/>,
/// <c>scaler.min</c> and <c>scaler.range</c> for a <see cref="MinMaxScaler{T}"/>), so the model takes raw features, and
/// the metadata entry <see cref="WeightsFile.ScalerMetadataKey"/> holds the scaler as the weights file does.
/// </para>
/// <para>
/// A <see cref="QuantizedNetwork"/> keeps its compressed weights: int8 weights as an INT8 initializer through
/// <c>DequantizeLinear</c> (one scale per output neuron, axis 0) into the <c>Gemm</c>; bfloat16 weights as a BFLOAT16
/// initializer through <c>Cast</c>; full int8 as <c>QuantizeLinear</c> of each layer's input (UINT8, its calibrated scale
/// and zero point), <c>MatMulInteger</c>, <c>Cast</c> to FLOAT, <c>Mul</c> by the combined scales and <c>Add</c> of the
/// bias. The metadata entry <c>netgen.quantization</c> says which. (<see cref="OnnxImporter"/> reads float models only.)
/// </para>
/// <para>
/// In a double network LeakyReLU is written as <c>Where(Greater(z, 0), z, Mul(z, α))</c> and ELU as
/// <c>Where(Greater(z, 0), z, Mul(α, Sub(Exp(z), 1)))</c>, with α a DOUBLE initializer: the <c>alpha</c> attributes of
/// LeakyRelu and Elu are 32-bit floats, which would round a slope such as 0.3.
/// </para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the models use.</summary>
    public const int OpsetVersion = 17;

    /// <summary>The ONNX IR version of the models (8 goes with opset 17).</summary>
    public const int IrVersion = 8;

    /// <summary>
    /// Writes <paramref name="network"/> as an ONNX model to <paramref name="path"/>, atomically: a temporary file in the
    /// same folder, flushed and then renamed over the target, so a crash leaves the old file or the new one.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="network">The network, with the parameters to export.</param>
    /// <param name="path">The file to create or replace, by convention with the extension <c>.onnx</c>.</param>
    /// <param name="options">Names and batch dimension; the defaults when null.</param>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <exception cref="ArgumentException">A parameter is NaN or infinite, or the options are invalid; nothing is written.</exception>
    public static void Export<T>(INetwork<T> network, string path, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(path);
        // Build (and so validate) the whole model before the file is touched.
        var model = BuildModel(network, scaler: null, options ?? new OnnxExportOptions());
        AtomicFile.Write(path, stream => model.WriteTo(stream));
    }

    /// <summary>Writes <paramref name="network"/> as an ONNX model to <paramref name="destination"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="network">The network, with the parameters to export.</param>
    /// <param name="destination">A writable stream, left open.</param>
    /// <param name="options">Names and batch dimension; the defaults when null.</param>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <exception cref="ArgumentException">A parameter is NaN or infinite, or the options are invalid; nothing is written.</exception>
    public static void Export<T>(INetwork<T> network, Stream destination, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(destination);
        BuildModel(network, scaler: null, options ?? new OnnxExportOptions()).WriteTo(destination);
    }

    /// <summary>
    /// Writes a trained network together with its feature scaler as one ONNX model that takes raw features: the scaler
    /// becomes <c>Sub</c> and <c>Div</c> nodes before the first layer. The file is written atomically, as by
    /// <see cref="Export{T}(INetwork{T}, string, OnnxExportOptions)"/>.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="model">The network and its scaler (a <see cref="Standardizer{T}"/>, a <see cref="MinMaxScaler{T}"/>, or none).</param>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="options">Names and batch dimension; the defaults when null.</param>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <exception cref="ArgumentException">A parameter is NaN or infinite, the scaler has no ONNX form, or the options
    /// are invalid; nothing is written.</exception>
    public static void Export<T>(Predictor<T> model, string path, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        var built = BuildModel(model.Network, model.Scaler, options ?? new OnnxExportOptions());
        AtomicFile.Write(path, stream => built.WriteTo(stream));
    }

    /// <summary>Writes a trained network together with its feature scaler as one ONNX model to <paramref name="destination"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="model">The network and its scaler (a <see cref="Standardizer{T}"/>, a <see cref="MinMaxScaler{T}"/>, or none).</param>
    /// <param name="destination">A writable stream, left open.</param>
    /// <param name="options">Names and batch dimension; the defaults when null.</param>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <exception cref="ArgumentException">A parameter is NaN or infinite, the scaler has no ONNX form, or the options
    /// are invalid; nothing is written.</exception>
    public static void Export<T>(Predictor<T> model, Stream destination, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(destination);
        BuildModel(model.Network, model.Scaler, options ?? new OnnxExportOptions()).WriteTo(destination);
    }

    private static ModelProto BuildModel<T>(INetwork<T> network, IFeatureScaler<T>? scaler, OnnxExportOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var elementType = typeof(T) == typeof(float) ? TensorProto.Types.DataType.Float
            : typeof(T) == typeof(double) ? TensorProto.Types.DataType.Double
            : throw new NotSupportedException($"ONNX export supports float and double networks, not {typeof(T).Name}.");
        CheckOptions(options);
        var spec = network.Spec;
        ReadOnlySpan<T> parameters = network.Parameters;
        if (parameters.Length != spec.ParameterCount)
        {
            throw new ArgumentException($"The network has {parameters.Length} parameters; its spec {spec} lays out {spec.ParameterCount}.", nameof(network));
        }

        // A quantized network keeps its compressed weights in the model (see OnnxQuantizedLayers).
        var quantized = network as QuantizedNetwork;
        var graph = new OnnxGraphBuilder(new GraphProto { Name = options.GraphName, DocString = spec.ToString() }, elementType);
        graph.Graph.Input.Add(TensorValue(options.InputName, elementType, options, spec.InputSize));
        graph.Graph.Output.Add(TensorValue(options.OutputName, elementType, options, spec.OutputSize));
        var indices = WeightsFile.GetLinearModuleIndices(spec);
        string current = scaler is null ? options.InputName : OnnxInputScaling.Add(graph, scaler, options.InputName, spec.InputSize);
        for (int l = 0; l < spec.Layers.Count; l++)
        {
            var layer = spec.Layers[l];
            var layout = spec.GetLayout(l);
            bool last = l == spec.Layers.Count - 1;
            string z = last && layer.Activation == Activation.Identity ? options.OutputName : Name($"z{l + 1}");
            if (quantized is not null)
            {
                OnnxQuantizedLayers.AddLayer(graph, quantized, l, Name($"{indices[l]}"), current, z, quantized.Parameters);
            }
            else
            {
                // Initializers keep the PyTorch state_dict names, so the ONNX model and the weights file name W and b alike.
                string weightName = Name($"{indices[l]}.weight");
                string biasName = Name($"{indices[l]}.bias");
                graph.AddInitializer(weightName, parameters.Slice(layout.WeightsOffset, layout.WeightCount), layout.OutputSize, layout.InputSize);
                graph.AddInitializer(biasName, parameters.Slice(layout.BiasesOffset, layout.OutputSize), layout.OutputSize);
                graph.AddNode("Gemm", Name($"dense{l + 1}"), [current, weightName, biasName], [z], OnnxGraphBuilder.Int("transB", 1));
            }

            string a = last ? options.OutputName : Name($"a{l + 1}");
            OnnxActivations.Add(graph, layer, l + 1, z, a);
            current = layer.Activation == Activation.Identity ? z : a;
        }

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "NetGen",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
            ModelVersion = 1,
            DocString = $"{spec} as {WeightsFile.DescribeAsPyTorchSequential(spec)}" + (scaler is null ? string.Empty : $", on raw inputs scaled as {WeightsFile.ScalerMetadataKey} says"),
            Graph = graph.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        model.MetadataProps.Add(new StringStringEntryProto { Key = WeightsFile.SpecMetadataKey, Value = spec.DescribeArchitecture() });
        model.MetadataProps.Add(new StringStringEntryProto { Key = WeightsFile.PyTorchMetadataKey, Value = WeightsFile.DescribeAsPyTorchSequential(spec) });
        if (scaler is not null)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = WeightsFile.ScalerMetadataKey, Value = ScalerMetadata.Write(scaler) });
        }

        if (quantized is not null)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = OnnxQuantizedLayers.MetadataKey, Value = OnnxQuantizedLayers.Describe(quantized) });
        }

        return model;

        static string Name(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }

    private static ValueInfoProto TensorValue(string name, TensorProto.Types.DataType elementType, OnnxExportOptions options, int features)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(options.BatchSize is { } batch
            ? new TensorShapeProto.Types.Dimension { DimValue = batch }
            : new TensorShapeProto.Types.Dimension { DimParam = options.BatchDimensionName });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = features });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = shape } },
        };
    }

    private static void CheckOptions(OnnxExportOptions options)
    {
        if (string.IsNullOrEmpty(options.InputName) || string.IsNullOrEmpty(options.OutputName) || options.InputName == options.OutputName)
        {
            throw new ArgumentException("The input and output names must be non-empty and different.", nameof(options));
        }

        if (options.BatchSize is < 1)
        {
            throw new ArgumentException($"The batch size must be at least 1, not {options.BatchSize}.", nameof(options));
        }

        if (options.BatchSize is null && string.IsNullOrEmpty(options.BatchDimensionName))
        {
            throw new ArgumentException("A dynamic batch dimension needs a name.", nameof(options));
        }
    }
}
