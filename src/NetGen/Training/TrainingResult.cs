using System;

namespace NetGen.Training;

/// <summary>Why a training run ended.</summary>
public enum StopReason
{
    /// <summary>All <see cref="TrainerOptions.Epochs"/> epochs ran.</summary>
    MaxEpochsReached = 0,

    /// <summary>The validation loss stopped improving for <see cref="TrainerOptions.EarlyStoppingPatience"/> epochs.</summary>
    EarlyStopped = 1,

    /// <summary>The monitored loss reached <see cref="TrainerOptions.TargetLoss"/>.</summary>
    TargetLossReached = 2,

    /// <summary>The cancellation token was signalled; training stopped at the next batch boundary.</summary>
    Cancelled = 3,

    /// <summary>Every output of the monitored set came within <see cref="TrainerOptions.TargetOutputError"/> of its target.</summary>
    TargetOutputErrorReached = 4,
}

/// <summary>The losses and accuracies of a network on the training and validation sets (whole network, no dropout).</summary>
/// <param name="TrainingLoss">The training set's mean data loss.</param>
/// <param name="TrainingAccuracy">The training set's accuracy, or <see langword="null"/> for regression.</param>
/// <param name="ValidationLoss">The validation set's mean data loss, or <see langword="null"/> without one.</param>
/// <param name="ValidationAccuracy">The validation set's accuracy, or <see langword="null"/> without one or for regression.</param>
public sealed record TrainingMetrics(double TrainingLoss, double? TrainingAccuracy, double? ValidationLoss, double? ValidationAccuracy);

/// <summary>A data set's mean loss and, for classification, accuracy under the current parameters.</summary>
/// <param name="Loss">The mean data loss over the samples (no penalty, no dropout).</param>
/// <param name="Accuracy">The fraction classified correctly, or <see langword="null"/> for regression.</param>
public readonly record struct EvaluationResult(double Loss, double? Accuracy);

/// <summary>How a call of <see cref="Trainer{T}.Fit"/> went. The network holds the parameters described by
/// <see cref="RestoredBestWeights"/>.</summary>
public sealed class TrainingResult
{
    /// <summary>Bundles the outcome of a run.</summary>
    /// <param name="stopReason">Why the run ended.</param>
    /// <param name="epochsRun">The epochs completed.</param>
    /// <param name="totalSteps">The mini-batch steps taken, including those of an epoch cut short by cancellation.</param>
    /// <param name="bestEpoch">The 1-based epoch with the lowest validation loss, or null.</param>
    /// <param name="bestValidationLoss">That epoch's validation loss, or null.</param>
    /// <param name="restoredBestWeights">Whether the network was reset to the best epoch's parameters.</param>
    /// <param name="finalMetrics">The metrics of the parameters the network ends with.</param>
    /// <param name="history">The per-epoch records.</param>
    /// <param name="elapsed">The duration of the run.</param>
    public TrainingResult(
        StopReason stopReason,
        int epochsRun,
        int totalSteps,
        int? bestEpoch,
        double? bestValidationLoss,
        bool restoredBestWeights,
        TrainingMetrics finalMetrics,
        TrainingHistory history,
        TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(finalMetrics);
        ArgumentNullException.ThrowIfNull(history);
        StopReason = stopReason;
        EpochsRun = epochsRun;
        TotalSteps = totalSteps;
        BestEpoch = bestEpoch;
        BestValidationLoss = bestValidationLoss;
        RestoredBestWeights = restoredBestWeights;
        FinalMetrics = finalMetrics;
        History = history;
        Elapsed = elapsed;
    }

    /// <summary>Why the run ended.</summary>
    public StopReason StopReason { get; }

    /// <summary>The number of epochs completed (an epoch cut short by cancellation does not count).</summary>
    public int EpochsRun { get; }

    /// <summary>The number of mini-batch steps taken, including those of an epoch cut short by cancellation.</summary>
    public int TotalSteps { get; }

    /// <summary>The 1-based epoch whose parameters had the lowest validation loss, or <see langword="null"/> without a
    /// validation set (or when no epoch completed).</summary>
    public int? BestEpoch { get; }

    /// <summary>The validation loss of <see cref="BestEpoch"/>, or <see langword="null"/>.</summary>
    public double? BestValidationLoss { get; }

    /// <summary>Whether the network now holds the parameters of <see cref="BestEpoch"/> rather than the last ones (see
    /// <see cref="TrainerOptions.RestoreBestWeights"/>).</summary>
    public bool RestoredBestWeights { get; }

    /// <summary>The losses and accuracies of the parameters the network ends with, measured after any restore.</summary>
    public TrainingMetrics FinalMetrics { get; }

    /// <summary>The per-epoch records.</summary>
    public TrainingHistory History { get; }

    /// <summary>The wall-clock duration of the run.</summary>
    public TimeSpan Elapsed { get; }
}
