using System;
using System.Numerics.Tensors;

namespace NetGen.Curvature;

/// <summary>The extreme eigenvalues of a symmetric operator found by <see cref="Lanczos.Run"/>.</summary>
/// <param name="Eigenvalues">The wanted Ritz values: the largest first (for <see cref="LanczosOptions.Count"/> from the
/// top), or the smallest first (from the bottom).</param>
/// <param name="Eigenvectors">The matching unit Ritz vectors, one row of n values each, when
/// <see cref="LanczosOptions.ComputeEigenvectors"/> is set; otherwise empty.</param>
/// <param name="ResidualBounds">‖A y − θ y‖ for each Ritz pair (exact arithmetic): the distance from θ to the
/// nearest true eigenvalue is at most this.</param>
/// <param name="Steps">The Lanczos steps taken, one operator product each.</param>
/// <param name="Converged">Whether every wanted residual bound met the tolerance (or the Krylov space became invariant).</param>
public sealed record LanczosResult(double[] Eigenvalues, double[] Eigenvectors, double[] ResidualBounds, int Steps, bool Converged);

/// <summary>Settings of a <see cref="Lanczos.Run"/>.</summary>
public sealed record LanczosOptions
{
    /// <summary>k, how many eigenvalues are wanted; 1 or more (capped at n).</summary>
    public int Count { get; init; } = 5;

    /// <summary>Whether the wanted end is the largest (algebraic) eigenvalues; false for the smallest.</summary>
    public bool Largest { get; init; } = true;

    /// <summary>The most steps (products); by default min(n, max(2k + 20, 40)). Memory is steps × n doubles.</summary>
    public int? MaxSteps { get; init; }

    /// <summary>Stop once each wanted Ritz value θ has a residual bound at most this times max(|θ|, |θ_largest| · 1e-3);
    /// 1e-10 by default.</summary>
    public double Tolerance { get; init; } = 1e-10;

    /// <summary>Seed of the random start vector (Gaussian entries).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Whether to return the Ritz vectors too.</summary>
    public bool ComputeEigenvectors { get; init; }
}

/// <summary>
/// Extreme eigenvalues of a symmetric operator by the Lanczos method with full reorthogonalisation: each step one
/// product A q_j, then q_j+1 made orthogonal to every earlier q (twice, which is enough in floating point), so the Ritz
/// values of the tridiagonal T_m converge to the extreme eigenvalues without spurious copies.
/// </summary>
/// <remarks>
/// Costs m products and about 4mn·m/2 multiply–adds for the orthogonalisation; memory m·n doubles (the basis). Every
/// few steps T_m is diagonalised (<see cref="SymmetricEigen.DecomposeTridiagonal"/>) and the residual bound
/// |β_m s_mi| of each wanted Ritz value checked. When n steps are taken (small networks) the result is exact up to
/// rounding; a zero β means the start vector lay in an invariant subspace, whose eigenvalues are then exact.
/// </remarks>
public static class Lanczos
{
    /// <summary>Runs Lanczos on <paramref name="operator"/> and returns the wanted extreme eigenvalues.</summary>
    /// <param name="operator">A symmetric operator (a network's curvature, a dense matrix, …).</param>
    /// <param name="options">What to find; default: the 5 largest.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public static LanczosResult Run(ISymmetricOperator @operator, LanczosOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(@operator);
        options ??= new LanczosOptions();
        int n = @operator.Dimension;
        if (options.Count < 1)
        {
            throw new ArgumentException($"Count is {options.Count}; at least one eigenvalue must be wanted.", nameof(options));
        }

        if (!(options.Tolerance > 0.0) || !double.IsFinite(options.Tolerance))
        {
            throw new ArgumentException($"Tolerance is {options.Tolerance}; it must be positive and finite.", nameof(options));
        }

        int wanted = Math.Min(options.Count, n);
        int maxSteps = Math.Min(n, options.MaxSteps ?? Math.Max((2 * wanted) + 20, 40));
        if (maxSteps < wanted)
        {
            throw new ArgumentException($"MaxSteps is {maxSteps}; finding {wanted} eigenvalues needs at least {wanted} steps.", nameof(options));
        }

        var basis = new double[(long)maxSteps * n];
        var alpha = new double[maxSteps];
        var beta = new double[maxSteps];
        var w = new double[n];
        var ritzValues = new double[maxSteps];
        var offDiagonal = new double[maxSteps];
        var ritzVectors = new double[maxSteps * maxSteps];

        // q_0: a seeded Gaussian direction, unit length.
        var random = new SeededRandom(options.Seed);
        Span<double> q0 = basis.AsSpan(0, n);
        for (int i = 0; i < n; i++)
        {
            q0[i] = random.NextGaussian();
        }

