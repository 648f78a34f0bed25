using System;
using System.Collections.Generic;
using NetGen.Data;
using NetGen.Evaluation;
using NetGen.Training;

namespace NetGen.Samples.Train;

/// <summary>The data sets the job trains on.</summary>
public enum DataSetKind
{
    /// <summary>The UCI optical digits embedded in the repository (1,797 8×8 images).</summary>
    Digits = 0,

    /// <summary>Fashion-MNIST from IDX files (60,000 + 10,000 28×28 images).</summary>
    FashionMnist = 1,
}

/// <summary>The settings a run uses: <see cref="TrainJobOptions"/> with every default filled in.</summary>
/// <param name="DataSet">The data set.</param>
/// <param name="Epochs">The most epochs.</param>
/// <param name="BatchSize">The mini-batch size.</param>
/// <param name="LearningRate">The constant learning rate.</param>
/// <param name="Optimizer">The update rule.</param>
/// <param name="L1">λ₁ of the L1 penalty.</param>
/// <param name="L2">λ₂ of the L2 penalty.</param>
/// <param name="Seed">The seed of everything random.</param>
/// <param name="Patience">The early-stopping patience in epochs, or null for none.</param>
/// <param name="Engine">The engine.</param>
/// <param name="Limit">The number of Fashion-MNIST training images used, or null for all.</param>
/// <param name="OutputDirectory">The absolute output folder.</param>
/// <param name="CheckpointFile">The absolute path of the checkpoint saved after every epoch, or null for none.</param>
/// <param name="Resume">Whether the run continues from <paramref name="CheckpointFile"/>.</param>
public sealed record TrainJobSettings(
    DataSetKind DataSet,
    int Epochs,
    int BatchSize,
    double LearningRate,
    OptimizerKind Optimizer,
    double L1,
    double L2,
    ulong Seed,
    int? Patience,
    EngineKind Engine,
    int? Limit,
    string OutputDirectory,
    string? CheckpointFile = null,
    bool Resume = false);

/// <summary>What <see cref="TrainJob.FindLearningRate"/> found and wrote.</summary>
/// <param name="Settings">The settings used (optimizer, batch size, seed …).</param>
/// <param name="Test">The rates, losses and the suggestion.</param>
/// <param name="Plot">The loss against the learning rate, PNG.</param>
/// <param name="Csv">The same as CSV: learning_rate, loss, smoothed_loss.</param>
public sealed record LearningRateJobResult(TrainJobSettings Settings, LearningRateRangeTestResult Test, string Plot, string Csv);

/// <summary>The files a run writes.</summary>
/// <param name="Weights">The trained parameters, safetensors (PyTorch <c>nn.Sequential</c> naming), with the
/// standardisation in its <c>netgen.scaler</c> metadata (<c>Predictor&lt;float&gt;.Load</c> restores both).</param>
/// <param name="History">The per-epoch history, CSV.</param>
/// <param name="Scaling">The standardisation fitted on the training split (feature, mean, standard deviation), CSV;
/// inputs must be transformed with it before <c>Forward</c>.</param>
/// <param name="TrainingPlot">Training and validation loss and accuracy per epoch, PNG.</param>
/// <param name="GradientPlot">The per-layer weight-gradient norms per epoch on a log scale, PNG.</param>
/// <param name="ConfusionPlot">The test split's confusion matrix as a heat map, PNG.</param>
/// <param name="CurvaturePlot">With <c>--curvature</c>, the top Hessian and Gauss–Newton eigenvalues and the traces
/// per epoch, PNG; otherwise null.</param>
public sealed record TrainJobFiles(string Weights, string History, string Scaling, string TrainingPlot, string GradientPlot, string ConfusionPlot, string? CurvaturePlot = null)
{
    /// <summary>All the files written, in the order above.</summary>
    public IReadOnlyList<string> All => CurvaturePlot is null
        ? [Weights, History, Scaling, TrainingPlot, GradientPlot, ConfusionPlot]
        : [Weights, History, Scaling, TrainingPlot, GradientPlot, ConfusionPlot, CurvaturePlot];
}

/// <summary>The standardised training, validation and test splits of a data set.</summary>
/// <param name="Description">The data set and its origin, for the console.</param>
/// <param name="Train">The training split, standardised with <paramref name="Scaler"/>.</param>
/// <param name="Validation">The validation split (early stopping, best-epoch selection), standardised likewise.</param>
/// <param name="Test">The held-out test split, standardised likewise; used once, after training.</param>
/// <param name="Scaler">The standardiser fitted on the raw training split only.</param>
public sealed record PreparedData(string Description, Dataset<float> Train, Dataset<float> Validation, Dataset<float> Test, Standardizer<float> Scaler);

/// <summary>What a run of <see cref="TrainJob.Run"/> did.</summary>
public sealed record TrainJobResult
{
    /// <summary>The settings used.</summary>
    public required TrainJobSettings Settings { get; init; }

    /// <summary>The data set and its origin.</summary>
    public required string DataDescription { get; init; }

    /// <summary>The number of training samples.</summary>
    public required int TrainCount { get; init; }

    /// <summary>The number of validation samples.</summary>
    public required int ValidationCount { get; init; }

    /// <summary>The number of test samples.</summary>
    public required int TestCount { get; init; }

    /// <summary>The trained network (with the best epoch's parameters, which are the ones saved).</summary>
    public required ITrainableNetwork<float> Network { get; init; }

    /// <summary>The trainer's account of the run: stop reason, best epoch, final metrics, history.</summary>
    public required TrainingResult Training { get; init; }

    /// <summary>The per-epoch history (losses, accuracies, per-layer gradient norms).</summary>
    public TrainingHistory History => Training.History;

    /// <summary>The mean cross-entropy on the test split.</summary>
    public required double TestLoss { get; init; }

    /// <summary>The fraction of the test split classified correctly.</summary>
    public required double TestAccuracy { get; init; }

    /// <summary>The test split's evaluation: confusion matrix, per-class precision, recall and F1, averages, log-loss.</summary>
    public required ClassificationReport TestReport { get; init; }

    /// <summary>The files written.</summary>
    public required TrainJobFiles Files { get; init; }

    /// <summary>The wall-clock time of the whole run: loading, training, evaluation and writing.</summary>
    public required TimeSpan Elapsed { get; init; }
}

/// <summary>Receives what a running job has to say; called on the training thread.</summary>
public interface ITrainJobReporter
{
    /// <summary>A line of information (the data, the network, the settings).</summary>
    /// <param name="message">The text, plain.</param>
    void Info(string message);

    /// <summary>A throttled progress report from the trainer, and one at the end of every epoch.</summary>
    /// <param name="progress">The report.</param>
    void Progress(TrainingProgress progress);
}
