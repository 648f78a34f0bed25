using System;
using System.Collections.Generic;
using System.Numerics;

namespace NetGen.Training;

/// <summary>
/// Adam (Kingma &amp; Ba): exponential moving averages of the gradient m and of its square v, bias-corrected, give the
/// step w ← w − η_t m̂ / (√v̂ + ε) with m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), t the 1-based step count of the run.
/// With <see cref="WeightDecay"/> λ &gt; 0 it is AdamW (Loshchilov &amp; Hutter), as PyTorch's and TorchSharp's
/// <c>AdamW</c> define it: each weight first decays, w ← w − η_t λ w, then takes the Adam step.
/// </summary>
/// <remarks>
/// <para>
/// Decoupled decay is not the L2 penalty of <see cref="TrainerOptions.L2"/>: an L2 term enters the gradient and is then
/// divided by √v̂ like the rest of it, so weights with large gradients are hardly regularised; AdamW's decay shrinks
/// every weight by the same factor 1 − η_t λ whatever its gradient. Like the penalties, it applies to the weights of the
/// dense layers only, never to biases (PyTorch's <c>AdamW</c> with the biases in a parameter group of
/// <c>weight_decay = 0</c>, the usual practice).
/// </para>
/// </remarks>
public sealed class AdamOptimizer : Optimizer
{
    /// <summary>PyTorch's default decoupled weight decay for <c>AdamW</c>, 0.01, used by <see cref="AdamW"/>.</summary>
    public const double DefaultAdamWWeightDecay = 0.01;

    /// <summary>The decay rate β₁ of the first-moment estimate, in [0, 1); 0.9 by default.</summary>
    public double Beta1
    {
        get;
        init => field = RequireUnitInterval(value, nameof(Beta1));
    } = 0.9;

    /// <summary>The decay rate β₂ of the second-moment estimate, in [0, 1); 0.999 by default.</summary>
    public double Beta2
    {
        get;
        init => field = RequireUnitInterval(value, nameof(Beta2));
    } = 0.999;

