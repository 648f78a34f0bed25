using System;
using System.Collections.Generic;

namespace NetGen.Training;

/// <summary>One dense layer as a checkpoint describes it.</summary>
internal sealed record CheckpointLayer(int Size, string Activation, double LeakySlope, double Alpha, double KeepProbability);

/// <summary>The network a checkpoint was saved from, field by field, so a mismatch can be named.</summary>
internal sealed record CheckpointNetwork(
    string Description, string ParameterType, int InputSize, double InputKeepProbability, IReadOnlyList<CheckpointLayer> Layers, string Loss, string Precision)
{
    /// <summary>The parameter count the layers lay out.</summary>
    public long ParameterCount
    {
        get
        {
            long count = 0;
            long inputs = InputSize;
            foreach (var layer in Layers)
            {
                count += (inputs * layer.Size) + layer.Size;
                inputs = layer.Size;
            }

            return count;
        }
    }
}

/// <summary>Which data a run trained on: the shape and a SHA-256 of the values (features, targets and labels).</summary>
internal sealed record CheckpointData(int Count, int FeatureCount, int TargetCount, byte[] Hash);

/// <summary>Everything a checkpoint holds, read and checked for consistency but not yet compared with a trainer.</summary>
internal sealed class CheckpointContents
{
    public required CheckpointNetwork Network { get; init; }

    public required IReadOnlyList<KeyValuePair<string, string>> Settings { get; init; }

    public required CheckpointData Train { get; init; }

    public required CheckpointData? Validation { get; init; }

    public required int EpochsRun { get; init; }

    public required int GlobalStep { get; init; }

    public required long SamplesProcessed { get; init; }

    public required int? BestEpoch { get; init; }

    public required double BestValidationLoss { get; init; }

    public required int EpochsWithoutImprovement { get; init; }

    public required double? LastValidationLoss { get; init; }

    public required double? LastValidationAccuracy { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public required StopReason? StopReason { get; init; }

    public required SeededRandomState ShuffleRandom { get; init; }

    public required SeededRandomState DropoutRandom { get; init; }

    public required int[] Order { get; init; }

    public required double[] Parameters { get; init; }

    public required double[]? BestParameters { get; init; }

    public required IReadOnlyList<EpochRecord> History { get; init; }

    public required OptimizerStateSnapshot OptimizerState { get; init; }
}
