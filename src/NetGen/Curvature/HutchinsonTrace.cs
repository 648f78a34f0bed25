using System;
using System.Numerics.Tensors;

namespace NetGen.Curvature;

/// <summary>A stochastic trace estimate: the mean of zᵀAz over Rademacher probes z, and its standard error.</summary>
/// <param name="Value">The estimate of the trace.</param>
/// <param name="StandardError">The sample standard deviation of zᵀAz over the probes divided by √probes (0 for one probe).</param>
/// <param name="Probes">The number of probes, each one operator product (or one linear solve).</param>
public readonly record struct TraceEstimate(double Value, double StandardError, int Probes);

/// <summary>
/// Hutchinson's estimator: for z with independent ±1 entries (Rademacher), E[zᵀAz] = tr(A), with variance
/// 2 Σ_{i≠j} A_ij², the least of any such estimator with independent entries. Probes are drawn from a
/// <see cref="SeededRandom"/>, so an estimate is reproducible from its seed.
/// </summary>
public static class HutchinsonTrace
{
    /// <summary>Estimates tr(A) with <paramref name="probes"/> products.</summary>
    /// <param name="operator">A.</param>
    /// <param name="probes">The number of probe vectors, at least 1.</param>
    /// <param name="seed">The seed of the probes.</param>
    /// <param name="mask">Empty for the whole trace, or one value per coordinate: probes are zero where it is zero, so
    /// the estimate is Σ over the masked coordinates of A_ii (the trace of the masked block).</param>
    public static TraceEstimate Estimate(ISymmetricOperator @operator, int probes, ulong seed, ReadOnlySpan<double> mask = default)
    {
        ArgumentNullException.ThrowIfNull(@operator);
        int n = @operator.Dimension;
        var z = new double[n];
        var product = new double[n];
        return Accumulate(probes, seed, mask, z, n, probe =>
        {
            @operator.Multiply(z, product);
            return TensorPrimitives.Dot(z, product);
        });
    }

    /// <summary>
    /// Estimates tr(D (A + S)⁻¹ D), S = diag(<paramref name="shift"/>) and D the mask, with one conjugate-gradient
    /// solve of (A + S) x = z per probe. A + S must be positive definite on the probes' span (a Gauss–Newton matrix
    /// plus a positive shift is).
    /// </summary>
    /// <param name="operator">A, symmetric positive semi-definite.</param>
    /// <param name="shift">The diagonal S, one value per coordinate.</param>
    /// <param name="probes">The number of probes, at least 1.</param>
    /// <param name="seed">The seed of the probes.</param>
    /// <param name="mask">Empty, or one value per coordinate: probes are zero where it is zero.</param>
    /// <param name="solver">Tolerance and iteration cap of each solve.</param>
    /// <param name="products">Receives the total number of products the solves took.</param>
    public static TraceEstimate EstimateInverse(
        ISymmetricOperator @operator, ReadOnlySpan<double> shift, int probes, ulong seed, ReadOnlySpan<double> mask, ConjugateGradientOptions solver, out long products)
    {
        ArgumentNullException.ThrowIfNull(@operator);
        ArgumentNullException.ThrowIfNull(solver);
        int n = @operator.Dimension;
        if (shift.Length != n)
        {
            throw new ArgumentException($"shift has {shift.Length} entries; the operator acts on {n}.", nameof(shift));
        }

        var shifted = new ShiftedOperator(@operator, shift.ToArray());
        var cg = new ConjugateGradient(n);
        var z = new double[n];
        var x = new double[n];
        long total = 0;
        var estimate = Accumulate(probes, seed, mask, z, n, probe =>
        {
            var result = cg.Solve(shifted, z, x, solver);
            total += result.Iterations;
            return TensorPrimitives.Dot(z, x);
        });
        products = total;
        return estimate;
    }

    private static TraceEstimate Accumulate(int probes, ulong seed, ReadOnlySpan<double> mask, double[] z, int n, Func<int, double> quadraticForm)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(probes, 1);
        if (!mask.IsEmpty && mask.Length != n)
        {
            throw new ArgumentException($"The mask has {mask.Length} entries; the operator acts on {n}.", nameof(mask));
        }

        var random = new SeededRandom(seed);
        double mean = 0.0;
        double sumOfSquares = 0.0;
        for (int probe = 0; probe < probes; probe++)
        {
            FillRademacher(random, z, mask);
            double value = quadraticForm(probe);
            // Welford's running mean and sum of squared deviations.
            double delta = value - mean;
            mean += delta / (probe + 1);
            sumOfSquares += delta * (value - mean);
        }

        double error = probes > 1 ? Math.Sqrt(sumOfSquares / (probes - 1) / probes) : 0.0;
        return new TraceEstimate(mean, error, probes);
    }

    /// <summary>Fills <paramref name="z"/> with independent ±1 entries (zero where <paramref name="mask"/> is zero),
    /// 64 signs per draw.</summary>
    internal static void FillRademacher(SeededRandom random, Span<double> z, ReadOnlySpan<double> mask)
    {
        ulong bits = 0;
        for (int i = 0; i < z.Length; i++)
        {
            if ((i & 63) == 0)
            {
                bits = random.NextUInt64();
            }

            z[i] = (bits & 1) == 0 ? 1.0 : -1.0;
            bits >>= 1;
            if (!mask.IsEmpty && mask[i] == 0.0)
            {
                z[i] = 0.0;
            }
        }
    }
}
