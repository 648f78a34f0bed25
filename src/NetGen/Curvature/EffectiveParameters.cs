using System;
using System.Numerics.Tensors;
using NetGen.Training;

namespace NetGen.Curvature;

/// <summary>
/// MacKay's effective number of parameters, γ = P_w − τ·tr(D (G + τD)⁻¹): how many of the P_w penalised weights the
/// data determine, for the Gauss–Newton matrix G of the mean loss, the prior precision τ on the mean-loss scale (the
/// trainer's L2 strength over n, λ₂/n) and D the diagonal that is 1 on the weights and 0 on the biases (NetGen never
/// penalises biases). With the eigenvalues s_i of the Schur complement of G's bias block, γ = Σ s_i / (s_i + τ): each
/// direction counts from 0 (the prior dominates) to 1 (the data do).
/// </summary>
public static class EffectiveParameters
{
    /// <summary>D for <paramref name="spec"/>: 1 on every dense layer's weights, 0 on its biases.</summary>
    /// <param name="spec">The network's parameter layout.</param>
    public static double[] WeightMask(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var mask = new double[spec.ParameterCount];
        for (int layer = 0; layer < spec.Layers.Count; layer++)
        {
            var layout = spec.GetLayout(layer);
            mask.AsSpan(layout.WeightsOffset, layout.WeightCount).Fill(1.0);
        }

        return mask;
    }

    /// <summary>
    /// γ exactly, from the dense G (P × P, symmetric): one Cholesky factorisation of G + τD and the squared norms of
    /// the columns of its inverse factor on the weights, about P³/2 multiply–adds. If G + τD is singular (a bias with
    /// no curvature, such as that of a dead ReLU unit), a shift of 1e-12 × the largest diagonal entry, raised a
    /// hundredfold until the factorisation succeeds, makes it definite; the weights' block is unaffected to that order.
    /// </summary>
    /// <param name="gaussNewton">G, row-major; not changed.</param>
    /// <param name="size">P.</param>
    /// <param name="mask">D, P values of 0 or 1.</param>
    /// <param name="priorPrecision">τ, positive.</param>
    /// <exception cref="ArgumentException">A length is wrong, τ is not positive, or G is not finite.</exception>
    public static double Exact(ReadOnlySpan<double> gaussNewton, int size, ReadOnlySpan<double> mask, double priorPrecision) =>
        Exact(gaussNewton, size, mask, priorPrecision, out _);

    /// <summary>γ exactly, as <see cref="Exact(ReadOnlySpan{double}, int, ReadOnlySpan{double}, double)"/>, and
    /// ln det(G + τD) from the same factorisation (for the evidence).</summary>
    /// <param name="gaussNewton">G, row-major; not changed.</param>
    /// <param name="size">P.</param>
    /// <param name="mask">D, P values of 0 or 1.</param>
    /// <param name="priorPrecision">τ, positive.</param>
    /// <param name="logDeterminant">Receives ln det(G + τD).</param>
    public static double Exact(ReadOnlySpan<double> gaussNewton, int size, ReadOnlySpan<double> mask, double priorPrecision, out double logDeterminant)
    {
        CheckDense(gaussNewton, size, mask, priorPrecision);
        var groups = new int[size];
        for (int i = 0; i < size; i++)
        {
            groups[i] = mask[i] == 0.0 ? -1 : 0;
        }

        var gamma = new double[1];
        ExactPerGroup(gaussNewton, size, groups, [priorPrecision], gamma, out logDeterminant);
        return gamma[0];
    }

    /// <summary>
    /// γ per group of parameters with a prior precision each (MacKay's grouped priors, such as one per layer):
    /// γ_g = P_g − τ_g·tr(D_g (G + Σ_h τ_h D_h)⁻¹ D_g), from one Cholesky factorisation, and ln det(G + Σ τ_h D_h).
    /// </summary>
    /// <param name="gaussNewton">G, row-major; not changed.</param>
    /// <param name="size">P.</param>
    /// <param name="groups">Each parameter's group, 0 to k − 1, or −1 for none (no prior: a bias).</param>
    /// <param name="priorPrecisions">τ_g per group, positive.</param>
    /// <param name="gamma">Receives γ_g per group.</param>
    /// <param name="logDeterminant">Receives ln det(G + Σ τ_g D_g).</param>
    public static void ExactPerGroup(ReadOnlySpan<double> gaussNewton, int size, ReadOnlySpan<int> groups, ReadOnlySpan<double> priorPrecisions, Span<double> gamma, out double logDeterminant)
    {
        if (groups.Length != size || gamma.Length != priorPrecisions.Length)
        {
            throw new ArgumentException($"groups needs {size} entries and gamma one per prior precision ({priorPrecisions.Length}).", nameof(groups));
        }

        var shift = new double[size];
        for (int i = 0; i < size; i++)
        {
            if (groups[i] >= priorPrecisions.Length)
            {
                throw new ArgumentException($"Parameter {i} is in group {groups[i]}, but there are {priorPrecisions.Length} prior precisions.", nameof(groups));
            }

            if (groups[i] >= 0)
            {
                RequirePositive(priorPrecisions[groups[i]]);
                shift[i] = priorPrecisions[groups[i]];
            }
        }

        CheckDense(gaussNewton, size, shift, 1.0);
        var factor = new double[gaussNewton.Length];
        var diagonal = new double[size];
        Factor(gaussNewton, size, shift, 1.0, factor, diagonal);
        logDeterminant = 0.0;
        for (int i = 0; i < size; i++)
        {
            logDeterminant += 2.0 * Math.Log(factor[(i * size) + i]);
        }

        // tr(D_g M⁻¹) = Σ_{i ∈ g} ‖L⁻¹ e_i‖²; L⁻¹ e_i is zero above row i, so each solve runs from i down.
        gamma.Clear();
        var column = new double[size];
        for (int i = 0; i < size; i++)
        {
            int group = groups[i];
            if (group < 0)
            {
                continue;
            }

            column[i] = 1.0 / factor[(i * size) + i];
            double squares = column[i] * column[i];
            for (int j = i + 1; j < size; j++)
            {
                double sum = TensorPrimitives.Dot(factor.AsSpan((j * size) + i, j - i), column.AsSpan(i, j - i));
                column[j] = -sum / factor[(j * size) + j];
                squares += column[j] * column[j];
            }

            gamma[group] += 1.0 - (priorPrecisions[group] * squares);
        }
    }

