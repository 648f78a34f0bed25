using System;
using System.Numerics;

namespace NetGen.Training;

/// <summary>
/// Adam (Kingma &amp; Ba): exponential moving averages of the gradient m and of its square v, bias-corrected, give the
/// step w ← w − η_t m̂ / (√v̂ + ε) with m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), t the 1-based step count of the run.
/// </summary>
public sealed class AdamOptimizer : Optimizer
{
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

    /// <inheritdoc/>
    public override string Name => FormattableString.Invariant($"Adam(β₁ = {Beta1}, β₂ = {Beta2}, ε = {Epsilon})");

    /// <inheritdoc/>
    public override IOptimizerState<T> CreateState<T>(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new State<T>(spec.ParameterCount, this);
    }

    private sealed class State<T>(int parameterCount, AdamOptimizer settings) : IElementwiseOptimizerState<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T[] _firstMoment = new T[parameterCount];
        private readonly T[] _secondMoment = new T[parameterCount];
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
    }
}
