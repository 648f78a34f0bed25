using NetGen.Generator.Shared;

namespace NetGen.Generator.Model;

/// <summary>One dense layer as declared: size, activation, leaky slope, the keep probability of dropout after it, and ELU's α.</summary>
internal sealed record DenseLayerModel(int Size, ActivationKind Activation, double LeakySlope, double KeepProbability, double Alpha = NetGen.Generator.Shared.NetworkRules.DefaultAlpha)
{
    public bool HasDropout => KeepProbability < 1.0;
}

/// <summary>
/// <c>[Network(SparseInference = true)]</c>: Forward may skip the weights that are zero in the baked file, in every layer
/// whose share of nonzero weights is at most <paramref name="MaxDensity"/>.
/// </summary>
internal sealed record SparseInferenceModel(double MaxDensity);

/// <summary>
/// Everything the emitter needs to write a network's code, and nothing else: strings, numbers and enums only, so two
/// parses of an unchanged declaration compare equal and the incremental pipeline skips emission.
/// </summary>
internal sealed record NetworkModel(
    string? Namespace,
    string TypeName,
    string TypeKeyword,
    int InputSize,
    double InputKeepProbability,
    EquatableArray<DenseLayerModel> Layers,
    LossKind? Loss,
    PrecisionKind Precision,
    BakedWeightsModel? Weights = null,
    WeightFormat InferenceWeights = WeightFormat.Float,
    OnnxImportModel? Import = null,
    SparseInferenceModel? Sparse = null)
{
    /// <summary>Whether Forward reads compressed (int8 or bfloat16) weights.</summary>
    public bool HasCompressedWeights => InferenceWeights != WeightFormat.Float;

    /// <summary>The number of weights of all dense layers (biases not counted).</summary>
    public int WeightCount
    {
        get
        {
            int total = 0;
            for (int l = 0; l < Layers.Count; l++)
            {
                total += InputSizeOf(l) * Layers[l].Size;
            }

            return total;
        }
    }

    /// <summary>Where dense layer <paramref name="index"/>'s W starts among the compressed weights (all layers' W, in order).</summary>
    public int CompressedWeightsOffsetOf(int index)
    {
        int offset = 0;
        for (int l = 0; l < index; l++)
        {
            offset += InputSizeOf(l) * Layers[l].Size;
        }

        return offset;
    }

    /// <summary>Where dense layer <paramref name="index"/>'s neurons start among all layers' neurons (the row scales).</summary>
    public int NeuronOffsetOf(int index)
    {
        int offset = 0;
        for (int l = 0; l < index; l++)
        {
            offset += Layers[l].Size;
        }

        return offset;
    }

    public bool IsTrainable => Loss is not null;

    public bool IsDouble => Precision == PrecisionKind.Double;

    public int OutputSize => Layers[Layers.Count - 1].Size;

    public bool HasInputDropout => InputKeepProbability < 1.0;

    public string DisplayName => Namespace is null ? TypeName : Namespace + "." + TypeName;

    /// <summary>The type's name as code writes it (<see cref="TypeName"/> and <see cref="Namespace"/> are the plain names, for text).</summary>
    public string TypeIdentifier => Parsing.Identifiers.Type(TypeName);

    /// <summary>The namespace as code writes it, keyword segments escaped: <c>Models.@event</c>; null in the global namespace.</summary>
    public string? NamespaceIdentifier => Namespace is null ? null : Parsing.Identifiers.Namespace(Namespace);

    /// <summary>The type as code names it from anywhere, even where one of its members hides its simple name: <c>global::Models.@event.Net</c>.</summary>
    public string QualifiedTypeIdentifier => "global::" + (Namespace is null ? string.Empty : NamespaceIdentifier + ".") + TypeIdentifier;

    /// <summary>The width of dense layer <paramref name="index"/>'s input: the previous layer's size or the input size.</summary>
    public int InputSizeOf(int index) => index == 0 ? InputSize : Layers[index - 1].Size;

    public int WeightsOffsetOf(int index)
    {
        int offset = 0;
        for (int i = 0; i < index; i++)
        {
            offset += (InputSizeOf(i) + 1) * Layers[i].Size;
        }

        return offset;
    }

    public int BiasesOffsetOf(int index) => WeightsOffsetOf(index) + InputSizeOf(index) * Layers[index].Size;

    public int ParameterCount => WeightsOffsetOf(Layers.Count);
}