    /// <summary>
    /// γ estimated for large P without any P × P matrix: Hutchinson's estimator of tr(D (G + τD)⁻¹) with Rademacher
    /// probes on the weights and one conjugate-gradient solve per probe on G·v products.
    /// </summary>
    /// <param name="gaussNewton">G as an operator, e.g. a <see cref="CurvatureOperator{T}"/> of kind Gauss–Newton.</param>
    /// <param name="mask">D.</param>
    /// <param name="priorPrecision">τ, positive.</param>
    /// <param name="probes">Probes, at least 1; the standard error falls as 1/√probes.</param>
    /// <param name="seed">Seed of the probes.</param>
    /// <param name="solver">Each solve's tolerance and iteration cap.</param>
    /// <param name="products">Receives the number of G·v products the solves took.</param>
    /// <returns>γ and its standard error.</returns>
    public static TraceEstimate Estimate(
        ISymmetricOperator gaussNewton, ReadOnlySpan<double> mask, double priorPrecision, int probes, ulong seed, ConjugateGradientOptions solver, out long products)
    {
        ArgumentNullException.ThrowIfNull(gaussNewton);
        if (mask.Length != gaussNewton.Dimension)
        {
            throw new ArgumentException($"The mask has {mask.Length} entries; G acts on {gaussNewton.Dimension}.", nameof(mask));
        }

        RequirePositive(priorPrecision);
        var shift = new double[mask.Length];
        TensorPrimitives.Multiply(mask, priorPrecision, shift);
        var trace = HutchinsonTrace.EstimateInverse(gaussNewton, shift, probes, seed, mask, solver, out products);
        double weights = TensorPrimitives.Sum(mask);
        return new TraceEstimate(weights - (priorPrecision * trace.Value), priorPrecision * trace.StandardError, probes);
    }

    /// <summary>Factors G + τD = LLᵀ into <paramref name="factor"/> (L in the lower triangle and diagonal), with the
    /// definiteness shift of <see cref="Exact(ReadOnlySpan{double}, int, ReadOnlySpan{double}, double)"/> when needed.</summary>
    internal static void Factor(ReadOnlySpan<double> gaussNewton, int size, ReadOnlySpan<double> mask, double priorPrecision, double[] factor, double[] diagonal)
    {
        double largest = 0.0;
        for (int i = 0; i < size; i++)
        {
            diagonal[i] = gaussNewton[(i * size) + i] + (priorPrecision * mask[i]);
            largest = Math.Max(largest, Math.Abs(diagonal[i]));
        }

        double shift = 0.0;
        while (true)
        {
            gaussNewton.CopyTo(factor);
            if (DenseCholesky.TryFactor(factor, diagonal, size, shift))
            {
                return;
            }

            shift = shift == 0.0 ? 1e-12 * Math.Max(largest, double.Epsilon) : shift * 100.0;
            if (!double.IsFinite(shift) || shift > largest)
            {
                throw new ArithmeticException("G + τD could not be made positive definite: G is not positive semi-definite.");
            }
        }
    }

    internal static void CheckDense(ReadOnlySpan<double> matrix, int size, ReadOnlySpan<double> mask, double priorPrecision)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (matrix.Length != (long)size * size)
        {
            throw new ArgumentException($"The matrix has {matrix.Length} entries; P = {size} needs {(long)size * size}.", nameof(matrix));
        }

        if (mask.Length != size)
        {
            throw new ArgumentException($"The mask has {mask.Length} entries; P = {size}.", nameof(mask));
        }

        if (!TensorPrimitives.IsFiniteAll(matrix))
        {
            throw new ArgumentException("The matrix has a NaN or infinite entry.", nameof(matrix));
        }

        RequirePositive(priorPrecision);
    }

    private static void RequirePositive(double priorPrecision)
    {
        if (!(priorPrecision > 0.0) || !double.IsFinite(priorPrecision))
        {
            throw new ArgumentOutOfRangeException(nameof(priorPrecision), priorPrecision, "The prior precision τ must be positive and finite.");
        }
    }
}
