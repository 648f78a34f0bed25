using System;
using System.Numerics;

namespace NetGen;

/// <summary>
/// Batched inference on any network, generated or interpreted: many samples through <see cref="INetwork{T}.Forward"/>'s
/// computation at once, allocation-free with a caller-held <see cref="InferenceWorkspace{T}"/>, on one thread or several.
/// </summary>
/// <remarks>
/// Generated networks run a block of samples through their register-blocked matrix kernels (the ones their training
/// uses); other networks run <see cref="INetwork{T}.Forward"/> per sample. Either way each sample's outputs are the bits
/// they would be in any other batch at the same position in its block, whatever the thread count.
/// </remarks>
public static class BatchInference
{
    /// <summary>
    /// Computes the outputs of every sample of a batch: n × <see cref="NetworkSpec.OutputSize"/> values, sample-major,
    /// each sample's outputs as <see cref="INetwork{T}.Forward"/> computes them (to rounding).
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">The network; no one may change its parameters during the call.</param>
    /// <param name="inputs">n samples, sample-major (n may be 0).</param>
    /// <param name="outputs">Receives n × <see cref="NetworkSpec.OutputSize"/> values; must not overlap <paramref name="inputs"/>.</param>
    /// <param name="workspace">A workspace for the network's architecture, used by one caller at a time.</param>
    /// <exception cref="ArgumentException">The inputs are not a whole number of samples, the outputs have the wrong length
    /// or overlap the inputs, or the workspace is for another architecture.</exception>
    /// <exception cref="ObjectDisposedException">The workspace was disposed.</exception>
    public static void Forward<T>(this INetwork<T> network, ReadOnlySpan<T> inputs, Span<T> outputs, InferenceWorkspace<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(workspace);
        var spec = network.Spec;
        int batch = SampleCount(spec, inputs.Length, nameof(inputs));
        RequireRows(outputs.Length, batch, spec.OutputSize, nameof(outputs), "outputs");
        NetworkGuard.CheckNoOverlap(inputs, outputs);
        workspace.Run(network, inputs, outputs, default, InferenceWorkspace<T>.RunKind.Outputs, batch);
    }

    internal static int SampleCount(NetworkSpec spec, int length, string parameterName)
    {
        if (length % spec.InputSize != 0)
        {
            throw new ArgumentException(
                $"{parameterName} has {length} values, not a whole number of samples of {spec.InputSize} features.", parameterName);
        }

        return length / spec.InputSize;
    }

    internal static void RequireRows(int length, int samples, int width, string parameterName, string what)
    {
        if (length != (long)samples * width)
        {
            throw new ArgumentException(
                $"{parameterName} has {length} elements; {samples} samples need exactly {(long)samples * width} ({width} {what} each).", parameterName);
        }
    }
}