    /// <summary>ε, added to √v̂ so the step stays bounded where the gradient has been near zero; 1e-8 by default.</summary>
    public double Epsilon
    {
        get;
        init => field = double.IsFinite(value) && value > 0.0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Epsilon), value, "Epsilon must be finite and positive.");
    } = 1e-8;

    /// <summary>
    /// λ of the decoupled weight decay w ← w − η_t λ w taken before each step (AdamW); finite and non-negative, 0 (plain
    /// Adam) by default. Weights only, never biases.
    /// </summary>
    public double WeightDecay
    {
        get;
        init => field = double.IsFinite(value) && value >= 0.0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(WeightDecay), value, "WeightDecay must be finite and non-negative.");
    }

    /// <inheritdoc/>
    public override string Name => WeightDecay > 0.0
        ? FormattableString.Invariant($"AdamW(β₁ = {Beta1}, β₂ = {Beta2}, ε = {Epsilon}, λ = {WeightDecay})")
        : FormattableString.Invariant($"Adam(β₁ = {Beta1}, β₂ = {Beta2}, ε = {Epsilon})");

    /// <summary>AdamW with PyTorch's defaults (β₁ = 0.9, β₂ = 0.999, ε = 1e-8) and decoupled weight decay λ.</summary>
    /// <param name="weightDecay">λ, finite and non-negative; PyTorch's default 0.01.</param>
    public static AdamOptimizer AdamW(double weightDecay = DefaultAdamWWeightDecay) => new() { WeightDecay = weightDecay };

    /// <inheritdoc/>
    public override IOptimizerState<T> CreateState<T>(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new State<T>(spec, this);
    }

    private sealed class State<T>(NetworkSpec spec, AdamOptimizer settings) : IElementwiseOptimizerState<T>, ICheckpointableOptimizerState<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private const string FirstMomentEntry = "first-moment";
        private const string SecondMomentEntry = "second-moment";
        private const string StepCountEntry = "step-count";

        private readonly T[] _firstMoment = new T[spec.ParameterCount];
        private readonly T[] _secondMoment = new T[spec.ParameterCount];
        private readonly T _beta1 = T.CreateChecked(settings.Beta1);
        private readonly T _beta2 = T.CreateChecked(settings.Beta2);
        private readonly T _epsilon = T.CreateChecked(settings.Epsilon);
        // Steps completed in this run; the step being taken is number _stepCount + 1.
        private int _stepCount;

        public void Reset()
        {
            Array.Clear(_firstMoment);
            Array.Clear(_secondMoment);
            _stepCount = 0;
        }

        public OptimizerStepOutcome Step(in TrainingStepContext<T> context)
        {
            NetworkGuard.CheckLength(context.Parameters.Length, _firstMoment.Length, "context", "parameters (the optimizer state was created for another layout)");
            StepSlice(0, context.Gradient, context.Parameters, context.LearningRate);
            CompleteStep();
            return OptimizerStepOutcome.Applied;
        }

        public void StepSlice(int offset, ReadOnlySpan<T> gradient, Span<T> parameters, double learningRate)
        {
            NetworkGuard.CheckLength(gradient.Length, parameters.Length, nameof(gradient), "gradient entries (one per parameter of the slice)");
            if (settings.WeightDecay > 0.0)
            {
                DecayWeights(offset, parameters, T.CreateChecked(1.0 - (learningRate * settings.WeightDecay)));
            }

            int step = _stepCount + 1;
            // The bias corrections are computed in double: β^t of a float β loses digits quickly as t grows.
            T firstCorrection = T.CreateChecked(1.0 / (1.0 - Math.Pow(settings.Beta1, step)));
            T secondCorrection = T.CreateChecked(1.0 / (1.0 - Math.Pow(settings.Beta2, step)));
            T rate = T.CreateChecked(learningRate);
            T oneMinusBeta1 = T.One - _beta1;
            T oneMinusBeta2 = T.One - _beta2;
            Span<T> m = _firstMoment.AsSpan(offset, parameters.Length);
            Span<T> v = _secondMoment.AsSpan(offset, parameters.Length);
            for (int i = 0; i < parameters.Length; i++)
            {
                T g = gradient[i];
                m[i] = _beta1 * m[i] + oneMinusBeta1 * g;
                v[i] = _beta2 * v[i] + oneMinusBeta2 * g * g;
                T correctedFirst = m[i] * firstCorrection;
                T correctedSecond = v[i] * secondCorrection;
                parameters[i] -= rate * correctedFirst / (T.Sqrt(correctedSecond) + _epsilon);
            }
        }

        public void CompleteStep() => _stepCount++;

        public OptimizerStateSnapshot SaveState() => new(
        [
            new KeyValuePair<string, double[]>(FirstMomentEntry, OptimizerStateSnapshot.ToDoubles<T>(_firstMoment)),
            new KeyValuePair<string, double[]>(SecondMomentEntry, OptimizerStateSnapshot.ToDoubles<T>(_secondMoment)),
            new KeyValuePair<string, double[]>(StepCountEntry, [_stepCount]),
        ]);

        public void RestoreState(OptimizerStateSnapshot snapshot)
        {
            ArgumentNullException.ThrowIfNull(snapshot);
            snapshot.RequireExactly(FirstMomentEntry, SecondMomentEntry, StepCountEntry);
            ReadOnlySpan<double> first = snapshot.RequireValues<T>(FirstMomentEntry, _firstMoment.Length);
            ReadOnlySpan<double> second = snapshot.RequireValues<T>(SecondMomentEntry, _secondMoment.Length);
            foreach (double value in second)
            {
                if (value < 0.0)
                {
                    throw new ArgumentException($"The optimizer state entry '{SecondMomentEntry}' holds {value}; a mean of squares is never negative.", nameof(snapshot));
                }
            }

            int steps = (int)snapshot.RequireScalar(StepCountEntry, 0, int.MaxValue - 1, wholeNumber: true);
            OptimizerStateSnapshot.CopyTo<T>(first, _firstMoment);
            OptimizerStateSnapshot.CopyTo<T>(second, _secondMoment);
            _stepCount = steps;
        }

        // w ← (1 − η_t λ) w on the weights inside the slice, PyTorch's param.mul_(1 - lr * weight_decay).
        private void DecayWeights(int offset, Span<T> parameters, T factor)
        {
            for (int layer = 0; layer < spec.Layers.Count; layer++)
            {
                var layout = spec.GetLayout(layer);
                if (LayoutSlices.TryIntersect(layout.WeightsOffset, layout.WeightCount, offset, parameters.Length, out int start, out int length))
                {
                    foreach (ref T w in parameters.Slice(start, length))
                    {
                        w *= factor;
                    }
                }
            }
        }
    }
}
