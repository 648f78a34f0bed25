using System;

namespace NetGen;

/// <summary>
/// Declares a fully connected layer a^l = σ(W^l a^(l−1) + b^l) of <see cref="Size"/> neurons. The last dense layer is
/// the output layer.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>The slope α a <see cref="Activation.LeakyReLU"/> layer uses when no other is set.</summary>
    public const double DefaultLeakySlope = 0.01;

    /// <summary>The α an <see cref="Activation.ELU"/> layer uses when no other is set.</summary>
    public const double DefaultAlpha = 1.0;

    /// <summary>Declares a dense layer.</summary>
    /// <param name="size">The number of neurons, at least 1.</param>
    /// <param name="activation">The non-linearity applied to the layer's weighted input.</param>
    public DenseAttribute(int size, Activation activation)
    {
        Size = size;
        Activation = activation;
    }

    /// <summary>The number of neurons.</summary>
    public int Size { get; }

    /// <summary>The non-linearity applied to the layer's weighted input.</summary>
    public Activation Activation { get; }

    /// <summary>The slope α for negative inputs of a <see cref="Activation.LeakyReLU"/> layer, in (0, 1).</summary>
    public double LeakySlope { get; set; } = DefaultLeakySlope;

    /// <summary>
    /// The α of an <see cref="Activation.ELU"/> layer, σ(z) = α(e^z − 1) for z ≤ 0: finite and positive. Used by ELU only.
    /// </summary>
    public double Alpha { get; set; } = DefaultAlpha;
}
