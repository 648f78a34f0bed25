using System;
using System.Numerics;

namespace NetGen;

/// <summary>
/// A network that can compute its loss and gradient over a mini-batch. Both engines implement it with the same
/// semantics, so one trainer drives either and the two can be compared with everything else equal.
/// </summary>
/// <typeparam name="T">The floating-point type the network computes in.</typeparam>
/// <remarks>
/// A mini-batch is laid out sample-major: <c>inputs</c> holds <c>batch × InputSize</c> values (sample 0's features,
/// then sample 1's, …) and <c>targets</c> holds <c>batch × OutputSize</c>. One <see cref="NetworkWorkspace"/> serves one
/// caller at a time; give each thread its own.
/// </remarks>
public interface ITrainableNetwork<T> : INetwork<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the scratch memory for mini-batches of up to <paramref name="batchCapacity"/> samples.</summary>
    /// <param name="batchCapacity">The largest batch the workspace will serve, at least 1.</param>
    NetworkWorkspace CreateWorkspace(int batchCapacity);

    /// <summary>
    /// Runs forward and backward passes over a mini-batch: returns the mean loss C = (1/T) Σ_x C_x and writes the mean
    /// gradient ∇C into <paramref name="gradient"/> (in the parameter layout). Allocates nothing.
    /// </summary>
    /// <param name="inputs">The batch's inputs, sample-major.</param>
    /// <param name="targets">The batch's desired outputs y, sample-major.</param>
    /// <param name="gradient">Receives ∇C; <see cref="NetworkSpec.ParameterCount"/> long. Overwritten, not added to.</param>
    /// <param name="workspace">Scratch memory from <see cref="CreateWorkspace"/> of this network or one with the same spec.</param>
    /// <param name="dropoutRandom">
    /// The source dropout masks are drawn from, which makes this a training pass; <see langword="null"/> evaluates the
    /// whole network, as at inference. Masks are drawn layer by layer, sample by sample, unit by unit, so both engines
    /// draw the same masks from equal sources.
    /// </param>
    /// <exception cref="ArgumentException">A span has the wrong length, or the workspace does not fit.</exception>
    T ComputeLossAndGradient(
        ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> targets,
        Span<T> gradient,
        NetworkWorkspace workspace,
        SeededRandom? dropoutRandom = null);

    /// <summary>Returns the mean loss of the whole network (no dropout) over a mini-batch. Allocates nothing.</summary>
    /// <param name="inputs">The batch's inputs, sample-major.</param>
    /// <param name="targets">The batch's desired outputs y, sample-major.</param>
    /// <param name="workspace">Scratch memory from <see cref="CreateWorkspace"/>.</param>
    T ComputeLoss(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, NetworkWorkspace workspace);
}
