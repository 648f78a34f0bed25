using NetGen.Generator.Shared;

namespace NetGen.Generator.Model;

/// <summary>One dense layer as declared: size, activation, leaky slope, the keep probability of dropout after it, and ELU's α.</summary>
internal sealed record DenseLayerModel(int Size, ActivationKind Activation, double LeakySlope, double KeepProbability, double Alpha = 1.0)
{
    public bool HasDropout => KeepProbability < 1.0;
}

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
    WeightFormat InferenceWeights = WeightFormat.Float)
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

    public string HintName => (Namespace is null ? TypeName : Namespace + "." + TypeName) + ".g.cs";

    public string WeightsHintName => (Namespace is null ? TypeName : Namespace + "." + TypeName) + ".Weights.g.cs";

    public string DisplayName => Namespace is null ? TypeName : Namespace + "." + TypeName;

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
