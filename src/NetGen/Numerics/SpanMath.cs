using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen.Numerics;

/// <summary>
/// Vectorised elementwise operations for generated code, so that it depends on NetGen alone (they forward to
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
}
