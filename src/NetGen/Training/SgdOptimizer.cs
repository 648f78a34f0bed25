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
    private sealed class State<T> : IElementwiseOptimizerState<T>, ICheckpointableOptimizerState<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Reset()
        {
        }

        public OptimizerStepOutcome Step(in TrainingStepContext<T> context)
        {
            StepSlice(0, context.Gradient, context.Parameters, context.LearningRate);
            return OptimizerStepOutcome.Applied;
        }

        public void StepSlice(int offset, ReadOnlySpan<T> gradient, Span<T> parameters, double learningRate)
        {
            NetworkGuard.CheckLength(gradient.Length, parameters.Length, nameof(gradient), "gradient entries (one per parameter of the slice)");
            SpanMath.MultiplyAdd(gradient, -T.CreateChecked(learningRate), parameters);
        }

        public void CompleteStep()
        {
        }

        public OptimizerStateSnapshot SaveState() => OptimizerStateSnapshot.Empty;

        public void RestoreState(OptimizerStateSnapshot snapshot)
        {
            ArgumentNullException.ThrowIfNull(snapshot);
            snapshot.RequireExactly();
        }
    }
}
