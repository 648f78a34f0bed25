using System;
using System.Collections.Generic;
using System.Numerics;

namespace NetGen.Onnx;

/// <summary>
/// A network read from an ONNX model by <see cref="OnnxImporter"/>: its <see cref="NetworkSpec"/>, its parameters in
/// NetGen's layout (per dense layer W row-major [out, in], then b), and where each layer came from in the graph.
/// </summary>
/// <remarks>
/// Normalization before the first layer (constant Sub/Div or Mul/Add) and BatchNormalization are folded into the dense
/// layers, so the network takes the same raw inputs as the ONNX model and computes the same outputs. A model that ends
/// in LogSoftmax becomes a network with a Softmax output layer (<see cref="OutputIsLogSoftmax"/>): its Forward returns the
/// class probabilities, the exponentials of what the model returns; the most probable class is the same.
/// </remarks>
public sealed class ImportedModel
{
    private readonly double[] _parameters;

    internal ImportedModel(NetworkSpec spec, double[] parameters, OnnxNetworkDescription description, string? path)
    {
        Spec = spec;
        _parameters = parameters;
        Description = description;
        SourcePath = path;
        var layers = new ImportedLayerSource[description.Layers.Length];
        for (int l = 0; l < layers.Length; l++)
        {
            var layer = description.Layers[l];
            layers[l] = new ImportedLayerSource(layer.Node, layer.OpType, layer.WeightTensor, layer.WeightShape, layer.BiasTensor, layer.ActivationNode);
        }

        LayerSources = layers;
    }

    /// <summary>The network: input size, dense layers with their activations, loss and precision (Single for a FLOAT model, Double for a DOUBLE one).</summary>
    public NetworkSpec Spec { get; }

    /// <summary>
    /// Every weight and bias in NetGen's flat layout, as doubles: exactly the stored values for FLOAT, FLOAT16 and BFLOAT16
    /// initializers (and DOUBLE ones), or the folded values computed in double.
    /// </summary>
    public ReadOnlySpan<double> Parameters => _parameters;

    /// <summary>Whether the model ends in LogSoftmax, imported as a Softmax output (see the remarks).</summary>
    public bool OutputIsLogSoftmax => Description.OutputIsLogSoftmax;

    /// <summary>
    /// Whether the loss and dropout came from NetGen's <c>netgen.spec</c> metadata (a model NetGen exported). Otherwise the
    /// loss is SoftmaxCrossEntropy for a softmax output, MeanSquaredError for any other (choose another with
    /// <see cref="WithLoss"/>), and none for a network with a Step layer.
    /// </summary>
    public bool LossFromMetadata => Description.LossFromMetadata;

    /// <summary>The graph input's name.</summary>
    public string InputName => Description.InputName;

    /// <summary>The graph output's name.</summary>
    public string OutputName => Description.OutputName;

    /// <summary>The shape of one sample as the model declares it, such as [1, 28, 28]; the network takes it flattened row-major.</summary>
    public IReadOnlyList<long> InputShape => Description.InputShape;

    /// <summary>The model's fixed batch size, or null when its batch dimension is dynamic. The network takes any batch either way.</summary>
    public long? FixedBatchSize => Description.FixedBatchSize;

    /// <summary>The default-domain opset the model imports.</summary>
    public long Opset => Description.Opset;

    /// <summary>The producer the model names, such as "pytorch 1.13.0".</summary>
    public string Producer => Description.Producer;

    /// <summary>Per dense layer, the graph's node and tensors it was read from.</summary>
    public IReadOnlyList<ImportedLayerSource> LayerSources { get; }

    /// <summary>What the import folded or dropped (BatchNormalization, normalization, Dropout, LogSoftmax), one sentence each.</summary>
    public IReadOnlyList<string> Notes => Description.Notes;

    /// <summary>The file the model was read from, when it was.</summary>
    internal string? SourcePath { get; }

    internal OnnxNetworkDescription Description { get; }

    /// <summary>An interpreted network with the imported spec and parameters.</summary>
    /// <typeparam name="T">The type to compute in, float or double (independent of <see cref="NetworkSpec.Precision"/>).</typeparam>
    /// <exception cref="OnnxImportException">A parameter is too large for <typeparamref name="T"/>.</exception>
    public InterpretedNetwork<T> CreateInterpreted<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var network = new InterpretedNetwork<T>(Spec);
        CopyParametersTo(network.Parameters);
        return network;
    }

    /// <summary>
    /// Writes the parameters to <paramref name="destination"/>, <see cref="NetworkSpec.ParameterCount"/> long, rounded to
    /// <typeparamref name="T"/> (to nearest, as a cast does). Checked first: on an error nothing is written.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has the wrong length.</exception>
    /// <exception cref="OnnxImportException">A parameter is too large for <typeparamref name="T"/> (NonFiniteValue).</exception>
    public void CopyParametersTo<T>(Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (destination.Length != _parameters.Length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values; the network has {_parameters.Length} parameters.", nameof(destination));
        }

        var converted = Convert<T>();
        converted.CopyTo(destination);
    }

    /// <summary>The same network with another loss (or none, for a forward-only network); the parameters are shared.</summary>
    /// <exception cref="ArgumentException">The loss does not fit the output layer (SoftmaxCrossEntropy needs Softmax, BinaryCrossEntropy Sigmoid).</exception>
    public ImportedModel WithLoss(Loss? loss) =>
        new(new NetworkSpec(Spec.InputSize, Spec.Layers, loss, Spec.Precision, Spec.InputKeepProbability), _parameters, Description, SourcePath);

    internal T[] Convert<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[_parameters.Length];
        for (int i = 0; i < values.Length; i++)
        {
            var value = T.CreateTruncating(_parameters[i]);
            if (!T.IsFinite(value))
            {
                throw TooLarge<T>(i);
            }

            values[i] = value;
        }

        return values;
    }

    private OnnxImportException TooLarge<T>(int index)
    {
        string detail = Description.TooLarge(index, typeof(T).Name);
        int layer = Spec.Layers.Count - 1;
        while (layer > 0 && index < Spec.GetLayout(layer).WeightsOffset)
        {
            layer--;
        }

        var source = Description.Layers[layer];
        return new OnnxImportException(OnnxImportProblem.NonFiniteValue, detail, SourcePath, source.Node, source.WeightTensor);
    }
}

/// <summary>Where a dense layer of an <see cref="ImportedModel"/> came from in the ONNX graph.</summary>
/// <param name="Node">The Gemm or MatMul node (its name, or its first output when it has none).</param>
/// <param name="OpType">Gemm or MatMul.</param>
/// <param name="WeightTensor">The initializer holding the weights.</param>
/// <param name="WeightShape">The weight initializer's shape as stored ([out, in] for Gemm with transB = 1, else [in, out]).</param>
/// <param name="BiasTensor">The initializer holding the bias (Gemm's C, or the constant of the Add after a MatMul), if any.</param>
/// <param name="ActivationNode">The node that applies the activation (the last of a decomposition), or null for Identity.</param>
public sealed record ImportedLayerSource(string Node, string OpType, string WeightTensor, IReadOnlyList<long> WeightShape, string? BiasTensor, string? ActivationNode);
