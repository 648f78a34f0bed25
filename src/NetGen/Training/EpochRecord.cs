using System;
using System.Collections.Generic;

namespace NetGen.Training;

/// <summary>What one completed epoch of training measured. One entry of <see cref="TrainingHistory.Epochs"/>.</summary>
public sealed record EpochRecord
{
    /// <summary>The 1-based epoch number.</summary>
    public required int Epoch { get; init; }

    /// <summary>The number of mini-batch steps the epoch ran.</summary>
    public required int Steps { get; init; }

    /// <summary>The mean over the epoch's batches of the batch's data loss C₀, measured in the training pass (so with
    /// dropout, if any) just before each update; no penalty.</summary>
    public required double TrainingLoss { get; init; }

    /// <summary>The mean over the epoch's batches of the regularised objective C₀ + penalty that was minimised; equals
    /// <see cref="TrainingLoss"/> without L1 or L2.</summary>
    public required double TrainingObjective { get; init; }

    /// <summary>The fraction of training samples classified correctly at the end of the epoch (whole network), or
    /// <see langword="null"/> for regression or when <see cref="TrainerOptions.EvaluateTrainingAccuracy"/> is off.</summary>
    public required double? TrainingAccuracy { get; init; }

    /// <summary>The validation set's mean data loss at the end of the epoch, or <see langword="null"/> without one.</summary>
    public required double? ValidationLoss { get; init; }

    /// <summary>The fraction of validation samples classified correctly, or <see langword="null"/> without a
    /// validation set or for regression.</summary>
    public required double? ValidationAccuracy { get; init; }

    /// <summary>The mean of η_t over the epoch's steps: the rate itself for schedules that change only between epochs.</summary>
    public required double LearningRate { get; init; }

    /// <summary>The number of steps the optimizer declined (see <see cref="OptimizerStepOutcome.Rejected"/>).</summary>
    public required int RejectedSteps { get; init; }

    /// <summary>The time since the run started, at the end of this epoch (evaluation included).</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>
    /// Per dense layer, input side first: the L2 norm ‖∂C₀/∂W^l‖ of the weight part of the data-loss gradient
    /// (penalty terms excluded), averaged over the epoch's batches. Small values on the input side relative to the
    /// output side show vanishing gradients.
    /// </summary>
    public required IReadOnlyList<double> LayerGradientNorms { get; init; }

    /// <summary>
    /// What the <see cref="TrainerOptions.EpochHooks"/> recorded at the end of this epoch, by name (for example
    /// <c>gamma</c>, <c>alpha</c>, <c>beta</c> of Bayesian regularisation, or the curvature spectrum); empty without
    /// hooks. <see cref="TrainingHistory.ToCsv"/> writes one column per name.
    /// </summary>
    public IReadOnlyDictionary<string, double> Measurements { get; init; } = EmptyMeasurements;

    private static readonly IReadOnlyDictionary<string, double> EmptyMeasurements = new Dictionary<string, double>();
}
