// Shared source: compiled into NetGen.Onnx and linked into the source generator (see OnnxImportProblem.cs).
using System.Collections.Generic;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared.Onnx;
#else
namespace NetGen.Onnx;
#endif

/// <summary>
/// What an ONNX model is as a NetGen network: the same facts a declaration with baked weights states (input size,
/// dense layers with their activations, loss, precision) and the flat parameter vector in NetGen's layout (per dense
/// layer W row-major [out, in], then b), with normalization and batch normalization already folded in. Produced by
/// <see cref="OnnxNetworkImport.Read"/>; the run-time importer turns it into a NetworkSpec, the source generator into
/// its network model.
/// </summary>
internal sealed class OnnxNetworkDescription
{
    public OnnxNetworkDescription(
        string inputName,
        long[] inputShape,
        long? fixedBatchSize,
        string outputName,
        Precision precision,
        double inputKeepProbability,
        OnnxDenseLayer[] layers,
        Loss? loss,
        bool lossFromMetadata,
        bool outputIsLogSoftmax,
        double[] parameters,
        long opset,
        string producer,
        string[] notes)
    {
        InputName = inputName;
        InputShape = inputShape;
        FixedBatchSize = fixedBatchSize;
        OutputName = outputName;
        Precision = precision;
        InputKeepProbability = inputKeepProbability;
        Layers = layers;
        Loss = loss;
        LossFromMetadata = lossFromMetadata;
        OutputIsLogSoftmax = outputIsLogSoftmax;
        Parameters = parameters;
        Opset = opset;
        Producer = producer;
        Notes = notes;
    }

    /// <summary>The graph input's name.</summary>
    public string InputName { get; }

    /// <summary>The shape of one sample as the model declares it (the input's dimensions after the batch), e.g. [1, 28, 28].</summary>
    public long[] InputShape { get; }

    /// <summary>The input's batch dimension when the model fixes it, else null (dynamic).</summary>
    public long? FixedBatchSize { get; }

    /// <summary>The number of input features: the product of <see cref="InputShape"/>.</summary>
    public int InputSize => Layers[0].InputSize;

    /// <summary>The graph output's name.</summary>
    public string OutputName { get; }

    /// <summary>Single for a FLOAT model, Double for a DOUBLE one.</summary>
    public Precision Precision { get; }

    /// <summary>The input dropout keep probability from NetGen's metadata; 1 otherwise (inference graphs carry no dropout).</summary>
    public double InputKeepProbability { get; }

    /// <summary>The dense layers, input side first.</summary>
    public OnnxDenseLayer[] Layers { get; }

    /// <summary>
    /// The loss: NetGen's own from the <c>netgen.spec</c> metadata when the model carries it, else SoftmaxCrossEntropy for
    /// a softmax output, none for a network with a Step layer, and MeanSquaredError otherwise.
    /// </summary>
    public Loss? Loss { get; }

    /// <summary>Whether <see cref="Loss"/> (and the dropout keep probabilities) came from NetGen's metadata.</summary>
    public bool LossFromMetadata { get; }

    /// <summary>
    /// Whether the model ends in LogSoftmax. The network's output layer is then Softmax: NetGen computes the class
    /// probabilities, the exponentials of what the ONNX model returns.
    /// </summary>
    public bool OutputIsLogSoftmax { get; }

    /// <summary>Every weight and bias, in NetGen's flat layout, exactly as decoded (F32, F16 and BF16 are exact in double) or folded in double.</summary>
    public double[] Parameters { get; }

    /// <summary>The default-domain opset the model imports.</summary>
    public long Opset { get; }

    /// <summary>The producer name and version the model records, such as "pytorch 1.13.0".</summary>
    public string Producer { get; }

    /// <summary>What the import folded away or dropped, one sentence each (BatchNormalization, normalization, Dropout, …).</summary>
    public string[] Notes { get; }

    /// <summary>
    /// Why parameter <paramref name="index"/> cannot be held in <paramref name="typeName"/> (it rounds to infinity there):
    /// the layer, its node and tensor, and the element, as the run-time importer and the source generator both report it.
    /// </summary>
    public string TooLarge(int index, string typeName)
    {
        int offset = 0;
        for (int l = 0; l < Layers.Length; l++)
        {
            var layer = Layers[l];
            int weights = layer.InputSize * layer.Size;
            if (index < offset + weights + layer.Size)
            {
                int within = index - offset;
                string element = within < weights
                    ? $"weight [{ProtobufReader.Number(within / layer.InputSize)}, {ProtobufReader.Number(within % layer.InputSize)}]"
                    : $"bias [{ProtobufReader.Number(within - weights)}]";
                string described = layer.Describe(l);
                return $"{char.ToUpperInvariant(described[0])}{described.Substring(1)} has the {element} {Parameters[index].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, too large for {typeName}";
            }

            offset += weights + layer.Size;
        }

        return $"A parameter is too large for {typeName}";
    }
}

/// <summary>One dense layer of an <see cref="OnnxNetworkDescription"/>, with the nodes and tensors it came from.</summary>
internal sealed class OnnxDenseLayer
{
    public OnnxDenseLayer(int inputSize, int size, Activation activation, double leakySlope, double alpha, double keepProbability, string node, string opType, string weightTensor, long[] weightShape, string? biasTensor, string? activationNode)
    {
        InputSize = inputSize;
        Size = size;
        Activation = activation;
        LeakySlope = leakySlope;
        Alpha = alpha;
        KeepProbability = keepProbability;
        Node = node;
        OpType = opType;
        WeightTensor = weightTensor;
        WeightShape = weightShape;
        BiasTensor = biasTensor;
        ActivationNode = activationNode;
    }

    public int InputSize { get; }

    public int Size { get; }

    public Activation Activation { get; }

    /// <summary>The negative slope of a LeakyReLU layer (ONNX's <c>alpha</c>).</summary>
    public double LeakySlope { get; }

    /// <summary>The α of an ELU layer.</summary>
    public double Alpha { get; }

    /// <summary>The dropout keep probability from NetGen's metadata; 1 otherwise.</summary>
    public double KeepProbability { get; }

    /// <summary>The Gemm or MatMul node of the layer (its display name).</summary>
    public string Node { get; }

    /// <summary>Gemm or MatMul.</summary>
    public string OpType { get; }

    /// <summary>The initializer holding W (or Wᵀ).</summary>
    public string WeightTensor { get; }

    /// <summary>The weight tensor's shape as stored.</summary>
    public long[] WeightShape { get; }

    /// <summary>The initializer holding the bias (Gemm's C, or the constant of the Add after a MatMul), if any.</summary>
    public string? BiasTensor { get; }

    /// <summary>The node that applies the activation (the last node of a decomposition), or null for Identity.</summary>
    public string? ActivationNode { get; }

    /// <summary>The layer described for messages, such as "dense layer 2 (node 'fc2', Gemm, weight 'fc2.weight' [10, 32])".</summary>
    public string Describe(int index) =>
        $"dense layer {ProtobufReader.Number(index + 1)} (node '{Node}', {OpType}, weight '{WeightTensor}' {OnnxTensorData.ShapeText(WeightShape)})";
}

/// <summary>The folding notes collected while recognizing, in graph order.</summary>
internal sealed class OnnxImportNotes
{
    private readonly List<string> _notes = new();

    public void Add(string note)
    {
        if (!_notes.Contains(note))
        {
            _notes.Add(note);
        }
    }

    public string[] ToArray() => _notes.ToArray();
}
