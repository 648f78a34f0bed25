using System;

namespace NetGen;

/// <summary>
/// Applies dropout to the activations of the layer declared just before it (the input layer or a hidden dense layer):
/// during training each unit is kept with probability <see cref="KeepProbability"/> and dropped otherwise. Dropout is
/// inverted (kept units are scaled by 1/p while training), so inference uses the whole network unchanged.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : Attribute
{
    /// <summary>Declares dropout on the preceding layer.</summary>
    /// <param name="keepProbability">The probability p in (0, 1] that a unit is kept, as in the lecture notes.</param>
    public DropoutAttribute(double keepProbability) => KeepProbability = keepProbability;

    /// <summary>The probability p in (0, 1] that a unit is kept during training.</summary>
    public double KeepProbability { get; }
}
