using System;

namespace NetGen.Samples.Train;

/// <summary>The update rule the job trains with.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (β₁ = 0.9, β₂ = 0.999); the default.</summary>
    Adam = 0,

    /// <summary>Plain mini-batch stochastic gradient descent.</summary>
    Sgd = 1,

    /// <summary>SGD with momentum μ = 0.9.</summary>
    Momentum = 2,
}

/// <summary>Which engine computes the forward and backward passes.</summary>
public enum EngineKind
{
    /// <summary>The code the source generator wrote for the declared network; the default.</summary>
    Generated = 0,

    /// <summary>The interpreted engine over the same <see cref="NetworkSpec"/>: same trainer, data and initial weights.</summary>
    Interpreted = 1,
}

/// <summary>
/// What the training job should do. <see langword="null"/> for <see cref="Epochs"/>, <see cref="BatchSize"/> and
/// <see cref="LearningRate"/> means the default for the data set and optimizer (see <see cref="TrainJob.Resolve"/>).
/// </summary>
public sealed record TrainJobOptions
{
    /// <summary>The folder with the four Fashion-MNIST IDX files, or <see langword="null"/> for the embedded UCI digits.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The most epochs to train; <see langword="null"/> for the data set's default.</summary>
    public int? Epochs { get; init; }

    /// <summary>The mini-batch size; <see langword="null"/> for the data set's default.</summary>
    public int? BatchSize { get; init; }

    /// <summary>The (constant) learning rate; <see langword="null"/> for the optimizer's default.</summary>
    public double? LearningRate { get; init; }

    /// <summary>The update rule.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>λ₁ of the L1 penalty; 0 turns it off.</summary>
    public double L1 { get; init; }

    /// <summary>λ₂ of the L2 penalty (weight decay); 0 turns it off.</summary>
    public double L2 { get; init; }

    /// <summary>The seed of the split, the initial weights, the shuffles and the dropout masks.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The folder the weights, history, scaling and plots are written to (created if missing).</summary>
    public string OutputDirectory { get; init; } = "out";

    /// <summary>Stop after this many epochs without a lower validation loss; <see langword="null"/> trains all epochs.</summary>
    public int? Patience { get; init; }

    /// <summary>The engine that computes the passes.</summary>
    public EngineKind Engine { get; init; } = EngineKind.Generated;

    /// <summary>Use only the first this many Fashion-MNIST training images (before the validation split); needs
    /// <see cref="DataDirectory"/>. <see langword="null"/> uses all 60,000.</summary>
    public int? Limit { get; init; }

    /// <summary>Record the top this many eigenvalues of the Hessian and the Gauss–Newton matrix (and their traces)
    /// after every epoch and plot them; <see langword="null"/> (the default) records none.</summary>
    public int? CurvatureEigenvalues { get; init; }

    /// <summary>The UCI digits file; <see langword="null"/> for the copy next to the program (<c>Data/digits.csv.gz</c>).</summary>
    public string? DigitsFile { get; init; }

    /// <summary>Run a learning-rate range test on the training split instead of training (<see cref="TrainJob.FindLearningRate"/>).</summary>
    public bool FindLearningRate { get; init; }

    /// <summary>The folder for the run's checkpoint (<c>SET.checkpoint</c>, saved after every epoch); <see langword="null"/> for none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Continue the run saved in <see cref="CheckpointDirectory"/> instead of starting a new one.</summary>
    public bool Resume { get; init; }

    /// <summary>Throws for the first setting that is out of range, naming it.</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public void Validate()
    {
        if (Epochs is < 1)
        {
            throw new ArgumentException($"Epochs is {Epochs}; training needs at least 1 epoch.", nameof(Epochs));
        }

        if (BatchSize is < 1)
        {
            throw new ArgumentException($"BatchSize is {BatchSize}; a mini-batch needs at least 1 sample.", nameof(BatchSize));
        }

        if (LearningRate is { } rate && !(double.IsFinite(rate) && rate > 0))
        {
            throw new ArgumentException($"LearningRate is {rate}; it must be a finite number above 0.", nameof(LearningRate));
        }

        if (!Enum.IsDefined(Optimizer))
        {
            throw new ArgumentException($"Optimizer {(int)Optimizer} is not a known optimizer.", nameof(Optimizer));
        }

        if (!Enum.IsDefined(Engine))
        {
            throw new ArgumentException($"Engine {(int)Engine} is not a known engine.", nameof(Engine));
        }

        if (!(double.IsFinite(L1) && L1 >= 0))
        {
            throw new ArgumentException($"L1 is {L1}; it must be a finite number ≥ 0.", nameof(L1));
        }

        if (!(double.IsFinite(L2) && L2 >= 0))
        {
            throw new ArgumentException($"L2 is {L2}; it must be a finite number ≥ 0.", nameof(L2));
        }

        if (string.IsNullOrWhiteSpace(OutputDirectory))
        {
            throw new ArgumentException("OutputDirectory is empty; name a folder.", nameof(OutputDirectory));
        }

        if (CurvatureEigenvalues is < 1)
        {
            throw new ArgumentException($"CurvatureEigenvalues is {CurvatureEigenvalues}; at least 1, or null for none.", nameof(CurvatureEigenvalues));
        }

        if (Patience is < 1)
        {
            throw new ArgumentException($"Patience is {Patience}; it must be at least 1 epoch.", nameof(Patience));
        }

        if (Limit is { } limit)
        {
            if (DataDirectory is null)
            {
                throw new ArgumentException("Limit applies to Fashion-MNIST only; set DataDirectory too.", nameof(Limit));
            }

            if (limit < TrainJob.MinimumLimit)
            {
                throw new ArgumentException($"Limit is {limit}; it must be at least {TrainJob.MinimumLimit} images, so that the validation split holds every class.", nameof(Limit));
            }
        }

        if (DataDirectory is not null && string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("DataDirectory is empty; name the folder with the Fashion-MNIST files.", nameof(DataDirectory));
        }

        if (CheckpointDirectory is not null && string.IsNullOrWhiteSpace(CheckpointDirectory))
        {
            throw new ArgumentException("CheckpointDirectory is empty; name a folder.", nameof(CheckpointDirectory));
        }

        if (Resume && CheckpointDirectory is null)
        {
            throw new ArgumentException("Resume needs CheckpointDirectory: the folder whose checkpoint to continue.", nameof(Resume));
        }

        if (FindLearningRate && (Resume || CheckpointDirectory is not null))
        {
            throw new ArgumentException("FindLearningRate does not train, so it takes no checkpoint and resumes nothing.", nameof(FindLearningRate));
        }

        if (DigitsFile is not null && string.IsNullOrWhiteSpace(DigitsFile))
        {
            throw new ArgumentException("DigitsFile is empty.", nameof(DigitsFile));
        }
    }
}
