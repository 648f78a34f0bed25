using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace NetGen.Training;

/// <summary>
/// L1 and L2 weight penalties with the lecture notes' scaling by the training-set size n: the objective is
/// C = C₀ + (λ₁/n) Σ|w| + (λ₂/2n) Σw², whose gradient adds (λ₁/n)·sgn(w) + (λ₂/n)·w to ∂C₀/∂w. Only the weights of
/// dense layers are penalised; biases never are.
/// </summary>
/// <remarks>
/// The trainer adds <see cref="AddGradientTerms{T}"/> to the batch gradient before any optimizer sees it, and an
/// optimizer that re-evaluates the objective (through <see cref="TrainingStepContext{T}"/>) gets the same penalty, so
/// every optimizer minimises the same regularised objective.
/// </remarks>
public sealed class Regularization
{
    /// <summary>Creates the penalty terms for a training set of <paramref name="trainingSetSize"/> samples.</summary>
    /// <param name="l1">λ₁, finite and non-negative; 0 turns L1 off.</param>
    /// <param name="l2">λ₂, finite and non-negative; 0 turns L2 off.</param>
    /// <param name="trainingSetSize">n, the number of training samples, at least 1.</param>
    public Regularization(double l1, double l2, int trainingSetSize)
        : this(l1, l2, trainingSetSize, null)
    {
    }

    /// <summary>
    /// Creates the penalty terms with a separate L2 strength per dense layer, λ₂·s_l for layer l (MacKay's grouped
    /// priors: input-side and output-side weights often want different strengths).
    /// </summary>
    /// <param name="l1">λ₁, finite and non-negative; 0 turns L1 off.</param>
    /// <param name="l2">λ₂, finite and non-negative; 0 turns L2 off.</param>
    /// <param name="trainingSetSize">n, the number of training samples, at least 1.</param>
    /// <param name="layerL2Scales">s_l per dense layer, finite and non-negative; null for 1 everywhere.</param>
    public Regularization(double l1, double l2, int trainingSetSize, IReadOnlyList<double>? layerL2Scales)
    {
        RequireStrength(l1, nameof(l1));
        RequireStrength(l2, nameof(l2));
        ArgumentOutOfRangeException.ThrowIfLessThan(trainingSetSize, 1);
        if (layerL2Scales is not null)
        {
            foreach (double scale in layerL2Scales)
            {
                RequireStrength(scale, nameof(layerL2Scales));
            }

            _layerL2Scales = [.. layerL2Scales];
        }

        L1 = l1;
        L2 = l2;
        TrainingSetSize = trainingSetSize;
    }

    private readonly double[]? _layerL2Scales;

    /// <summary>λ₁, the L1 strength.</summary>
    public double L1 { get; }

    /// <summary>λ₂, the L2 (weight decay) strength.</summary>
    public double L2 { get; }

    /// <summary>The per-layer factors s_l of the L2 strength, or null when every layer has λ₂.</summary>
    public IReadOnlyList<double>? LayerL2Scales => _layerL2Scales;

    /// <summary>The factor s_l of dense layer <paramref name="layer"/>'s L2 strength λ₂·s_l (1 without per-layer
    /// factors).</summary>
    /// <param name="layer">The 0-based dense layer.</param>
    public double LayerL2Scale(int layer) => _layerL2Scales is null ? 1.0 : _layerL2Scales[layer];

    /// <summary>n, the training-set size the strengths are divided by.</summary>
    public int TrainingSetSize { get; }

    /// <summary>Whether either penalty is on.</summary>
    public bool IsActive => L1 > 0.0 || L2 > 0.0;

    /// <summary>Adds (λ₁/n)·sgn(w) + (λ₂/n)·w to the weight entries of <paramref name="gradient"/>, with sgn(0) = 0.
    /// Bias entries are left as they are. Allocates nothing.</summary>
    /// <typeparam name="T">The floating-point type.</typeparam>
    /// <param name="spec">The network's parameter layout.</param>
    /// <param name="parameters">The parameters w the penalty is taken at.</param>
    /// <param name="gradient">The gradient to add to, in the same layout.</param>
    public void AddGradientTerms<T>(NetworkSpec spec, ReadOnlySpan<T> parameters, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(spec);
        NetworkGuard.CheckLength(parameters.Length, spec.ParameterCount, nameof(parameters), "parameters");
        NetworkGuard.CheckLength(gradient.Length, spec.ParameterCount, nameof(gradient), "gradient entries");
        AddGradientTermsToSlice(spec, 0, parameters, gradient);
    }

    /// <summary>Returns the penalty (λ₁/n) Σ|w| + (λ₂/2n) Σw² over the weights (biases excluded). Allocates nothing.</summary>
    /// <typeparam name="T">The floating-point type.</typeparam>
    /// <param name="spec">The network's parameter layout.</param>
    /// <param name="parameters">The parameters.</param>
    public T Penalty<T>(NetworkSpec spec, ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(spec);
        NetworkGuard.CheckLength(parameters.Length, spec.ParameterCount, nameof(parameters), "parameters");
        T sumOfMagnitudes = T.Zero;
        T sumOfSquares = T.Zero;
        AccumulatePenaltySums(spec, 0, parameters, ref sumOfMagnitudes, ref sumOfSquares);
        return PenaltyFromSums(sumOfMagnitudes, sumOfSquares);
    }

