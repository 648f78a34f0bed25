using System;
using System.Numerics;

namespace NetGen.Training;

/// <summary>
/// An optimizer's settings: an immutable description (such as Adam's β₁ and β₂) that creates the per-network
/// <see cref="IOptimizerState{T}"/> holding the buffers and performing the updates. Settings can therefore be shared
/// between trainers and put in <see cref="TrainerOptions"/>, which are independent of the floating-point type.
/// </summary>
/// <remarks>
/// To add an optimizer (a Newton or Levenberg–Marquardt method, say), derive from this class, return a state from
/// <see cref="CreateState{T}"/> that allocates every buffer it needs up front, and do the update in
/// <see cref="IOptimizerState{T}.Step"/> with what the <see cref="TrainingStepContext{T}"/> offers.
/// </remarks>
public abstract class Optimizer
{
    /// <summary>A short description of the optimizer and its settings, for logs.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Creates the optimizer's state for networks of <paramref name="spec"/>'s layout: every buffer the updates need,
    /// sized by <see cref="NetworkSpec.ParameterCount"/>, so that steps allocate nothing.
    /// </summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="spec">The layout of the parameters the state will update.</param>
    public abstract IOptimizerState<T> CreateState<T>(NetworkSpec spec)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Whether the steps depend on <see cref="TrainerOptions.LearningRate"/>; <see langword="true"/> by default. RPROP,
    /// L-BFGS and Newton choose their step lengths themselves and ignore it, so a learning-rate range test
    /// (<see cref="Trainer{T}.FindLearningRate"/>) refuses them.
    /// </summary>
    public virtual bool UsesLearningRate => true;

    /// <summary>
    /// Whether every step must see the whole training set; <see langword="false"/> by default. Full-batch methods
    /// (RPROP, L-BFGS) adapt to the change of the gradient from one step to the next, which mini-batches would confuse
    /// with the change of the batch, so the trainer refuses a <see cref="TrainerOptions.BatchSize"/> below the
    /// training-set size for them.
    /// </summary>
    public virtual bool RequiresFullBatch => false;

    /// <summary>Returns <see cref="Name"/>.</summary>
    public override string ToString() => Name;

    /// <summary>Throws unless <paramref name="value"/> is in [0, 1).</summary>
    /// <param name="value">The coefficient.</param>
    /// <param name="parameterName">The property it is set through.</param>
    private protected static double RequireUnitInterval(double value, string parameterName)
    {
        if (!(value >= 0.0 && value < 1.0))
        {
            throw new ArgumentOutOfRangeException(parameterName, value, $"{parameterName} must be in [0, 1).");
        }

        return value;
    }
}

/// <summary>
/// The state of one optimizer for one network: its buffers (velocity, moment estimates, damping …) and the update rule
/// that advances them. The trainer creates it once and calls <see cref="Reset"/> at the start of every run.
/// </summary>
/// <typeparam name="T">The network's floating-point type.</typeparam>
public interface IOptimizerState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Forgets everything learnt from earlier steps (zero velocity, zero moments, step count 0).</summary>
    void Reset();

    /// <summary>
    /// Updates <see cref="TrainingStepContext{T}.Parameters"/> in place for one mini-batch. Must not allocate.
    /// </summary>
    /// <param name="context">The batch, its regularised gradient and objective, the learning rate, and the means to
    /// re-evaluate the objective.</param>
    /// <returns>
    /// Whether the step was taken. An optimizer that returns <see cref="OptimizerStepOutcome.Rejected"/> must leave the
    /// parameters as it found them.
    /// </returns>
    OptimizerStepOutcome Step(in TrainingStepContext<T> context);
}

/// <summary>
/// An optimizer state whose update treats every parameter on its own: entry i's new value (and its share of the
/// state, such as a velocity) depends only on entry i's gradient and parameter and on values shared by the whole
/// step. Such an update can be applied slice by slice, and the trainer does so on every thread of a
/// <see cref="DataParallelNetwork{T}"/>, each on the slice whose gradient it has just combined.
/// </summary>
/// <typeparam name="T">The network's floating-point type.</typeparam>
/// <remarks>
/// One step is any number of <see cref="StepSlice"/> calls on disjoint slices that together cover the parameters,
/// possibly on different threads at the same time, followed by one <see cref="CompleteStep"/>. Slicing changes no
/// result: a step taken in slices equals <see cref="IOptimizerState{T}.Step"/> to the last bit.
/// </remarks>
public interface IElementwiseOptimizerState<T> : IOptimizerState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Updates one slice of the parameters for the current step. Must not allocate.</summary>
    /// <param name="offset">The index of the slice's first entry in the parameter layout.</param>
    /// <param name="gradient">The slice of the regularised gradient.</param>
    /// <param name="parameters">The slice of the parameters, updated in place.</param>
    /// <param name="learningRate">η_t for this step, the same for every slice.</param>
    void StepSlice(int offset, ReadOnlySpan<T> gradient, Span<T> parameters, double learningRate);

    /// <summary>Ends the current step once every slice has been updated (Adam advances its step count here).</summary>
    void CompleteStep();
}

/// <summary>
/// An optimizer state that can be saved in a training checkpoint and restored from one (see
/// <see cref="TrainerOptions.CheckpointPath"/>), so that a resumed run continues with the same moments, step sizes,
/// damping or history as the run that was interrupted. Every built-in optimizer's state implements it.
/// </summary>
/// <typeparam name="T">The network's floating-point type.</typeparam>
public interface ICheckpointableOptimizerState<T> : IOptimizerState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Captures everything the next steps depend on. Allocates the snapshot; call it between steps.</summary>
    OptimizerStateSnapshot SaveState();

    /// <summary>
    /// Puts the state back to <paramref name="snapshot"/>. Every entry is checked (present, of the right length, of
    /// valid values) before anything changes, so a snapshot that does not fit throws and leaves the state as it was.
    /// </summary>
    /// <param name="snapshot">A snapshot from <see cref="SaveState"/> of a state of the same optimizer and layout.</param>
    /// <exception cref="ArgumentException">An entry is missing, has the wrong length or holds an invalid value; the
    /// message names it.</exception>
    void RestoreState(OptimizerStateSnapshot snapshot);
}

/// <summary>What an optimizer did with a step.</summary>
public enum OptimizerStepOutcome
{
    /// <summary>The parameters were updated.</summary>
    Applied = 0,

    /// <summary>The optimizer tried a step and declined it (e.g. a trust-region method whose trial raised the
    /// objective); the parameters are unchanged. The trainer counts such steps in the history.</summary>
    Rejected = 1,
}
