using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NetGen;

/// <summary>
/// Argument checks shared by generated networks and the interpreted engine, so both reject bad input with the same
/// specific messages. Public because generated code in user assemblies calls it; not meant to be called directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class NetworkGuard
{
    /// <summary>Throws unless a span has exactly the length the network needs.</summary>
    /// <param name="actual">The span's length.</param>
    /// <param name="expected">The length the network needs.</param>
    /// <param name="parameterName">The parameter the span was passed as.</param>
    /// <param name="what">What one element is, e.g. "input features".</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckLength(int actual, int expected, string parameterName, string what)
    {
        if (actual != expected)
        {
            ThrowWrongLength(actual, expected, parameterName, what);
        }
    }

    // Kept out of line so the check above inlines into every Forward as a compare and a branch.
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowWrongLength(int actual, int expected, string parameterName, string what) =>
        throw WrongLength(actual, expected, parameterName, what);

    /// <summary>
    /// The exception for a span of the wrong length, for generated code to <c>throw</c> itself: a block that ends in a
    /// throw keeps nothing alive across the call, so the checked method needs no callee-saved registers for it (which a
    /// call to <see cref="CheckLength"/> costs the smallest networks).
    /// </summary>
    /// <param name="actual">The span's length.</param>
    /// <param name="expected">The length the network needs.</param>
    /// <param name="parameterName">The parameter the span was passed as.</param>
    /// <param name="what">What one element is, e.g. "input features".</param>
    /// <returns>The exception to throw.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ArgumentException WrongLength(int actual, int expected, string parameterName, string what) =>
        new($"{parameterName} has {actual} elements; this network needs exactly {expected} {what}.", parameterName);

    /// <summary>True when an output span overlaps the input it is computed from.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="input">The input span.</param>
    /// <param name="output">The output span.</param>
    /// <returns>Whether the two share any element.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Overlap<T>(ReadOnlySpan<T> input, Span<T> output) => input.Overlaps(output);

    /// <summary>The exception for an output that overlaps its input, for generated code to <c>throw</c> itself.</summary>
    /// <returns>The exception to throw.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ArgumentException OverlapException() =>
        new("output overlaps input; the network writes its outputs while it still reads the input.", "output");

    /// <summary>Throws if an output span overlaps the input it is computed from.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="input">The input span.</param>
    /// <param name="output">The output span.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckNoOverlap<T>(ReadOnlySpan<T> input, Span<T> output)
    {
        if (input.Overlaps(output))
        {
            ThrowOverlap();
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOverlap() => throw OverlapException();

    /// <summary>
    /// Checks a mini-batch's spans and workspace against a network and returns the number of samples in the batch.
    /// </summary>
    /// <param name="spec">The network's description.</param>
    /// <param name="inputsLength">The length of the inputs span.</param>
    /// <param name="targetsLength">The length of the targets span.</param>
    /// <param name="workspace">The workspace passed in.</param>
    /// <returns>The batch size, at least 1.</returns>
    public static int CheckBatch(NetworkSpec spec, int inputsLength, int targetsLength, NetworkWorkspace? workspace)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(workspace);
        if (inputsLength == 0)
        {
            throw new ArgumentException("inputs is empty; a batch needs at least one sample.", "inputs");
        }

        if (inputsLength % spec.InputSize != 0)
        {
            throw new ArgumentException($"inputs has {inputsLength} elements, which is not a whole number of samples of {spec.InputSize} features.", "inputs");
        }

        int batch = inputsLength / spec.InputSize;
        if ((long)batch * spec.OutputSize != targetsLength)
        {
            throw new ArgumentException($"targets has {targetsLength} elements; the batch of {batch} samples needs {(long)batch * spec.OutputSize} ({batch} × {spec.OutputSize} outputs).", "targets");
        }

        if (!ReferenceEquals(workspace.Spec, spec) && !workspace.Spec.Equals(spec))
        {
            throw new ArgumentException($"The workspace was created for {workspace.Spec}, not for {spec}.", nameof(workspace));
        }

        if (batch > workspace.BatchCapacity)
        {
            throw new ArgumentException($"The batch has {batch} samples but the workspace holds at most {workspace.BatchCapacity}; create one with CreateWorkspace({batch}).", nameof(workspace));
        }

        return batch;
    }

    /// <summary>
    /// Checks a batch's sample weights and returns their sum Σ_x w_x, the denominator of the weighted mean loss
    /// Σ_x w_x C_x / Σ_x w_x. An empty span means no weights (every weight 1): the sum is then the batch size.
    /// </summary>
    /// <typeparam name="T">The floating-point type.</typeparam>
    /// <param name="sampleWeights">One weight per sample of the batch, or empty.</param>
    /// <param name="batch">The number of samples in the batch.</param>
    /// <returns>Σ_x w_x, finite and non-negative; 0 only when every weight is 0.</returns>
    /// <exception cref="ArgumentException">The span is neither empty nor one weight per sample, a weight is negative,
    /// NaN or infinite, or the weights' sum overflows.</exception>
    public static T SampleWeightSum<T>(ReadOnlySpan<T> sampleWeights, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (sampleWeights.IsEmpty)
        {
            return T.CreateChecked(batch);
        }

        if (sampleWeights.Length != batch)
        {
            throw new ArgumentException($"sampleWeights has {sampleWeights.Length} elements; the batch of {batch} samples needs one weight per sample (or none).", nameof(sampleWeights));
        }

        T sum = T.Zero;
        for (int s = 0; s < sampleWeights.Length; s++)
        {
            T weight = sampleWeights[s];
            // Written so that NaN fails too.
            if (!(weight >= T.Zero) || !T.IsFinite(weight))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"sampleWeights[{s}] is {weight}; a sample weight must be finite and non-negative."), nameof(sampleWeights));
            }

            sum += weight;
        }

        if (!T.IsFinite(sum))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The {batch} sample weights add up to {sum}, beyond the range of {typeof(T).Name}."), nameof(sampleWeights));
        }

        return sum;
    }

    /// <summary>
    /// The factor 1 / Σ_x w_x that turns a weighted sum over a batch into the weighted mean; 0 when every weight is 0, so
    /// such a batch has loss and gradient 0 rather than 0/0.
    /// </summary>
    /// <typeparam name="T">The floating-point type.</typeparam>
    /// <param name="weightSum">Σ_x w_x from <see cref="SampleWeightSum{T}"/>.</param>
    /// <returns>1 / Σ_x w_x, or 0.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MeanScale<T>(T weightSum)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        weightSum > T.Zero ? T.One / weightSum : T.Zero;

    /// <summary>The weighted mean Σ_x w_x C_x / Σ_x w_x from its numerator and denominator; 0 when every weight is 0.</summary>
    /// <typeparam name="T">The floating-point type.</typeparam>
    /// <param name="weightedTotal">Σ_x w_x C_x.</param>
    /// <param name="weightSum">Σ_x w_x from <see cref="SampleWeightSum{T}"/>.</param>
    /// <returns>The weighted mean, or 0.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T WeightedMean<T>(T weightedTotal, T weightSum)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        weightSum > T.Zero ? weightedTotal / weightSum : T.Zero;

    /// <summary>Throws unless <paramref name="kind"/> is a defined <see cref="CurvatureKind"/>.</summary>
    /// <param name="kind">The curvature requested.</param>
    public static void CheckCurvatureKind(CurvatureKind kind)
    {
        if (kind is not (CurvatureKind.Hessian or CurvatureKind.GaussNewton))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown curvature kind.");
        }
    }

    /// <summary>The exception for a workspace made by another kind of engine.</summary>
    /// <param name="workspace">The workspace passed in.</param>
    /// <param name="expectedType">The workspace type the network makes.</param>
    public static ArgumentException ForeignWorkspace(NetworkWorkspace? workspace, Type expectedType)
    {
        ArgumentNullException.ThrowIfNull(expectedType);
        return new ArgumentException(
            $"The workspace is a {workspace?.GetType().FullName ?? "null"}; this network needs a {expectedType.FullName} from its own CreateWorkspace.",
            nameof(workspace));
    }
}
