using System;
using System.ComponentModel;
using System.Numerics;

namespace NetGen;

/// <summary>
/// A network's own kernel for a block of samples, which batched inference (<see cref="BatchInference"/>) calls instead
/// of one <see cref="INetwork{T}.Forward"/> per sample. Generated networks implement it with their register-blocked
/// matrix kernels. Public because generated code in user assemblies implements it; not meant to be called directly.
/// </summary>
/// <typeparam name="T">The floating-point type the network computes in.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IBatchForward<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Computes the outputs of a block of at most <see cref="InferenceWorkspace{T}.ChunkSamples"/> samples, exactly as
    /// <see cref="INetwork{T}.Forward"/> would for each up to rounding, and for each sample the same bits wherever the
    /// block starts in a batch.
    /// </summary>
    /// <param name="inputs">The block's samples, sample-major; checked by the caller.</param>
    /// <param name="outputs">Receives their outputs, sample-major; checked by the caller, not overlapping the inputs.</param>
    /// <param name="scratch">At least <see cref="InferenceWorkspace{T}.ScratchLengthFor"/> elements the kernel may overwrite.</param>
    void ForwardChunk(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> scratch);
}
