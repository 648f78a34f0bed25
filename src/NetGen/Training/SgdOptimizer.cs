using System;
using System.Numerics;
using NetGen.Numerics;

namespace NetGen.Training;

/// <summary>Plain (mini-batch) stochastic gradient descent: w ← w − η_t ∇C.</summary>
public sealed class SgdOptimizer : Optimizer
{
    /// <inheritdoc/>
    public override string Name => "SGD";

    /// <inheritdoc/>
    public override IOptimizerState<T> CreateState<T>(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new State<T>();
    }

    // Plain SGD remembers nothing between steps, so its state is empty.
    private sealed class State<T> : IOptimizerState<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Reset()
        {
        }

        public OptimizerStepOutcome Step(in TrainingStepContext<T> context)
        {
            T rate = T.CreateChecked(context.LearningRate);
            Span<T> parameters = context.Parameters;
            SpanMath.MultiplyAdd(context.Gradient, -rate, parameters);
            return OptimizerStepOutcome.Applied;
        }
    }
}
