using System;

namespace NetGen.Training;

/// <summary>
/// A snapshot of a running <see cref="Trainer{T}.Fit"/>, sent to its <see cref="IProgress{T}"/> at most once per
/// <see cref="TrainerOptions.ProgressInterval"/> within an epoch and always at the end of each epoch.
/// </summary>
public sealed record TrainingProgress
{
    /// <summary>The 1-based number of the current epoch.</summary>
    public required int Epoch { get; init; }

    /// <summary>The most epochs the run will take (<see cref="TrainerOptions.Epochs"/>).</summary>
    public required int TotalEpochs { get; init; }

    /// <summary>The steps completed in the current epoch, 1 to <see cref="StepsPerEpoch"/>.</summary>
    public required int StepInEpoch { get; init; }

    /// <summary>The number of mini-batch steps in each epoch.</summary>
    public required int StepsPerEpoch { get; init; }

    /// <summary>The steps completed since the run started.</summary>
    public required int GlobalStep { get; init; }

    /// <summary>The mean data loss of the current epoch's batches so far.</summary>
    public required double TrainingLoss { get; init; }

    /// <summary>The learning rate of the last step.</summary>
    public required double LearningRate { get; init; }

    /// <summary>The validation loss of the latest evaluated epoch (this one when <see cref="IsEpochEnd"/>), or
    /// <see langword="null"/> before the first evaluation or without a validation set.</summary>
    public required double? ValidationLoss { get; init; }

    /// <summary>The validation accuracy of the latest evaluated epoch, or <see langword="null"/> (none yet, no
    /// validation set, or regression).</summary>
    public required double? ValidationAccuracy { get; init; }

    /// <summary>The time since the run started.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Training samples processed per second of <see cref="Elapsed"/> (evaluation time included).</summary>
    public required double SamplesPerSecond { get; init; }

    /// <summary>Whether this report closes an epoch (after its evaluation).</summary>
    public required bool IsEpochEnd { get; init; }
}
