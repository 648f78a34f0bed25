using System;
using System.Numerics;

namespace NetGen;

/// <summary>
/// A feed-forward network that can run inference: a generated network or an <see cref="InterpretedNetwork{T}"/>.
/// Both engines share the parameter layout of <see cref="Spec"/>, so the same parameters give the same outputs.
/// </summary>
/// <typeparam name="T">The floating-point type the network computes in.</typeparam>
public interface INetwork<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The network's description and parameter layout.</summary>
    NetworkSpec Spec { get; }

    /// <summary>
    /// The flat parameter vector, <see cref="NetworkSpec.ParameterCount"/> long: per dense layer, W row-major
    /// <c>[out, in]</c>, then b. Writes through this span change the network.
    /// </summary>
    Span<T> Parameters { get; }

    /// <summary>
    /// Computes the network's output a^L for one sample, with the whole network (no dropout). Allocates nothing and
    /// writes nothing shared, so any number of threads may call it at once while no one changes the parameters.
    /// </summary>
    /// <param name="input">The sample, <see cref="NetworkSpec.InputSize"/> long.</param>
    /// <param name="output">Receives the output, <see cref="NetworkSpec.OutputSize"/> long.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    void Forward(ReadOnlySpan<T> input, Span<T> output);
}
