using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Numerics;

/// <summary>
/// Vectorised elementwise operations for generated code and the trainer, so that generated code depends on NetGen alone.
/// Those that write a parameter-sized span are written out here rather than forwarded to <see cref="TensorPrimitives"/>
/// (see <see cref="MultiplyAdd{T}(ReadOnlySpan{T}, T, Span{T})"/>).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class SpanMath
{
    /// <summary>
    /// Σ values[i]² accumulated in double, in a fixed order (eight running sums over consecutive blocks, then the tail),
    /// so the result is the same on every call for the same values. Unscaled: it overflows to infinity once the sum
    /// passes double's range.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="values">The values.</param>
    internal static double SumOfSquaresAsDouble<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        double sum = 0.0;
        if (Vector256.IsHardwareAccelerated && typeof(T) == typeof(float))
        {
            // Each float widens to a double exactly, and the square of a float is exact in double.
            ReadOnlySpan<float> floats = MemoryMarshal.Cast<T, float>(values);
            ref float fr = ref MemoryMarshal.GetReference(floats);
            var low = Vector256<double>.Zero;
            var high = Vector256<double>.Zero;
            for (; i <= floats.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref fr, (nuint)i));
                low += lower * lower;
                high += upper * upper;
            }

            sum = Vector256.Sum(low + high);
        }
        else if (Vector256.IsHardwareAccelerated && typeof(T) == typeof(double))
        {
            ReadOnlySpan<double> doubles = MemoryMarshal.Cast<T, double>(values);
            ref double dr = ref MemoryMarshal.GetReference(doubles);
            var first = Vector256<double>.Zero;
            var second = Vector256<double>.Zero;
            for (; i <= doubles.Length - (2 * Vector256<double>.Count); i += 2 * Vector256<double>.Count)
            {
                var a = Vector256.LoadUnsafe(ref dr, (nuint)i);
                var b = Vector256.LoadUnsafe(ref dr, (nuint)(i + Vector256<double>.Count));
                first += a * a;
                second += b * b;
            }

            sum = Vector256.Sum(first + second);
        }

        for (; i < values.Length; i++)
        {
            double v = double.CreateTruncating(values[i]);
            sum += v * v;
        }

        return sum;
    }

    /// <summary>values[i] *= factor, through the cache (see <see cref="MultiplyAdd{T}(ReadOnlySpan{T}, T, Span{T})"/>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="values">The values to scale in place.</param>
    /// <param name="factor">The factor.</param>
    public static void Scale<T>(Span<T> values, T factor)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T vr = ref MemoryMarshal.GetReference(values);
        int length = values.Length;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            Vector256<T> scale = Vector256.Create(factor);
            for (; i <= length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                (Vector256.LoadUnsafe(ref vr, (nuint)i) * scale).StoreUnsafe(ref vr, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref vr, i) *= factor;
        }
    }

    /// <summary>
    /// rows[s, j] *= factors[s] for the first factors.Length rows of a row-major matrix <paramref name="width"/> wide: each
    /// sample's row of a batch (its δᴸ or R{δᴸ}) times that sample's weight.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="rows">The matrix, row-major, at least factors.Length × width elements; scaled in place.</param>
    /// <param name="factors">One factor per row.</param>
    /// <param name="width">The row length, at least 1.</param>
    /// <exception cref="ArgumentException">The matrix is shorter than factors.Length rows.</exception>
    public static void ScaleRows<T>(Span<T> rows, ReadOnlySpan<T> factors, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if ((long)factors.Length * width > rows.Length)
        {
            throw new ArgumentException($"rows has {rows.Length} elements, fewer than {factors.Length} rows of {width}.", nameof(rows));
        }

        for (int s = 0; s < factors.Length; s++)
        {
            Scale(rows.Slice(s * width, width), factors[s]);
        }
    }

    /// <summary>sum[i] += values[i].</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="sum">The running sum, updated in place.</param>
    /// <param name="values">The values to add; as long as <paramref name="sum"/>.</param>
    public static void AddTo<T>(Span<T> sum, ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Add(sum, values, sum);

    /// <summary>
    /// y[i] += x[i] · factor (a multiply and an add, rounded separately as <see cref="TensorPrimitives.MultiplyAdd{T}(ReadOnlySpan{T}, T, ReadOnlySpan{T}, Span{T})"/>
    /// rounds them): the SGD update w ← w − η∇C with x = ∇C and factor = −η.
    /// </summary>
    /// <remarks>
    /// It reads in 256-bit blocks from the start of the spans, the blocks in which generated code stores gradients. On
    /// AVX-512 hardware <see cref="TensorPrimitives"/> reads 512 bits at a time, and a load that spans two earlier stores
    /// cannot take their data from the store buffer: it waits until both reach the cache. For a network of a few dozen
    /// parameters, trained a step at a time, that wait is a sizeable part of the step. It also never uses non-temporal
    /// stores: above 256 KiB <see cref="TensorPrimitives"/> streams its result past the cache, which evicts the parameters
    /// that the next step's forward pass reads first (bench/RESULTS.md has the measurements).
    /// </remarks>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="x">The values to scale and add.</param>
    /// <param name="factor">The factor.</param>
    /// <param name="y">
    /// The values updated in place; as long as <paramref name="x"/>, and either the same span or not overlapping it.
    /// </param>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void MultiplyAdd<T>(ReadOnlySpan<T> x, T factor, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"The span to add to has {y.Length} elements where {x.Length} were expected, one per element of the span to scale.", nameof(y));
        }

        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        int length = x.Length;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            Vector256<T> scale = Vector256.Create(factor);
            int width = Vector256<T>.Count;
            for (; i <= length - (4 * width); i += 4 * width)
            {
                nuint at = (nuint)i;
                Vector256<T> y0 = (Vector256.LoadUnsafe(ref xr, at) * scale) + Vector256.LoadUnsafe(ref yr, at);
                Vector256<T> y1 = (Vector256.LoadUnsafe(ref xr, at + (nuint)width) * scale) + Vector256.LoadUnsafe(ref yr, at + (nuint)width);
                Vector256<T> y2 = (Vector256.LoadUnsafe(ref xr, at + (nuint)(2 * width)) * scale) + Vector256.LoadUnsafe(ref yr, at + (nuint)(2 * width));
                Vector256<T> y3 = (Vector256.LoadUnsafe(ref xr, at + (nuint)(3 * width)) * scale) + Vector256.LoadUnsafe(ref yr, at + (nuint)(3 * width));
                y0.StoreUnsafe(ref yr, at);
                y1.StoreUnsafe(ref yr, at + (nuint)width);
                y2.StoreUnsafe(ref yr, at + (nuint)(2 * width));
                y3.StoreUnsafe(ref yr, at + (nuint)(3 * width));
            }

            for (; i <= length - width; i += width)
            {
                (Vector256.LoadUnsafe(ref xr, (nuint)i) * scale + Vector256.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref yr, i) = (Unsafe.Add(ref xr, i) * factor) + Unsafe.Add(ref yr, i);
        }
    }

    /// <summary>
    /// result[j] = Σ_k matrix[j, k]·x[k] + bias[j] for a row-major matrix of result.Length rows as wide as
    /// <paramref name="x"/>: a layer's weighted inputs. Four rows share each load of x, and one call covers the layer,
    /// where a dot product per row paid a call's set-up for every neuron of a narrow layer.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="matrix">The matrix, row-major, result.Length × x.Length elements.</param>
    /// <param name="x">The vector.</param>
    /// <param name="bias">The bias, one per row.</param>
    /// <param name="result">Receives the products; must not overlap the other spans.</param>
    internal static void MatrixVector<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> x, ReadOnlySpan<T> bias, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length;
        int rows = result.Length;
        if (matrix.Length < rows * n || bias.Length < rows)
        {
            throw new ArgumentException($"The matrix has {matrix.Length} elements and the bias {bias.Length} where {rows} rows of {n} were expected.", nameof(matrix));
        }

        ref T w = ref MemoryMarshal.GetReference(matrix);
        ref T xr = ref MemoryMarshal.GetReference(x);
        int j = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && n >= Vector256<T>.Count)
        {
            int width = Vector256<T>.Count;
            int body = n - (n % width);
            for (; j + 4 <= rows; j += 4)
            {
                ref T w0 = ref Unsafe.Add(ref w, j * n);
                ref T w1 = ref Unsafe.Add(ref w0, n);
                ref T w2 = ref Unsafe.Add(ref w1, n);
                ref T w3 = ref Unsafe.Add(ref w2, n);
                Vector256<T> s0 = Vector256<T>.Zero, s1 = Vector256<T>.Zero, s2 = Vector256<T>.Zero, s3 = Vector256<T>.Zero;
                for (int k = 0; k < body; k += width)
                {
                    Vector256<T> xv = Vector256.LoadUnsafe(ref xr, (nuint)k);
                    s0 += Vector256.LoadUnsafe(ref w0, (nuint)k) * xv;
                    s1 += Vector256.LoadUnsafe(ref w1, (nuint)k) * xv;
                    s2 += Vector256.LoadUnsafe(ref w2, (nuint)k) * xv;
                    s3 += Vector256.LoadUnsafe(ref w3, (nuint)k) * xv;
                }

                T t0 = Vector256.Sum(s0), t1 = Vector256.Sum(s1), t2 = Vector256.Sum(s2), t3 = Vector256.Sum(s3);
                for (int k = body; k < n; k++)
                {
                    T xk = Unsafe.Add(ref xr, k);
                    t0 += Unsafe.Add(ref w0, k) * xk;
                    t1 += Unsafe.Add(ref w1, k) * xk;
                    t2 += Unsafe.Add(ref w2, k) * xk;
                    t3 += Unsafe.Add(ref w3, k) * xk;
                }

                result[j] = t0 + bias[j];
                result[j + 1] = t1 + bias[j + 1];
                result[j + 2] = t2 + bias[j + 2];
                result[j + 3] = t3 + bias[j + 3];
            }
        }

        for (; j < rows; j++)
        {
            result[j] = TensorPrimitives.Dot(matrix.Slice(j * n, n), x) + bias[j];
        }
    }

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
