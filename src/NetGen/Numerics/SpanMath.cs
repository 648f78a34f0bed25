using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Numerics;

/// <summary>
/// Vectorised elementwise operations for generated code, so that it depends on NetGen alone (most forward to
/// <see cref="TensorPrimitives"/>).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class SpanMath
{
    /// <summary>values[i] *= factor.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="values">The values to scale in place.</param>
    /// <param name="factor">The factor.</param>
    public static void Scale<T>(Span<T> values, T factor)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Multiply(values, factor, values);

    /// <summary>sum[i] += values[i].</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="sum">The running sum, updated in place.</param>
    /// <param name="values">The values to add; as long as <paramref name="sum"/>.</param>
    public static void AddTo<T>(Span<T> sum, ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Add(sum, values, sum);

    /// <summary>
    /// sum[j] = Σ_s matrix[s, j] over the first <paramref name="rows"/> rows of a row-major matrix as wide as
    /// <paramref name="sum"/>, added in row order (a bias gradient: the column sums of a batch's errors). One call for the
    /// whole batch, where a call per row cost more than the additions for narrow layers.
    /// </summary>
    /// <param name="matrix">The matrix, row-major, at least rows × sum.Length elements.</param>
    /// <param name="rows">How many rows to add.</param>
    /// <param name="sum">Receives the column sums (overwritten).</param>
    /// <exception cref="ArgumentException">The matrix is shorter than rows × sum.Length.</exception>
    public static void SumRows(ReadOnlySpan<float> matrix, int rows, Span<float> sum)
    {
        int width = sum.Length;
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if ((long)rows * width > matrix.Length)
        {
            throw new ArgumentException($"matrix has {matrix.Length} elements, fewer than {rows} rows of {width}.", nameof(matrix));
        }

        ref float m = ref MemoryMarshal.GetReference(matrix);
        ref float d = ref MemoryMarshal.GetReference(sum);
        int j = 0;
        for (; j + 8 <= width; j += 8)
        {
            Vector256<float> total = Vector256<float>.Zero;
            for (int s = 0; s < rows; s++)
            {
                total += Vector256.LoadUnsafe(ref m, (nuint)((s * width) + j));
            }

            total.StoreUnsafe(ref d, (nuint)j);
        }

        for (; j < width; j++)
        {
            float total = 0f;
            for (int s = 0; s < rows; s++)
            {
                total += Unsafe.Add(ref m, (s * width) + j);
            }

            Unsafe.Add(ref d, j) = total;
        }
    }
}
