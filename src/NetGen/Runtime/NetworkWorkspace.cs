using System;
using System.Linq;

namespace NetGen;

/// <summary>
/// Scratch memory for mini-batch passes of one network architecture: activations, dropout masks and errors δ for up to
/// <see cref="BatchCapacity"/> samples. Created once, reused for every batch, so training allocates nothing per step.
/// Not thread-safe: one workspace per concurrent caller.
/// </summary>
public abstract class NetworkWorkspace
{
    /// <summary>Initialises the common part of a workspace.</summary>
    /// <param name="spec">The architecture the workspace is laid out for.</param>
    /// <param name="batchCapacity">The largest batch it serves, at least 1.</param>
    protected NetworkWorkspace(NetworkSpec spec, int batchCapacity)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchCapacity, 1);
        long perSample = 4L * (spec.InputSize + spec.Layers.Sum(l => (long)l.Size));
        if (perSample * batchCapacity > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(batchCapacity), batchCapacity, $"A workspace for {batchCapacity} samples of {spec} would exceed the largest array .NET can allocate.");
        }

        Spec = spec;
        BatchCapacity = batchCapacity;
    }

    /// <summary>The architecture the workspace is laid out for.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>The largest batch the workspace serves.</summary>
    public int BatchCapacity { get; }
}
