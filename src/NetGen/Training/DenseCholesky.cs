using System;
using System.Numerics.Tensors;

namespace NetGen.Training;

/// <summary>
/// Cholesky factorisation and solve for a symmetric matrix stored in one row-major P × P array: the strict upper
/// triangle holds the matrix's off-diagonal entries, a separate vector its diagonal, and the factor L is written into
/// the lower triangle and diagonal. The matrix itself is left intact, so a failed factorisation can be retried with a
/// larger shift.
/// </summary>
internal static class DenseCholesky
{
    // A pivot at or below this fraction of its diagonal entry counts as a failure: the matrix is indefinite or so
    // nearly singular that the step would be dominated by rounding.
    private const double RelativePivotTolerance = 1e-13;

    /// <summary>Factors A + shift·I = LLᵀ, A given by <paramref name="matrix"/>'s strict upper triangle and
    /// <paramref name="diagonal"/>. Returns false, with the lower triangle undefined, if A + shift·I is not
    /// (numerically) positive definite. About P³/6 multiply–adds, in contiguous dot products.</summary>
    public static bool TryFactor(double[] matrix, ReadOnlySpan<double> diagonal, int size, double shift)
    {
        for (int j = 0; j < size; j++)
        {
            int rowJ = j * size;
            ReadOnlySpan<double> factorRowJ = matrix.AsSpan(rowJ, j);
            double entry = diagonal[j] + shift;
            double pivot = entry - TensorPrimitives.Dot(factorRowJ, factorRowJ);
            if (!(pivot > RelativePivotTolerance * Math.Abs(entry)) || !double.IsFinite(pivot))
            {
                return false;
            }

            double root = Math.Sqrt(pivot);
            matrix[rowJ + j] = root;
            double inverse = 1.0 / root;
            for (int i = j + 1; i < size; i++)
            {
                int rowI = i * size;
                // A[i, j] for i > j sits in the upper triangle at [j, i].
                matrix[rowI + j] = (matrix[rowJ + i] - TensorPrimitives.Dot(matrix.AsSpan(rowI, j), factorRowJ)) * inverse;
            }
        }

        return true;
    }

    /// <summary>Solves LLᵀx = b in place (<paramref name="vector"/> holds b, then x), with L from <see cref="TryFactor"/>.</summary>
    public static void Solve(double[] matrix, int size, Span<double> vector)
    {
        // L y = b, row by row.
        for (int i = 0; i < size; i++)
        {
            int row = i * size;
            vector[i] = (vector[i] - TensorPrimitives.Dot(matrix.AsSpan(row, i), vector[..i])) / matrix[row + i];
        }

        // Lᵀ x = y, column by column of Lᵀ (row by row of L), subtracting each solved x_i from the entries above it.
        for (int i = size - 1; i >= 0; i--)
        {
            int row = i * size;
            double x = vector[i] / matrix[row + i];
            vector[i] = x;
            TensorPrimitives.MultiplyAdd(matrix.AsSpan(row, i), -x, vector[..i], vector[..i]);
        }
    }
}