    /// <summary>Describes the penalties, e.g. <c>L1 0, L2 5 (n = 1000)</c>.</summary>
    public override string ToString() => FormattableString.Invariant($"L1 {L1}, L2 {L2} (n = {TrainingSetSize})");

    // AddGradientTerms on the slice of the layout that starts at entry `offset` (parameters and gradient are that slice).
    internal void AddGradientTermsToSlice<T>(NetworkSpec spec, int offset, ReadOnlySpan<T> parameters, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!IsActive)
        {
            return;
        }

        CheckScales(spec);
        T l1 = T.CreateChecked(L1 / TrainingSetSize);
        for (int layer = 0; layer < spec.Layers.Count; layer++)
        {
            T l2 = T.CreateChecked(L2 * LayerL2Scale(layer) / TrainingSetSize);
            var layout = spec.GetLayout(layer);
            if (!LayoutSlices.TryIntersect(layout.WeightsOffset, layout.WeightCount, offset, parameters.Length, out int start, out int length))
            {
                continue;
            }

            ReadOnlySpan<T> weights = parameters.Slice(start, length);
            Span<T> weightGradient = gradient.Slice(start, length);
            int i = 0;
            if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            {
                // The scalar loop's arithmetic, lane by lane and in the same order, so the results are the same bits.
                var l1Vector = Vector256.Create(l1);
                var l2Vector = Vector256.Create(l2);
                var one = Vector256.Create(T.One);
                var zero = Vector256<T>.Zero;
                for (; i <= weights.Length - Vector256<T>.Count; i += Vector256<T>.Count)
                {
                    var w = Vector256.Create(weights.Slice(i, Vector256<T>.Count));
                    var sign = Vector256.ConditionalSelect(Vector256.GreaterThan(w, zero), one, Vector256.ConditionalSelect(Vector256.LessThan(w, zero), -one, zero));
                    var g = Vector256.Create((ReadOnlySpan<T>)weightGradient.Slice(i, Vector256<T>.Count));
                    (g + (l2Vector * w) + (l1Vector * sign)).CopyTo(weightGradient.Slice(i, Vector256<T>.Count));
                }
            }

            for (; i < weights.Length; i++)
            {
                T w = weights[i];
                // A hand-written sign: T.Sign throws on NaN, and sgn(0) must be 0 so a zero weight is left alone.
                T sign = w > T.Zero ? T.One : w < T.Zero ? T.NegativeOne : T.Zero;
                weightGradient[i] = weightGradient[i] + l2 * w + l1 * sign;
            }
        }
    }

    // Adds Σ|w| and Σw² over the weights in the slice of the layout that starts at entry `offset`, layer by layer; the
    // sums of all slices, added in slice order, give Penalty through PenaltyFromSums.
    internal void AccumulatePenaltySums<T>(NetworkSpec spec, int offset, ReadOnlySpan<T> parameters, ref T sumOfMagnitudes, ref T sumOfSquares)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!IsActive)
        {
            return;
        }

        CheckScales(spec);

        for (int layer = 0; layer < spec.Layers.Count; layer++)
        {
            var layout = spec.GetLayout(layer);
            if (!LayoutSlices.TryIntersect(layout.WeightsOffset, layout.WeightCount, offset, parameters.Length, out int start, out int length))
            {
                continue;
            }

            ReadOnlySpan<T> weights = parameters.Slice(start, length);
            if (L1 > 0.0)
            {
                sumOfMagnitudes += TensorPrimitives.SumOfMagnitudes(weights);
            }

            if (L2 > 0.0)
            {
                sumOfSquares += _layerL2Scales is null ? TensorPrimitives.SumOfSquares(weights) : T.CreateChecked(_layerL2Scales[layer]) * TensorPrimitives.SumOfSquares(weights);
            }
        }
    }

    internal T PenaltyFromSums<T>(T sumOfMagnitudes, T sumOfSquares)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        IsActive
            ? T.CreateChecked(L1 / TrainingSetSize) * sumOfMagnitudes + T.CreateChecked(L2 / (2.0 * TrainingSetSize)) * sumOfSquares
            : T.Zero;

    private void CheckScales(NetworkSpec spec)
    {
        if (_layerL2Scales is not null && _layerL2Scales.Length != spec.Layers.Count)
        {
            throw new ArgumentException($"The regularisation has {_layerL2Scales.Length} per-layer L2 factors; the network {spec} has {spec.Layers.Count} dense layers.", nameof(spec));
        }
    }

    private static void RequireStrength(double lambda, string parameterName)
    {
        if (!double.IsFinite(lambda) || lambda < 0.0)
        {
            throw new ArgumentOutOfRangeException(parameterName, lambda, "A regularisation strength must be finite and non-negative.");
        }
    }
}
