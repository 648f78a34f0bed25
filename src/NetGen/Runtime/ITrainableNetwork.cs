using System;
using System.Numerics;

namespace NetGen;

/// <summary>
/// A network that can compute its loss and gradient over a mini-batch. Both engines implement it with the same
/// semantics, so one trainer drives either and the two can be compared with everything else equal.
/// </summary>
/// <typeparam name="T">The floating-point type the network computes in.</typeparam>
/// <remarks>
/// <para>
/// A mini-batch is laid out sample-major: <c>inputs</c> holds <c>batch × InputSize</c> values (sample 0's features,
/// then sample 1's, …) and <c>targets</c> holds <c>batch × OutputSize</c>. One <see cref="NetworkWorkspace"/> serves one
/// caller at a time; give each thread its own.
/// </para>
/// <para>
/// The overloads with <c>sampleWeights</c> take one weight w_x ≥ 0 per sample and compute the weighted mean
/// C = Σ_x w_x C_x / Σ_x w_x and its gradient (scikit-learn's <c>sample_weight</c>; PyTorch's <c>CrossEntropyLoss</c> with
/// class weights, reduction 'mean', is the case w_x = weight[y_x]). The mean divides by the weights' sum, not by the
/// batch size, so scaling every weight by the same factor changes nothing and the loss stays on the scale of the
/// unweighted one. A batch whose weights are all 0 has loss and gradient 0. An empty span means every weight is 1: the
/// same result, to the bit, as the overload without weights. Implementations check the weights as
/// <see cref="NetworkGuard.SampleWeightSum{T}"/> does.
/// </para>
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

    /// <summary>
    /// Runs forward and backward passes over a mini-batch with a weight per sample: returns the weighted mean loss
    /// C = Σ_x w_x C_x / Σ_x w_x and writes its gradient into <paramref name="gradient"/>. Allocates nothing.
    /// </summary>
    /// <param name="inputs">The batch's inputs, sample-major.</param>
    /// <param name="targets">The batch's desired outputs y, sample-major.</param>
    /// <param name="sampleWeights">One finite, non-negative weight per sample; empty for every weight 1.</param>
    /// <param name="gradient">Receives ∇C; <see cref="NetworkSpec.ParameterCount"/> long. Overwritten, not added to.</param>
    /// <param name="workspace">Scratch memory from <see cref="CreateWorkspace"/> of this network or one with the same spec.</param>
    /// <param name="dropoutRandom">The source dropout masks are drawn from, as in the overload without weights.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, a weight is negative or not finite, or the
    /// workspace does not fit.</exception>
    T ComputeLossAndGradient(
        ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> targets,
        ReadOnlySpan<T> sampleWeights,
        Span<T> gradient,
        NetworkWorkspace workspace,
        SeededRandom? dropoutRandom = null);

    /// <summary>Returns the mean loss of the whole network (no dropout) over a mini-batch. Allocates nothing.</summary>
    /// <param name="inputs">The batch's inputs, sample-major.</param>
    /// <param name="targets">The batch's desired outputs y, sample-major.</param>
    /// <param name="workspace">Scratch memory from <see cref="CreateWorkspace"/>.</param>
    T ComputeLoss(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, NetworkWorkspace workspace);

    /// <summary>
    /// Returns the weighted mean loss Σ_x w_x C_x / Σ_x w_x of the whole network (no dropout) over a mini-batch.
    /// Allocates nothing.
    /// </summary>
    /// <param name="inputs">The batch's inputs, sample-major.</param>
    /// <param name="targets">The batch's desired outputs y, sample-major.</param>
    /// <param name="sampleWeights">One finite, non-negative weight per sample; empty for every weight 1.</param>
    /// <param name="workspace">Scratch memory from <see cref="CreateWorkspace"/>.</param>
    T ComputeLoss(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ReadOnlySpan<T> sampleWeights, NetworkWorkspace workspace);
}
