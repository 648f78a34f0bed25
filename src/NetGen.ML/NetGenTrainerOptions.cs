using System;
using System.Threading;
using NetGen.Training;

namespace NetGen.ML;

/// <summary>The settings of a <see cref="NetGenTrainer"/>: the columns it reads and how NetGen's trainer runs.</summary>
/// <example><code>
/// var trainer = mlContext.MulticlassClassification.Trainers.NetGen&lt;DigitsNet&gt;(new NetGenTrainerOptions
/// {
///     LabelColumnName = "Digit",
///     Trainer = new TrainerOptions { Optimizer = new AdamOptimizer(), LearningRate = 0.001, Epochs = 40, Seed = 1 },
/// });
/// </code></example>
public sealed class NetGenTrainerOptions
{
    /// <summary>
    /// The label column; "Label" by default. Its type depends on the task: a key with one value per class for
    /// multiclass classification (<c>MapValueToKey</c> makes it), <see cref="bool"/> for binary classification,
    /// <see cref="float"/> for regression.
    /// </summary>
    public string LabelColumnName { get; init; } = "Label";

    /// <summary>The feature column, a vector of the network's input size in singles; "Features" by default.</summary>
    public string FeatureColumnName { get; init; } = "Features";

    /// <summary>
    /// How NetGen's <see cref="Trainer{T}"/> runs: epochs, batch size, optimizer, learning rate, penalties, seed (equal
    /// seeds and equal data give bitwise-equal networks), early stopping (which needs the validation data of
    /// <see cref="NetGenTrainer.Fit(Microsoft.ML.IDataView, Microsoft.ML.IDataView)"/>). <see cref="TrainerOptions"/>'s
    /// defaults when not set.
    /// </summary>
    public TrainerOptions Trainer { get; init; } = new();

    /// <summary>Receives the trainer's throttled progress reports, on the training thread; none by default.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Stops training at the next batch; the network keeps what it learned so far (or the best validation epoch's weights).</summary>
    public CancellationToken CancellationToken { get; init; }
}
