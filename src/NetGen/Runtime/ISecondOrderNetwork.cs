using System;
using System.Numerics;

namespace NetGen;

/// <summary>Which curvature matrix a product is taken with.</summary>
public enum CurvatureKind
{
    /// <summary>The exact Hessian H = ∇²C of the mean loss, which may be indefinite.</summary>
    Hessian = 0,

    /// <summary>
    /// The Gauss–Newton matrix G = Jᵀ H_out J, where J is the Jacobian of the network's output with respect to the
    /// parameters and H_out the Hessian of the loss with respect to that output. Positive semi-definite for every NetGen
    /// loss (each is convex in the output: ½‖y − a‖² in a, the cross-entropies in z^L).
    /// </summary>
    GaussNewton = 1,
}

/// <summary>
/// A trainable network that also computes curvature-vector products exactly, at about the cost of a gradient, by
/// Pearlmutter's R-operator: one forward and one backward pass of the directional derivative R{·} = d/dr (·)(w + r v).
/// Newton-type optimizers use them without ever forming the P × P matrix.
/// </summary>
/// <typeparam name="T">The floating-point type the network computes in.</typeparam>
public interface ISecondOrderNetwork<T> : ITrainableNetwork<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Computes the product of the mean loss's curvature over a mini-batch with <paramref name="vector"/>: H·v or G·v,
    /// in the parameter layout. Returns the mean loss. Allocates nothing.
    /// </summary>
    /// <param name="inputs">The batch's inputs, sample-major.</param>
    /// <param name="targets">The batch's desired outputs, sample-major.</param>
    /// <param name="vector">The direction v, <see cref="NetworkSpec.ParameterCount"/> long.</param>
    /// <param name="product">Receives H·v or G·v; overwritten.</param>
    /// <param name="workspace">Scratch memory from <see cref="ITrainableNetwork{T}.CreateWorkspace"/>.</param>
    /// <param name="kind">The exact Hessian or the Gauss–Newton matrix.</param>
    /// <param name="dropoutRandom">A dropout source, for the curvature under one fixed mask; null for the whole network.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, or the workspace does not fit.</exception>
    T ComputeCurvatureProduct(
        ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> targets,
        ReadOnlySpan<T> vector,
        Span<T> product,
        NetworkWorkspace workspace,
        CurvatureKind kind = CurvatureKind.Hessian,
        SeededRandom? dropoutRandom = null);

    /// <summary>
    /// Computes the product of the curvature of the weighted mean loss Σ_x w_x C_x / Σ_x w_x (see
    /// <see cref="ITrainableNetwork{T}.ComputeLossAndGradient(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, NetworkWorkspace, SeededRandom?)"/>)
    /// with <paramref name="vector"/>: Σ_x w_x H_x·v / Σ_x w_x, or the same with G_x. Returns the weighted mean loss.
    /// Allocates nothing.
    /// </summary>
    /// <param name="inputs">The batch's inputs, sample-major.</param>
    /// <param name="targets">The batch's desired outputs, sample-major.</param>
    /// <param name="sampleWeights">One finite, non-negative weight per sample; empty for every weight 1.</param>
    /// <param name="vector">The direction v, <see cref="NetworkSpec.ParameterCount"/> long.</param>
    /// <param name="product">Receives H·v or G·v; overwritten.</param>
    /// <param name="workspace">Scratch memory from <see cref="ITrainableNetwork{T}.CreateWorkspace"/>.</param>
    /// <param name="kind">The exact Hessian or the Gauss–Newton matrix.</param>
    /// <param name="dropoutRandom">A dropout source, for the curvature under one fixed mask; null for the whole network.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, a weight is negative or not finite, or the
    /// workspace does not fit.</exception>
    T ComputeCurvatureProduct(
        ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> targets,
        ReadOnlySpan<T> sampleWeights,
        ReadOnlySpan<T> vector,
        Span<T> product,
        NetworkWorkspace workspace,
        CurvatureKind kind = CurvatureKind.Hessian,
        SeededRandom? dropoutRandom = null);
}
