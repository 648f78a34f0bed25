namespace NetGen;

/// <summary>
/// Where one dense layer's parameters sit in the flat parameter vector both engines share: the weight matrix W, row-major
/// <c>[OutputSize, InputSize]</c> (W[j, k] connects input k to neuron j), then the bias vector b.
/// </summary>
/// <param name="InputSize">The number of inputs (the previous layer's size).</param>
/// <param name="OutputSize">The number of neurons.</param>
/// <param name="WeightsOffset">The index of W[0, 0].</param>
/// <param name="BiasesOffset">The index of b[0]; equals <c>WeightsOffset + InputSize * OutputSize</c>.</param>
public readonly record struct DenseLayerLayout(int InputSize, int OutputSize, int WeightsOffset, int BiasesOffset)
{
    /// <summary>The number of weights, <c>InputSize * OutputSize</c>.</summary>
    public int WeightCount => InputSize * OutputSize;

    /// <summary>The number of parameters of this layer, weights and biases.</summary>
    public int ParameterCount => WeightCount + OutputSize;
}
