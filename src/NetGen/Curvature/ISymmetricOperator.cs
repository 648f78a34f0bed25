using System;

namespace NetGen.Curvature;

/// <summary>
/// A symmetric linear map on ℝⁿ known only through its products: the curvature of a network's loss
/// (<see cref="CurvatureOperator{T}"/>), a dense matrix (<see cref="DenseSymmetricOperator"/>), or anything else the
/// Lanczos, Hutchinson and conjugate-gradient routines of this namespace should work on.
/// </summary>
public interface ISymmetricOperator
{
    /// <summary>n, the length of the vectors the operator maps.</summary>
    int Dimension { get; }

    /// <summary>Writes A·<paramref name="vector"/> into <paramref name="result"/> (overwritten). Allocates nothing.</summary>
    /// <param name="vector">The vector, <see cref="Dimension"/> long.</param>
    /// <param name="result">Receives the product, <see cref="Dimension"/> long; must not overlap the vector.</param>
    void Multiply(ReadOnlySpan<double> vector, Span<double> result);
}

/// <summary>A symmetric matrix held densely (row-major n × n), as an <see cref="ISymmetricOperator"/>.</summary>
public sealed class DenseSymmetricOperator : ISymmetricOperator
{
    private readonly double[] _matrix;

    /// <summary>Wraps <paramref name="matrix"/> (not copied); it should be symmetric.</summary>
    /// <param name="matrix">n × n values, row-major.</param>
    /// <param name="size">n, at least 1.</param>
    /// <exception cref="ArgumentException">The matrix does not have n² entries.</exception>
    public DenseSymmetricOperator(double[] matrix, int size)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (matrix.Length != (long)size * size)
        {
            throw new ArgumentException($"The matrix has {matrix.Length} entries; a {size} × {size} matrix needs {(long)size * size}.", nameof(matrix));
        }

        _matrix = matrix;
        Dimension = size;
    }

    /// <inheritdoc/>
    public int Dimension { get; }

    /// <inheritdoc/>
    public void Multiply(ReadOnlySpan<double> vector, Span<double> result)
    {
        CurvatureGuard.CheckProduct(Dimension, vector, result);
        for (int i = 0; i < Dimension; i++)
        {
            result[i] = System.Numerics.Tensors.TensorPrimitives.Dot(_matrix.AsSpan(i * Dimension, Dimension), vector);
        }
    }
}

internal static class CurvatureGuard
{
    public static void CheckProduct(int dimension, ReadOnlySpan<double> vector, Span<double> result)
    {
        if (vector.Length != dimension)
        {
            throw new ArgumentException($"The vector has {vector.Length} entries; the operator acts on {dimension}.", nameof(vector));
        }

        if (result.Length != dimension)
        {
            throw new ArgumentException($"The result has {result.Length} entries; the operator produces {dimension}.", nameof(result));
        }

        if (vector.Overlaps(result))
        {
            throw new ArgumentException("The result overlaps the vector.", nameof(result));
        }
    }
}