        TensorPrimitives.Divide(q0, TensorPrimitives.Norm(q0), q0);

        int steps = 0;
        bool invariant = false;
        int checkEvery = Math.Max(1, wanted / 2);
        while (steps < maxSteps)
        {
            int j = steps;
            ReadOnlySpan<double> q = basis.AsSpan(j * n, n);
            @operator.Multiply(q, w);
            steps++;
            alpha[j] = TensorPrimitives.Dot(q, (ReadOnlySpan<double>)w);
            if (!double.IsFinite(alpha[j]))
            {
                throw new ArithmeticException($"Lanczos step {steps}: the operator returned a NaN or infinite product.");
            }

            // w ← w − α_j q_j − β_{j−1} q_{j−1}, then against every q_i, twice.
            for (int pass = 0; pass < 2; pass++)
            {
                for (int i = 0; i <= j; i++)
                {
                    ReadOnlySpan<double> qi = basis.AsSpan(i * n, n);
                    double projection = TensorPrimitives.Dot(qi, (ReadOnlySpan<double>)w);
                    TensorPrimitives.MultiplyAdd(qi, -projection, w, w);
                }
            }

            double norm = TensorPrimitives.Norm(w);
            beta[j] = norm;

            // Breakdown: the Krylov space is invariant, and the Ritz values so far are eigenvalues.
            double scale = Math.Max(Math.Abs(alpha[j]), j > 0 ? beta[j - 1] : 0.0);
            if (norm <= 1e-14 * Math.Max(scale, double.Epsilon) || steps == n)
            {
                invariant = norm <= 1e-14 * Math.Max(scale, double.Epsilon);
                break;
            }

            if (steps < maxSteps)
            {
                TensorPrimitives.Divide(w, norm, basis.AsSpan(steps * n, n));
            }

            if (steps >= wanted && (steps % checkEvery == 0) && Converged(alpha, beta, steps, wanted, options, ritzValues, offDiagonal, ritzVectors))
            {
                break;
            }
        }

        bool converged = Converged(alpha, beta, steps, wanted, options, ritzValues, offDiagonal, ritzVectors) || invariant || steps == n;
        return Collect(basis, n, steps, wanted, options, beta[steps - 1], ritzValues, ritzVectors, converged, invariant || steps == n);
    }

    // Diagonalises T_m and checks each wanted Ritz value's residual bound |β_m s_mi|.
    private static bool Converged(double[] alpha, double[] beta, int m, int wanted, LanczosOptions options, double[] values, double[] offDiagonal, double[] vectors)
    {
        if (m < wanted)
        {
            return false;
        }

        Diagonalize(alpha, beta, m, values, offDiagonal, vectors);
        double largest = Math.Max(Math.Abs(values[0]), Math.Abs(values[m - 1]));
        for (int r = 0; r < wanted; r++)
        {
            int index = options.Largest ? m - 1 - r : r;
            double bound = Math.Abs(beta[m - 1] * vectors[(index * m) + m - 1]);
            if (bound > options.Tolerance * Math.Max(Math.Abs(values[index]), 1e-3 * largest))
            {
                return false;
            }
        }

        return true;
    }

    private static void Diagonalize(double[] alpha, double[] beta, int m, double[] values, double[] offDiagonal, double[] vectors)
    {
        alpha.AsSpan(0, m).CopyTo(values);
        beta.AsSpan(0, m).CopyTo(offDiagonal);
        SymmetricEigen.DecomposeTridiagonal(values.AsSpan(0, m), offDiagonal.AsSpan(0, m), vectors.AsSpan(0, m * m));
    }

    private static LanczosResult Collect(double[] basis, int n, int m, int wanted, LanczosOptions options, double lastBeta, double[] values, double[] vectors, bool converged, bool exact)
    {
        var eigenvalues = new double[wanted];
        var bounds = new double[wanted];
        var eigenvectors = options.ComputeEigenvectors ? new double[(long)wanted * n] : [];
        for (int r = 0; r < wanted; r++)
        {
            int index = options.Largest ? m - 1 - r : r;
            eigenvalues[r] = values[index];
            bounds[r] = exact ? 0.0 : Math.Abs(lastBeta * vectors[(index * m) + m - 1]);
            if (options.ComputeEigenvectors)
            {
                // y = Σ_j s_ij q_j.
                Span<double> y = eigenvectors.AsSpan(r * n, n);
                for (int j = 0; j < m; j++)
                {
                    TensorPrimitives.MultiplyAdd(basis.AsSpan(j * n, n), vectors[(index * m) + j], y, y);
                }
            }
        }

        return new LanczosResult(eigenvalues, eigenvectors, bounds, m, converged);
    }
}
