using System;
using System.Numerics;
using NetGen.Training;

namespace NetGen.Pruning;

/// <summary>
/// Retraining of a pruned network: wraps any optimizer so that pruned weights get no gradient and stay exactly zero
/// after every step (the mask is applied to the gradient the inner optimizer sees and to the parameters after it).
/// </summary>
public sealed class MaskedOptimizer : Optimizer
{
    /// <summary>Wraps <paramref name="inner"/> with <paramref name="mask"/>.</summary>
    /// <param name="inner">The optimizer that does the updates.</param>
    /// <param name="mask">The pruned weights; read at every step, so later pruning takes effect.</param>
    public MaskedOptimizer(Optimizer inner, PruningMask mask)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(mask);
        Inner = inner;
        Mask = mask;
    }

    /// <summary>The optimizer that does the updates.</summary>
    public Optimizer Inner { get; }

    /// <summary>The pruned weights.</summary>
    public PruningMask Mask { get; }

    /// <inheritdoc/>
    public override string Name => $"{Inner.Name}, masked";

    /// <inheritdoc/>
    public override IOptimizerState<T> CreateState<T>(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!spec.HasSameParameterLayout(Mask.Spec))
        {
            throw new ArgumentException($"The mask is for {Mask.Spec}; the network is {spec}.", nameof(spec));
        }

        return new State<T>(Inner.CreateState<T>(spec), Mask, spec.ParameterCount);
    }

    private sealed class State<T>(IOptimizerState<T> inner, PruningMask mask, int parameterCount) : IOptimizerState<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly T[] _gradient = new T[parameterCount];

        public void Reset() => inner.Reset();

        public OptimizerStepOutcome Step(in TrainingStepContext<T> context)
        {
            context.Gradient.CopyTo(_gradient);
            mask.Apply<T>(_gradient);
            var masked = new TrainingStepContext<T>(
                context.Network, context.Inputs, context.Targets, context.Workspace, _gradient, context.Loss, context.Objective,
                context.LearningRate, context.Regularization, context.Epoch, context.Step);
            var outcome = inner.Step(in masked);
            mask.Apply(context.Parameters);
            return outcome;
        }
    }
}
