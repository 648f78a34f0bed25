using System;
using System.Numerics;

namespace NetGen;

/// <summary>
/// Work that <see cref="DataParallelNetwork{T}"/> runs on each thread's slice of the parameters inside a gradient pass,
/// right after that thread has combined its slice of the batch gradient: typically an element-wise optimizer update,
/// so that each core updates the parameters whose gradient it holds in its own cache.
/// </summary>
/// <remarks>
/// <para>
/// The parameters are cut into <see cref="DataParallelNetwork{T}.ThreadCount"/> contiguous slices, one per thread, in
/// order (some may be empty). The pass runs in two phases. First every thread calls <see cref="Inspect"/> on its slice;
/// once all of them have returned, and only if every one returned <see langword="true"/>, every thread calls
/// <see cref="Apply"/> on its slice. A step can therefore refuse a batch (a non-finite gradient, say) before any
/// parameter changes.
/// </para>
/// <para>
/// Calls for different slices run at the same time on different threads, so an implementation must only write state
/// that belongs to its slice (entries <c>offset</c> to <c>offset + gradient.Length − 1</c>, or per-slice fields indexed
/// by <c>slice</c>). If a call throws, no <see cref="Apply"/> runs after the inspection phase and the exception reaches
/// the caller of the pass; an <see cref="Apply"/> that throws may leave other slices updated.
/// </para>
/// </remarks>
/// <typeparam name="T">The floating-point type the network computes in.</typeparam>
public interface IParameterSliceStep<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Looks at one slice of the final, combined batch gradient; must not change parameters.</summary>
    /// <param name="slice">The slice's index, 0 to <see cref="DataParallelNetwork{T}.ThreadCount"/> − 1.</param>
    /// <param name="offset">The index of the slice's first entry in the parameter layout.</param>
    /// <param name="gradient">The slice of the batch's mean gradient (which is also the caller's gradient span).</param>
    /// <param name="loss">The batch's mean loss, the value the pass will return.</param>
    /// <returns>Whether the step may go on to <see cref="Apply"/>; <see langword="false"/> on any slice cancels it on
    /// all of them.</returns>
    bool Inspect(int slice, int offset, ReadOnlySpan<T> gradient, T loss);

    /// <summary>Performs the step on one slice, after every slice passed <see cref="Inspect"/>.</summary>
    /// <param name="slice">The slice's index.</param>
    /// <param name="offset">The index of the slice's first entry in the parameter layout.</param>
    /// <param name="gradient">The slice of the batch gradient, which the step may change (to add penalty terms, say).</param>
    void Apply(int slice, int offset, Span<T> gradient);
}
