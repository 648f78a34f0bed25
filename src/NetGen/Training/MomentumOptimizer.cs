using System;
using System.Collections.Generic;
using System.Numerics;

namespace NetGen.Training;

/// <summary>
/// Classical momentum: v ← μv − η_t ∇C, w ← w + v, with the velocity v starting at zero. With
/// <see cref="Nesterov"/>, the look-ahead form w ← w + μv − η_t ∇C (v already updated), which equals evaluating the
/// gradient at the point momentum is about to carry the weights to, written in terms of the gradient at w.
/// </summary>
public sealed class MomentumOptimizer : Optimizer
{
    /// <summary>The default momentum coefficient μ.</summary>
    public const double DefaultCoefficient = 0.9;

    /// <summary>The momentum coefficient μ in [0, 1): how much of the previous velocity survives each step.</summary>
    public double Coefficient
    {
        get;
        init => field = RequireUnitInterval(value, nameof(Coefficient));
    } = DefaultCoefficient;

    /// <summary>Whether to use Nesterov's accelerated gradient instead of classical momentum.</summary>
    public bool Nesterov { get; init; }

    /// <inheritdoc/>
    public override string Name => FormattableString.Invariant($"{(Nesterov ? "Nesterov momentum" : "Momentum")}(μ = {Coefficient})");

    /// <inheritdoc/>
    public override IOptimizerState<T> CreateState<T>(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new State<T>(spec.ParameterCount, Coefficient, Nesterov);
    }

    private sealed class State<T>(int parameterCount, double coefficient, bool nesterov) : IElementwiseOptimizerState<T>, ICheckpointableOptimizerState<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T[] _velocity = new T[parameterCount];
        private readonly T _coefficient = T.CreateChecked(coefficient);

        public void Reset() => Array.Clear(_velocity);

        public OptimizerStepOutcome Step(in TrainingStepContext<T> context)
        {
            NetworkGuard.CheckLength(context.Parameters.Length, _velocity.Length, "context", "parameters (the optimizer state was created for another layout)");
            StepSlice(0, context.Gradient, context.Parameters, context.LearningRate);
            return OptimizerStepOutcome.Applied;
        }

        public void StepSlice(int offset, ReadOnlySpan<T> gradient, Span<T> parameters, double learningRate)
        {
            NetworkGuard.CheckLength(gradient.Length, parameters.Length, nameof(gradient), "gradient entries (one per parameter of the slice)");
            T rate = T.CreateChecked(learningRate);
            Span<T> velocity = _velocity.AsSpan(offset, parameters.Length);
            for (int i = 0; i < velocity.Length; i++)
            {
                T descent = rate * gradient[i];
                T v = _coefficient * velocity[i] - descent;
                velocity[i] = v;
                parameters[i] += nesterov ? _coefficient * v - descent : v;
            }
        }

        public void CompleteStep()
        {
        }

        public OptimizerStateSnapshot SaveState() =>
            new([new KeyValuePair<string, double[]>("velocity", OptimizerStateSnapshot.ToDoubles<T>(_velocity))]);

        public void RestoreState(OptimizerStateSnapshot snapshot)
        {
            ArgumentNullException.ThrowIfNull(snapshot);
            snapshot.RequireExactly("velocity");
            OptimizerStateSnapshot.CopyTo<T>(snapshot.RequireValues<T>("velocity", _velocity.Length), _velocity);
        }
    }
}
