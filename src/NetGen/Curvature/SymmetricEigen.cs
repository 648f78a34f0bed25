using System;

namespace NetGen.Curvature;

/// <summary>
/// Eigenvalues and eigenvectors of a real symmetric matrix: Householder reduction to tridiagonal form, then the
/// implicit QL algorithm (the EISPACK routines <c>tred2</c> and <c>tql2</c>, as in JAMA). About 4n³/3 multiply–adds
/// for the values, 3n³ more with the vectors; accurate to a few units of rounding relative to the largest eigenvalue.
/// </summary>
/// <remarks>
/// Used for the exact side of every curvature method: the dense Gauss–Newton matrix of a small network, and the small
/// tridiagonal matrix of a Lanczos run.
/// </remarks>
public static class SymmetricEigen
{
    /// <summary>
    /// Decomposes the symmetric n × n matrix <paramref name="matrix"/> (row-major; only its lower triangle is read) as
    /// A = Σ λ_i v_i v_iᵀ. On return <paramref name="eigenvalues"/> holds the λ_i in ascending order and, when
    /// <paramref name="eigenvectors"/> is not empty, row i of it (n values) the unit eigenvector v_i.
    /// </summary>
    /// <param name="matrix">A, n × n row-major; overwritten.</param>
    /// <param name="size">n, at least 1.</param>
    /// <param name="eigenvalues">Receives the n eigenvalues, ascending.</param>
    /// <param name="eigenvectors">Empty for values only, or n × n values that receive the eigenvectors as rows.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, or the matrix is not finite.</exception>
    public static void Decompose(Span<double> matrix, int size, Span<double> eigenvalues, Span<double> eigenvectors)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (matrix.Length != (long)size * size)
        {
            throw new ArgumentException($"The matrix has {matrix.Length} entries; a {size} × {size} matrix needs {(long)size * size}.", nameof(matrix));
        }

        if (eigenvalues.Length != size)
        {
            throw new ArgumentException($"eigenvalues has {eigenvalues.Length} entries; the matrix has {size}.", nameof(eigenvalues));
        }

        bool vectors = !eigenvectors.IsEmpty;
        if (vectors && eigenvectors.Length != matrix.Length)
        {
            throw new ArgumentException($"eigenvectors has {eigenvectors.Length} entries; {size} vectors of {size} need {matrix.Length}.", nameof(eigenvectors));
        }

