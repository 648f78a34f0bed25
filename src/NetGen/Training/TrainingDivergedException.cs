using System;

namespace NetGen.Training;

/// <summary>What turned non-finite when training diverged.</summary>
public enum NonFiniteQuantity
{
    /// <summary>The batch loss was NaN or infinite.</summary>
    Loss = 0,

    /// <summary>An entry of the batch gradient was NaN or infinite.</summary>
    Gradient = 1,

    /// <summary>The optimizer's update produced a NaN or infinite parameter; the update was rolled back.</summary>
    Parameters = 2,
}

/// <summary>
/// Thrown by <see cref="Trainer{T}.Fit"/> when a step meets a NaN or infinite loss, gradient or updated parameter.
/// The network is left with the last finite parameters: those from before the failing step.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Describes where training diverged.</summary>
    /// <param name="epoch">The 1-based epoch of the failing step.</param>
    /// <param name="stepInEpoch">The 1-based index of the failing step within its epoch.</param>
    /// <param name="globalStep">The 1-based index of the failing step within the run.</param>
    /// <param name="quantity">What was non-finite.</param>
    /// <param name="history">The records of the epochs completed before the failure.</param>
    public TrainingDivergedException(int epoch, int stepInEpoch, int globalStep, NonFiniteQuantity quantity, TrainingHistory history)
        : base(BuildMessage(epoch, stepInEpoch, globalStep, quantity))
    {
        ArgumentNullException.ThrowIfNull(history);
        Epoch = epoch;
        StepInEpoch = stepInEpoch;
        GlobalStep = globalStep;
        Quantity = quantity;
        History = history;
    }

    /// <summary>The 1-based epoch of the failing step.</summary>
    public int Epoch { get; }

    /// <summary>The 1-based index of the failing step within its epoch.</summary>
    public int StepInEpoch { get; }

    /// <summary>The 1-based index of the failing step within the run.</summary>
    public int GlobalStep { get; }

    /// <summary>What was non-finite.</summary>
    public NonFiniteQuantity Quantity { get; }

    /// <summary>The records of the epochs completed before the failure.</summary>
    public TrainingHistory History { get; }

    private static string BuildMessage(int epoch, int stepInEpoch, int globalStep, NonFiniteQuantity quantity)
    {
        string what = quantity switch
        {
            NonFiniteQuantity.Loss => "the batch loss was NaN or infinite",
            NonFiniteQuantity.Gradient => "the batch gradient had a NaN or infinite entry",
            _ => "the update produced a NaN or infinite parameter (rolled back)",
        };
        return $"Training diverged at epoch {epoch}, step {stepInEpoch} (step {globalStep} of the run): {what}. "
            + "The network keeps the parameters from before that step. Try a smaller learning rate, or check the data's scale.";
    }
}
