namespace NetGen;

/// <summary>One dense layer of a <see cref="NetworkSpec"/>: a^l = σ(W^l a^(l−1) + b^l), optionally followed by dropout.</summary>
/// <param name="Size">The number of neurons.</param>
/// <param name="Activation">The non-linearity σ.</param>
public sealed record DenseLayerSpec(int Size, Activation Activation)
{
    /// <summary>The slope α for negative inputs; used only by <see cref="Activation.LeakyReLU"/>.</summary>
    public double LeakySlope { get; init; } = DenseAttribute.DefaultLeakySlope;

    /// <summary>α, the negated limit of σ(z) as z → −∞; used only by <see cref="Activation.ELU"/>; finite and positive.</summary>
    public double Alpha { get; init; } = DenseAttribute.DefaultAlpha;

    /// <summary>
    /// The probability that each of this layer's activations is kept during training; 1 means no dropout.
    /// Must be 1 on the output layer.
    /// </summary>
    public double KeepProbability { get; init; } = 1.0;

    /// <summary>Whether training applies dropout to this layer's activations.</summary>
    public bool HasDropout => KeepProbability < 1.0;
}