        if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<double>(matrix))
        {
            throw new ArgumentException("The matrix has a NaN or infinite entry.", nameof(matrix));
        }

        var offDiagonal = new double[size];
        Tridiagonalize(matrix, size, eigenvalues, offDiagonal);
        if (vectors)
        {
            // tred2 leaves the accumulated transformation with the vectors as columns; QL rotates pairs of them, which
            // is contiguous work once they are rows.
            Transpose(matrix, size, eigenvectors);
        }

        // QL wants the off-diagonal shifted down by one.
        for (int i = 1; i < size; i++)
        {
            offDiagonal[i - 1] = offDiagonal[i];
        }

        offDiagonal[size - 1] = 0.0;
        SolveTridiagonal(eigenvalues, offDiagonal, vectors ? eigenvectors : [], size);
    }

    /// <summary>
    /// Eigenvalues (ascending) and, when <paramref name="eigenvectors"/> is not empty, eigenvectors (as rows) of the
    /// symmetric tridiagonal matrix with diagonal <paramref name="diagonal"/> and off-diagonal
    /// <paramref name="offDiagonal"/> (entry i couples i and i + 1). Allocates nothing.
    /// </summary>
    /// <param name="diagonal">The n diagonal entries; receives the eigenvalues.</param>
    /// <param name="offDiagonal">At least n entries: the n − 1 off-diagonal ones, then one that is ignored; all
    /// overwritten.</param>
    /// <param name="eigenvectors">Empty, or n × n values that receive the eigenvectors as rows.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void DecomposeTridiagonal(Span<double> diagonal, Span<double> offDiagonal, Span<double> eigenvectors)
    {
        int size = diagonal.Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (offDiagonal.Length < size)
        {
            throw new ArgumentException($"offDiagonal has {offDiagonal.Length} entries; a {size} × {size} tridiagonal matrix needs {size} (the last one ignored).", nameof(offDiagonal));
        }

        if (!eigenvectors.IsEmpty && eigenvectors.Length != (long)size * size)
        {
            throw new ArgumentException($"eigenvectors has {eigenvectors.Length} entries; {size} vectors of {size} need {(long)size * size}.", nameof(eigenvectors));
        }

        offDiagonal[size - 1] = 0.0;
        if (!eigenvectors.IsEmpty)
        {
            eigenvectors.Clear();
            for (int i = 0; i < size; i++)
            {
                eigenvectors[(i * size) + i] = 1.0;
            }
        }

        SolveTridiagonal(diagonal, offDiagonal[..size], eigenvectors, size);
    }

    // Householder reduction of the lower triangle of a (row-major, V[r, c] = a[r * n + c]) to tridiagonal form: d the
    // diagonal, e[1..n−1] the off-diagonal; a ends as the orthogonal transformation (vectors as columns). The
    // accumulation is not optional: the diagonal comes out of it (tred2 keeps the Householder scalars in d until then).
    private static void Tridiagonalize(Span<double> a, int n, Span<double> d, Span<double> e)
    {
        for (int j = 0; j < n; j++)
        {
            d[j] = a[((n - 1) * n) + j];
        }

        for (int i = n - 1; i > 0; i--)
        {
            double scale = 0.0;
            double h = 0.0;
            for (int k = 0; k < i; k++)
            {
                scale += Math.Abs(d[k]);
            }

            if (scale == 0.0)
            {
                e[i] = d[i - 1];
                for (int j = 0; j < i; j++)
                {
                    d[j] = a[((i - 1) * n) + j];
                    a[(i * n) + j] = 0.0;
                    a[(j * n) + i] = 0.0;
                }
            }
            else
            {
                for (int k = 0; k < i; k++)
                {
                    d[k] /= scale;
                    h += d[k] * d[k];
                }

                double f = d[i - 1];
                double g = Math.Sqrt(h);
                if (f > 0)
                {
                    g = -g;
                }

                e[i] = scale * g;
                h -= f * g;
                d[i - 1] = f - g;
                for (int j = 0; j < i; j++)
                {
                    e[j] = 0.0;
                }

                for (int j = 0; j < i; j++)
                {
                    f = d[j];
                    a[(j * n) + i] = f;
                    g = e[j] + (a[(j * n) + j] * f);
                    for (int k = j + 1; k <= i - 1; k++)
                    {
                        g += a[(k * n) + j] * d[k];
                        e[k] += a[(k * n) + j] * f;
                    }

                    e[j] = g;
                }

                f = 0.0;
                for (int j = 0; j < i; j++)
                {
                    e[j] /= h;
                    f += e[j] * d[j];
                }

                double hh = f / (h + h);
                for (int j = 0; j < i; j++)
                {
                    e[j] -= hh * d[j];
                }

                for (int j = 0; j < i; j++)
                {
                    f = d[j];
                    g = e[j];
                    for (int k = j; k <= i - 1; k++)
                    {
                        a[(k * n) + j] -= (f * e[k]) + (g * d[k]);
                    }

                    d[j] = a[((i - 1) * n) + j];
                    a[(i * n) + j] = 0.0;
                }
            }

            d[i] = h;
        }

        for (int i = 0; i < n - 1; i++)
        {
            a[((n - 1) * n) + i] = a[(i * n) + i];
            a[(i * n) + i] = 1.0;
            double h = d[i + 1];
            if (h != 0.0)
            {
                for (int k = 0; k <= i; k++)
                {
                    d[k] = a[(k * n) + i + 1] / h;
                }

                for (int j = 0; j <= i; j++)
                {
                    double g = 0.0;
                    for (int k = 0; k <= i; k++)
                    {
                        g += a[(k * n) + i + 1] * a[(k * n) + j];
                    }

                    for (int k = 0; k <= i; k++)
                    {
                        a[(k * n) + j] -= g * d[k];
                    }
                }
            }

            for (int k = 0; k <= i; k++)
            {
                a[(k * n) + i + 1] = 0.0;
            }
        }

        for (int j = 0; j < n; j++)
        {
            d[j] = a[((n - 1) * n) + j];
            a[((n - 1) * n) + j] = 0.0;
        }

        a[((n - 1) * n) + n - 1] = 1.0;
        e[0] = 0.0;
    }

    private static void Transpose(ReadOnlySpan<double> source, int n, Span<double> destination)
    {
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                destination[(c * n) + r] = source[(r * n) + c];
            }
        }
    }

    // Implicit QL with Wilkinson-like shifts on the tridiagonal (d, e) with e[n−1] = 0; z (rows = vectors) is rotated
    // along when not empty. Ends with d ascending and z's rows in the same order.
    private static void SolveTridiagonal(Span<double> d, Span<double> e, Span<double> z, int n)
    {
        bool vectors = !z.IsEmpty;
        double f = 0.0;
        double largest = 0.0;
        double epsilon = Math.Pow(2.0, -52.0);
        for (int l = 0; l < n; l++)
        {
            largest = Math.Max(largest, Math.Abs(d[l]) + Math.Abs(e[l]));
            int m = l;
            while (m < n && Math.Abs(e[m]) > epsilon * largest)
            {
                m++;
            }

            // e[n − 1] is 0, so m < n whenever the loop above ends on a negligible entry; m == n cannot be reached
            // except through a NaN, which the finite-input check rules out.
            m = Math.Min(m, n - 1);
            if (m > l)
            {
                int iterations = 0;
                do
                {
                    if (++iterations > 60)
                    {
                        throw new ArithmeticException("The QL iteration for a symmetric eigendecomposition did not converge in 60 sweeps.");
                    }

                    double g = d[l];
                    double p = (d[l + 1] - g) / (2.0 * e[l]);
                    double r = Hypot(p, 1.0);
                    if (p < 0)
                    {
                        r = -r;
                    }

                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < n; i++)
                    {
                        d[i] -= h;
                    }

                    f += h;
                    p = d[m];
                    double c = 1.0;
                    double c2 = c;
                    double c3 = c;
                    double el1 = e[l + 1];
                    double s = 0.0;
                    double s2 = 0.0;
                    for (int i = m - 1; i >= l; i--)
                    {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = (c * d[i]) - (s * g);
                        d[i + 1] = h + (s * ((c * g) + (s * d[i])));
                        if (vectors)
                        {
                            Span<double> rowI = z.Slice(i * n, n);
                            Span<double> rowNext = z.Slice((i + 1) * n, n);
                            for (int k = 0; k < n; k++)
                            {
                                double next = rowNext[k];
                                rowNext[k] = (s * rowI[k]) + (c * next);
                                rowI[k] = (c * rowI[k]) - (s * next);
                            }
                        }
                    }

                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                }
                while (Math.Abs(e[l]) > epsilon * largest);
            }

            d[l] += f;
            e[l] = 0.0;
        }

        // Selection sort into ascending order, moving whole rows of z.
        for (int i = 0; i < n - 1; i++)
        {
            int k = i;
            double p = d[i];
            for (int j = i + 1; j < n; j++)
            {
                if (d[j] < p)
                {
                    k = j;
                    p = d[j];
                }
            }

            if (k != i)
            {
                d[k] = d[i];
                d[i] = p;
                if (vectors)
                {
                    Span<double> a = z.Slice(i * n, n);
                    Span<double> b = z.Slice(k * n, n);
                    for (int j = 0; j < n; j++)
                    {
                        (a[j], b[j]) = (b[j], a[j]);
                    }
                }
            }
        }
    }

    private static double Hypot(double a, double b)
    {
        double x = Math.Abs(a);
        double y = Math.Abs(b);
        if (x < y)
        {
            (x, y) = (y, x);
        }

        if (x == 0.0)
        {
            return 0.0;
        }

        double ratio = y / x;
        return x * Math.Sqrt(1.0 + (ratio * ratio));
    }
}
