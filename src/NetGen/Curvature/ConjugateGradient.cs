using System;
using System.Numerics.Tensors;

namespace NetGen.Curvature;

/// <summary>Settings of a conjugate-gradient solve.</summary>
public sealed record ConjugateGradientOptions
{
    /// <summary>Stop once ‖b − Ax‖ ≤ this × ‖b‖; 1e-6 by default, in (0, 1).</summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>The most iterations (products); 200 by default, at least 1.</summary>
    public int MaxIterations { get; init; } = 200;

    internal void Validate()
    {
        if (!(Tolerance is > 0.0 and < 1.0))
        {
            throw new ArgumentException($"Tolerance is {Tolerance}; it must be in (0, 1).", nameof(Tolerance));
        }

        if (MaxIterations < 1)
        {
            throw new ArgumentException($"MaxIterations is {MaxIterations}; at least 1.", nameof(MaxIterations));
        }
    }
}

/// <summary>How a conjugate-gradient solve ended.</summary>
/// <param name="Iterations">Products taken.</param>
/// <param name="RelativeResidual">‖b − Ax‖ / ‖b‖ at the end (from the recurrence).</param>
/// <param name="Converged">Whether the tolerance was met.</param>
public readonly record struct ConjugateGradientResult(int Iterations, double RelativeResidual, bool Converged);

/// <summary>
/// Conjugate gradients for A x = b with A symmetric positive definite, known through products. Holds its three work
/// vectors, so solves allocate nothing.
/// </summary>
public sealed class ConjugateGradient
{
    private readonly double[] _residual;
    private readonly double[] _direction;
    private readonly double[] _product;

    /// <summary>Creates the solver's work vectors for systems of size <paramref name="dimension"/>.</summary>
    /// <param name="dimension">n, at least 1.</param>
    public ConjugateGradient(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        _residual = new double[dimension];
        _direction = new double[dimension];
        _product = new double[dimension];
    }

    /// <summary>Solves A x = b from x = 0. Throws if the operator shows non-positive curvature along a direction.</summary>
    /// <param name="operator">A, symmetric positive definite.</param>
    /// <param name="rightHandSide">b.</param>
    /// <param name="solution">Receives x.</param>
    /// <param name="options">Tolerance and iteration cap.</param>
    /// <exception cref="ArithmeticException">pᵀAp ≤ 0 or a non-finite value: A is not positive definite.</exception>
    public ConjugateGradientResult Solve(ISymmetricOperator @operator, ReadOnlySpan<double> rightHandSide, Span<double> solution, ConjugateGradientOptions options)
    {
        ArgumentNullException.ThrowIfNull(@operator);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int n = @operator.Dimension;
        if (n != _residual.Length || rightHandSide.Length != n || solution.Length != n)
        {
            throw new ArgumentException($"The solver was made for {_residual.Length} unknowns; the operator has {n}, b {rightHandSide.Length}, x {solution.Length}.", nameof(@operator));
        }

        Span<double> r = _residual;
        Span<double> p = _direction;
        Span<double> ap = _product;
        solution.Clear();
        rightHandSide.CopyTo(r);
        r.CopyTo(p);
        double bb = TensorPrimitives.Dot(rightHandSide, rightHandSide);
        if (bb == 0.0)
        {
            return new ConjugateGradientResult(0, 0.0, true);
        }

        double rr = bb;
        double stop = options.Tolerance * options.Tolerance * bb;
        for (int k = 0; k < options.MaxIterations; k++)
        {
            @operator.Multiply(p, ap);
            double curvature = TensorPrimitives.Dot<double>(p, ap);
            if (!(curvature > 0.0) || !double.IsFinite(curvature))
            {
                throw new ArithmeticException($"Conjugate gradients met pᵀAp = {curvature} at iteration {k + 1}: the operator is not positive definite.");
            }

            double step = rr / curvature;
            TensorPrimitives.MultiplyAdd<double>(p, step, solution, solution);
            TensorPrimitives.MultiplyAdd<double>(ap, -step, r, r);
            double next = TensorPrimitives.Dot<double>(r, r);
            if (next <= stop)
            {
                return new ConjugateGradientResult(k + 1, Math.Sqrt(next / bb), true);
            }

            TensorPrimitives.MultiplyAdd<double>(p, next / rr, r, p);
            rr = next;
        }

        return new ConjugateGradientResult(options.MaxIterations, Math.Sqrt(rr / bb), false);
    }
}

/// <summary>A + diag(s): an operator shifted by a diagonal, such as the posterior precision G + τD.</summary>
public sealed class ShiftedOperator : ISymmetricOperator
{
    private readonly ISymmetricOperator _inner;
    private readonly double[] _shift;

    /// <summary>Wraps <paramref name="inner"/> with the diagonal <paramref name="shift"/> (not copied).</summary>
    /// <param name="inner">A.</param>
    /// <param name="shift">s, one value per coordinate.</param>
    public ShiftedOperator(ISymmetricOperator inner, double[] shift)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(shift);
        if (shift.Length != inner.Dimension)
        {
            throw new ArgumentException($"The shift has {shift.Length} entries; the operator acts on {inner.Dimension}.", nameof(shift));
        }

        _inner = inner;
        _shift = shift;
    }

    /// <inheritdoc/>
    public int Dimension => _inner.Dimension;

    /// <inheritdoc/>
    public void Multiply(ReadOnlySpan<double> vector, Span<double> result)
    {
        _inner.Multiply(vector, result);
        TensorPrimitives.MultiplyAdd(vector, _shift, result, result);
    }
}
